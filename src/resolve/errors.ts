/** The errors resolve raises, built in one place so every message names the host and the family. */
import { HiperError, errnoCode, type HiperErrorCode } from '../shared/errors.js';
import type { AddressSource } from '../shared/types.js';
import type { IpVersion } from './types.js';

export function familyLabel(family: IpVersion): string {
  return family === 4 ? 'IPv4' : family === 6 ? 'IPv6' : 'IPv4 or IPv6';
}

/** The name exists (or was pinned) but has no address of the wanted family. */
export function noAddress(host: string, family: IpVersion, source: AddressSource): HiperError {
  return new HiperError('ERR_DNS_NOT_FOUND', `${host} has no ${familyLabel(family)} address`, { input: host, details: { family, source } });
}

/** NXDOMAIN. */
export function noSuchName(host: string, family: IpVersion, source: AddressSource): HiperError {
  return new HiperError('ERR_DNS_NOT_FOUND', `${host} does not exist (NXDOMAIN)`, { input: host, details: { family, source, rcode: 'NXDOMAIN' } });
}

export function dnsError(code: HiperErrorCode, host: string, why: string, details: Record<string, unknown>, cause?: unknown): HiperError {
  return new HiperError(code, `could not resolve ${host}: ${why}`, { input: host, details, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Maps a failure of getaddrinfo (dns.lookup) or c-ares (dns.Resolver) to a HiperError. `empty` is
 * returned for "the name exists but has no record of this type" so that callers can combine A and AAAA.
 */
export function fromDnsErrno(err: unknown, host: string, family: IpVersion, source: AddressSource): HiperError | 'empty' {
  const code = errnoCode(err);
  const details = { family, source, errno: code };
  switch (code) {
    case 'ENODATA':
      return 'empty';
    case 'ENOTFOUND':
      return source === 'system' ? noAddress(host, family, source) : noSuchName(host, family, source);
    case 'ESERVFAIL':
      return dnsError('ERR_DNS_SERVFAIL', host, 'the DNS server failed (SERVFAIL)', details, err);
    case 'EREFUSED':
      return dnsError('ERR_DNS_REFUSED', host, 'the DNS server refused the query (REFUSED)', details, err);
    case 'ETIMEOUT':
      return dnsError('ERR_DNS_FAILED', host, 'no answer from the DNS servers (timed out)', details, err);
    default:
      return dnsError('ERR_DNS_FAILED', host, `${code ?? 'error'}: ${(err as Error)?.message ?? String(err)}`, details, err);
  }
}

/**
 * Maps an RCODE other than NOERROR (from hiper's own DNS client) to a HiperError, as fromDnsErrno does
 * for c-ares: NXDOMAIN is "does not exist", SERVFAIL and REFUSED keep their own codes.
 */
export function fromRcode(rcode: string, host: string, family: IpVersion, source: AddressSource, extra: Record<string, unknown> = {}): HiperError {
  const details = { family, source, rcode, ...extra };
  switch (rcode) {
    case 'NXDOMAIN': {
      const e = noSuchName(host, family, source);
      Object.assign(e.details, extra);
      return e;
    }
    case 'SERVFAIL':
      return dnsError('ERR_DNS_SERVFAIL', host, 'the DNS server failed (SERVFAIL)', details);
    case 'REFUSED':
      return dnsError('ERR_DNS_REFUSED', host, 'the DNS server refused the query (REFUSED)', details);
    default:
      return dnsError('ERR_DNS_FAILED', host, `the DNS server answered ${rcode}`, details);
  }
}

/** Errors worth remembering for a few seconds (negative caching): the answer, not the path, said no. */
export function isNegativeAnswer(err: unknown): boolean {
  const code = (err as HiperError | undefined)?.code;
  return code === 'ERR_DNS_NOT_FOUND' || code === 'ERR_DNS_SERVFAIL' || code === 'ERR_DNS_REFUSED';
}
