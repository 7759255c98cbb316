/**
 * HTTP/1.1 request writer: encodes a checked request's head (request-check.ts), and writes head and
 * body Buffers to the socket as one corked batch (one writev), never concatenating or copying the body;
 * a batch of heads only (pipelined GETs) is joined into one Buffer and written once.
 */
import type { Socket } from 'node:net';
import { checkRequest, type CheckedRequest } from './request-check.js';
import type { RequestSpec } from './types.js';

/** Methods that define a meaning for content: sent with Content-Length: 0 when there is no body. */
const CONTENT_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The head and body of a request, checked and ready for the wire. */
export interface EncodedRequest {
  head: Buffer;
  body: Buffer[];
}

/**
 * Requests without headers or body (a client repeating GETs), encoded once: by "METHOD path host",
 * unambiguous as neither a method nor a path holds a space. Entries are frozen and shared; the oldest
 * goes first when the cache is full.
 */
const PLAIN = new Map<string, EncodedRequest>();
const PLAIN_MAX = 256;

/**
 * Checks and encodes a request: "METHOD path HTTP/1.1", Host (from spec.host unless a Host header is
 * given; sent first), the headers in order with their names as given, and Content-Length for a body
 * (or 0 for POST/PUT/PATCH without one). A given Content-Length must match the body; Transfer-Encoding
 * cannot be combined with a body of known size. The result is read-only (it may be shared).
 */
export function encodeRequest(spec: RequestSpec): EncodedRequest {
  if (spec.headers !== undefined || spec.body !== undefined || typeof spec.method !== 'string' || typeof spec.path !== 'string' || typeof spec.host !== 'string') {
    return encodeChecked(checkRequest(spec));
  }
  const key = `${spec.method} ${spec.path} ${spec.host}`;
  let encoded = PLAIN.get(key);
  if (encoded === undefined) {
    const fresh = encodeChecked(checkRequest(spec));
    // A Buffer of its own: a small Buffer.from is a slice of a shared 8 KiB pool, which it would pin.
    const head = Buffer.allocUnsafeSlow(fresh.head.length);
    fresh.head.copy(head);
    encoded = Object.freeze({ head, body: Object.freeze(fresh.body) as Buffer[] });
    if (PLAIN.size >= PLAIN_MAX) PLAIN.delete(PLAIN.keys().next().value!);
    PLAIN.set(key, encoded);
  }
  return encoded;
}

/** The HTTP/1.1 form of a request already checked (with an HTTP/1.0 request line for curl's --http1.0). */
export function encodeChecked(c: CheckedRequest, version: '1.0' | '1.1' = '1.1'): EncodedRequest {
  let text = `${c.method} ${c.path} HTTP/${version}\r\n`;
  if (!c.hostGiven) text += `Host: ${c.host}\r\n`;
  // An empty value goes out as "Name:" (curl's bytes for -H "Name;").
  for (const [name, value] of c.headers) text += value === '' ? `${name}:\r\n` : `${name}: ${value}\r\n`;
  if (c.contentLength === undefined && !c.transferEncoding) {
    if (c.chunked) text += 'Transfer-Encoding: chunked\r\n';
    else if (c.bodySize! > 0 || c.bodyGiven || CONTENT_METHODS.has(c.method)) text += `Content-Length: ${c.bodySize}\r\n`;
  }
  text += '\r\n';
  return { head: Buffer.from(text, 'latin1'), body: c.body };
}

/** The request head only: request line, headers and the empty line that ends them. */
export function encodeRequestHead(spec: RequestSpec): Buffer {
  return encodeRequest(spec).head;
}

/**
 * Writes a request: the head and each body Buffer as its own write inside one cork()/uncork(), so the
 * socket flushes them with a single writev and the body Buffers reach it as given. Returns what the last
 * socket.write returned (false: wait for 'drain' before writing more).
 */
export function writeRequest(socket: Socket, spec: RequestSpec): boolean {
  return writeEncoded(socket, encodeRequest(spec));
}

/** Writes a request encoded once by encodeRequest (a retry writes the same Buffers again). */
export function writeEncoded(socket: Socket, { head, body }: EncodedRequest): boolean {
  if (body.length === 0) return socket.write(head);
  socket.cork();
  let ok = socket.write(head);
  for (const b of body) ok = socket.write(b);
  socket.uncork();
  return ok;
}

/** Up to this many bytes, a batch is joined into one Buffer (a copy) rather than handed over as a writev. */
const JOIN_MAX = 16 * 1024;

/**
 * Writes the chunks of one or more requests (heads and whole bodies, in order) as one write: small
 * ones joined, the rest inside one cork()/uncork() (a single writev that takes the Buffers as given).
 * Returns what the last socket.write returned.
 */
export function writeBatch(socket: Socket, chunks: readonly Buffer[], bytes: number): boolean {
  if (chunks.length === 1) return socket.write(chunks[0]!);
  if (bytes <= JOIN_MAX) return socket.write(Buffer.concat(chunks as Buffer[], bytes));
  socket.cork();
  let ok = true;
  for (const c of chunks) ok = socket.write(c);
  socket.uncork();
  return ok;
}
