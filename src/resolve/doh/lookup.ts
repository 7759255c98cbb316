/** DNS-over-HTTPS (RFC 8484) as a lower lookup: A and AAAA asked in parallel through the caller's transport. */
import { HiperError } from '../../shared/errors.js';
import type { AddressRecord } from '../../shared/types.js';
import { parseAddress } from '../../bind/index.js';
import { abortError, raceAbort } from '../abort.js';
import { perFamily } from '../combine.js';
import { parseTargetUrl, type TargetUrl } from '../../shared/url.js';
import type { DohOptions, DohTransport, LowerLookup } from '../types.js';
import { DEFAULT_DOH_MAX_BYTES, checkDohResponse } from './check.js';
import { dohRequest, encodeQuery } from './message.js';

export interface DohEndpoint {
  /** The endpoint without a zone id (WHATWG URL cannot hold one). */
  url: URL;
  /** The zone of a link-local address literal ("https://[fe80::1%25eth0]/dns-query" -> "eth0"). */
  zone?: string;
  /** The endpoint as written, zone included (for messages). */
  href: string;
}

/** The endpoint and its zone, or ERR_INVALID_URL naming what is wrong. */
export function dohEndpoint(text: string): DohEndpoint {
  let target: TargetUrl;
  try {
    target = parseTargetUrl(text);
  } catch (err) {
    if (URL.canParse(text)) throw new HiperError('ERR_INVALID_URL', `DoH URL ${text} must be https: (RFC 8484)`, { input: text });
    throw new HiperError('ERR_INVALID_URL', `DoH URL ${JSON.stringify(text)} does not parse`, { input: text, cause: err });
  }
  if (target.scheme !== 'https') throw new HiperError('ERR_INVALID_URL', `DoH URL ${text} must be https: (RFC 8484)`, { input: text });
  if (target.zone === undefined) return { url: new URL(target.href), href: target.href };
  return { url: new URL(target.href.replace(`[${target.hostname}%25${target.zone}]`, `[${target.hostname}]`)), zone: target.zone, href: target.href };
}

function checkTransport(transport: unknown): void {
  if (typeof transport !== 'function') throw new HiperError('ERR_INVALID_ARGUMENT', 'doh.transport must be a function (a DohTransport)', { input: transport });
}

/** The endpoint URL (without a zone id), or ERR_INVALID_URL / ERR_INVALID_ARGUMENT naming what is wrong. */
export function checkDohOptions(doh: DohOptions): URL {
  return checkedEndpoint(doh).url;
}

function checkedEndpoint(doh: DohOptions): DohEndpoint {
  const endpoint = dohEndpoint(doh.url);
  checkTransport(doh.transport);
  if (doh.method !== undefined && doh.method !== 'GET' && doh.method !== 'POST') {
    throw new HiperError('ERR_INVALID_ARGUMENT', `doh.method must be GET or POST, got ${JSON.stringify(doh.method)}`, { input: doh.method });
  }
  const max = doh.maxResponseBytes;
  if (max !== undefined && (!Number.isInteger(max) || max < 12)) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `doh.maxResponseBytes must be an integer >= 12, got ${JSON.stringify(max)}`, { input: max });
  }
  return endpoint;
}

const transportIds = new WeakMap<DohTransport, string>();
let nextTransportId = 0;

/**
 * The DoH part of the cache key: endpoint, method, size limit and the transport's identity (its egress
 * and TLS trust), so that no answer is served to a lookup made under other settings. A transport that
 * states no identity is known by itself only.
 */
export function dohIdentity(doh: DohOptions): string {
  const transport = doh.transport;
  checkTransport(transport);
  let id = transport.identity;
  if (typeof id !== 'string') {
    id = transportIds.get(transport);
    if (id === undefined) transportIds.set(transport, (id = `transport#${++nextTransportId}`));
  }
  // Starts with the URL ("https:..."), so it cannot be mistaken for "system", "lookup#N" or "dns:...".
  return `${doh.url} ${doh.method ?? 'GET'} ${doh.maxResponseBytes ?? DEFAULT_DOH_MAX_BYTES} ${id}`;
}

export function dohLookup(doh: DohOptions): LowerLookup {
  const { url: endpoint, zone, href } = checkedEndpoint(doh);
  const method = doh.method ?? 'GET';
  const maxBytes = doh.maxResponseBytes ?? DEFAULT_DOH_MAX_BYTES;
  return ({ name, family, signal }) => perFamily(name, family, 'doh', async (f): Promise<AddressRecord[]> => {
    const type = f === 4 ? 'A' : 'AAAA';
    const request = dohRequest(endpoint, method, encodeQuery(name, type));
    let response;
    try {
      response = await raceAbort(doh.transport({ ...request, ...(zone === undefined ? {} : { zone }), signal }), signal, name);
    } catch (err) {
      if (err instanceof HiperError) throw err;
      if (signal.aborted) throw abortError(name, signal);
      throw new HiperError('ERR_DNS_FAILED', `could not resolve ${name}: DoH request to ${href} failed: ${(err as Error)?.message ?? String(err)}`, {
        input: name, cause: err, details: { source: 'doh', url: href, errno: (err as { code?: unknown })?.code },
      });
    }
    const answers = checkDohResponse(response, { name, type, maxBytes, url: href });
    return answers.map((a) => ({ address: f === 6 ? (parseAddress(a.address)?.address ?? a.address) : a.address, family: f, ttl: a.ttl, source: 'doh' }));
  });
}
