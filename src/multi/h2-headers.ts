/**
 * A transfer's request as an HTTP/2 header block: pseudo-headers from the URL and method, the caller's
 * headers with lower-case names, less the connection-specific ones that HTTP/2 forbids (RFC 9113
 * §8.2.2: Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, and TE other than
 * "trailers"): they describe an HTTP/1.1 connection and mean nothing on a stream, as in curl. A Host
 * header becomes :authority. The headers were checked once, when the transfer was added (request.ts).
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import type { TransferImpl } from './transfer.js';

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Methods that define a meaning for content: sent with content-length 0 when there is no body (as h1). */
const CONTENT_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export function h2RequestHeaders(t: TransferImpl): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': t.method,
    ':scheme': t.target.scheme,
    ':authority': t.target.authority,
    ':path': t.target.path,
  };
  const request = t.request.checked;
  let hasLength = false;
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(lower)) continue;
    if (lower === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    if (lower === 'host') {
      headers[':authority'] = value;
      continue;
    }
    if (lower === 'content-length') {
      // Given twice with one value (the h1 writer allows that); HTTP/2 takes it once.
      if (hasLength) continue;
      hasLength = true;
    }
    const prior = headers[lower];
    if (prior === undefined) headers[lower] = value;
    else if (Array.isArray(prior)) prior.push(value);
    else headers[lower] = [String(prior), value];
  }
  if (!hasLength) {
    const size = request.bodySize;
    // A streamed body of unknown size goes without: its stream's END_STREAM ends it.
    if (size !== undefined && (size > 0 || request.bodyGiven || CONTENT_METHODS.has(t.method))) headers['content-length'] = String(size);
  }
  return headers;
}
