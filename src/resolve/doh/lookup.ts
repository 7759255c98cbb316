/** DNS-over-HTTPS (RFC 8484) as a lower lookup: A and AAAA asked in parallel through the caller's transport. */
import { HiperError } from '../../shared/errors.js';
import type { AddressRecord } from '../../shared/types.js';
import { parseAddress } from '../../bind/index.js';
import { abortError, raceAbort } from '../abort.js';
import { perFamily } from '../combine.js';
import type { DohOptions, LowerLookup } from '../types.js';
import { DEFAULT_DOH_MAX_BYTES, checkDohResponse } from './check.js';
import { dohRequest, encodeQuery } from './message.js';

/** The endpoint URL, or ERR_INVALID_URL / ERR_INVALID_ARGUMENT naming what is wrong. */
export function checkDohOptions(doh: DohOptions): URL {
  let url: URL;
  try {
    url = new URL(doh.url);
  } catch (err) {
    throw new HiperError('ERR_INVALID_URL', `DoH URL ${JSON.stringify(doh.url)} does not parse`, { input: doh.url, cause: err });
  }
  if (url.protocol !== 'https:') throw new HiperError('ERR_INVALID_URL', `DoH URL ${doh.url} must be https: (RFC 8484)`, { input: doh.url });
  if (typeof doh.transport !== 'function') throw new HiperError('ERR_INVALID_ARGUMENT', 'doh.transport must be a function (a DohTransport)', { input: doh.transport });
  if (doh.method !== undefined && doh.method !== 'GET' && doh.method !== 'POST') {
    throw new HiperError('ERR_INVALID_ARGUMENT', `doh.method must be GET or POST, got ${JSON.stringify(doh.method)}`, { input: doh.method });
  }
  const max = doh.maxResponseBytes;
  if (max !== undefined && (!Number.isInteger(max) || max < 12)) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `doh.maxResponseBytes must be an integer >= 12, got ${JSON.stringify(max)}`, { input: max });
  }
  return url;
}

export function dohLookup(doh: DohOptions): LowerLookup {
  const endpoint = checkDohOptions(doh);
  const method = doh.method ?? 'GET';
  const maxBytes = doh.maxResponseBytes ?? DEFAULT_DOH_MAX_BYTES;
  return ({ name, family, signal }) => perFamily(name, family, 'doh', async (f): Promise<AddressRecord[]> => {
    const type = f === 4 ? 'A' : 'AAAA';
    const request = dohRequest(endpoint, method, encodeQuery(name, type));
    let response;
    try {
      response = await raceAbort(doh.transport({ ...request, signal }), signal, name);
    } catch (err) {
      if (err instanceof HiperError) throw err;
      if (signal.aborted) throw abortError(name, signal);
      throw new HiperError('ERR_DNS_FAILED', `could not resolve ${name}: DoH request to ${endpoint.href} failed: ${(err as Error)?.message ?? String(err)}`, {
        input: name, cause: err, details: { source: 'doh', url: endpoint.href, errno: (err as { code?: unknown })?.code },
      });
    }
    const answers = checkDohResponse(response, { name, type, maxBytes, url: endpoint.href });
    return answers.map((a) => ({ address: f === 6 ? (parseAddress(a.address)?.address ?? a.address) : a.address, family: f, ttl: a.ttl, source: 'doh' }));
  });
}
