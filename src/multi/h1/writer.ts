/**
 * HTTP/1.1 request writer: validates the request line and headers, encodes the head, and writes head and
 * body Buffers to the socket as one corked batch (one writev), never concatenating or copying the body.
 */
import type { Socket } from 'node:net';
import { HiperError } from '../../shared/errors.js';
import { isToken } from './chars.js';
import type { RequestSpec } from './types.js';

export type HeaderList = Array<[string, string]>;

/** Methods that define a meaning for content: sent with Content-Length: 0 when there is no body. */
const CONTENT_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A header value may hold HTAB, SP, visible ASCII and obs-text (up to 0xff); never CR, LF, NUL or other controls. */
function badValueChar(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return i;
  }
  return -1;
}

function describeChar(c: number): string {
  if (c === 0x0d) return 'CR';
  if (c === 0x0a) return 'LF';
  if (c === 0x00) return 'NUL';
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

function invalidHeader(name: string, problem: string): HiperError {
  return new HiperError('ERR_INVALID_HEADER', `request header "${name}": ${problem}`, { input: name, details: { header: name } });
}

function checkHeader(name: unknown, value: unknown): void {
  if (typeof name !== 'string' || !isToken(name)) {
    throw invalidHeader(String(name), 'the name is not a token (RFC 9110 §5.1)');
  }
  if (typeof value !== 'string') throw invalidHeader(name, `the value must be a string, not ${typeof value}`);
  const at = badValueChar(value);
  if (at >= 0) throw invalidHeader(name, `the value holds ${describeChar(value.charCodeAt(at))} at offset ${at}`);
}

/**
 * Checks request headers and returns them as a list of pairs (a record's array values become one pair
 * each). Throws ERR_INVALID_HEADER naming the header: a name that is not a token, a value with CR, LF,
 * NUL, another control character or a character above U+00FF.
 */
export function validateHeaders(headers: RequestSpec['headers']): HeaderList {
  if (headers === undefined) return [];
  const list: HeaderList = [];
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new HiperError('ERR_INVALID_ARGUMENT', 'request headers: each entry must be a [name, value] pair', { input: pair });
      }
      checkHeader(pair[0], pair[1]);
      list.push([pair[0], pair[1]]);
    }
    return list;
  }
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    for (const v of Array.isArray(value) ? value : [value]) {
      checkHeader(name, v);
      list.push([name, v as string]);
    }
  }
  return list;
}

function checkRequestLine(spec: RequestSpec): void {
  if (typeof spec.method !== 'string' || !isToken(spec.method)) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `request method "${String(spec.method)}" is not a token`, { input: spec.method });
  }
  const path = spec.path;
  if (typeof path !== 'string' || path.length === 0) {
    throw new HiperError('ERR_INVALID_URL', 'request path is empty', { input: path });
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) {
      const what = c === 0x20 ? 'a space' : c > 0x7f ? 'a non-ASCII character (percent-encode it)' : describeChar(c);
      throw new HiperError('ERR_INVALID_URL', `request path "${path}" holds ${what} at offset ${i}`, { input: path });
    }
  }
}

function bodyBuffers(body: RequestSpec['body']): Buffer[] {
  if (body === undefined) return [];
  if (typeof body === 'string') return body.length > 0 ? [Buffer.from(body, 'utf8')] : [];
  if (Buffer.isBuffer(body)) return body.length > 0 ? [body] : [];
  if (Array.isArray(body) && body.every((b) => Buffer.isBuffer(b))) return body.filter((b) => b.length > 0);
  throw new HiperError('ERR_INVALID_ARGUMENT', 'request body must be a Buffer, an array of Buffers or a string', { input: typeof body });
}

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
    return encode(spec);
  }
  const key = `${spec.method} ${spec.path} ${spec.host}`;
  let encoded = PLAIN.get(key);
  if (encoded === undefined) {
    const fresh = encode(spec);
    // A Buffer of its own: a small Buffer.from is a slice of a shared 8 KiB pool, which it would pin.
    const head = Buffer.allocUnsafeSlow(fresh.head.length);
    fresh.head.copy(head);
    encoded = Object.freeze({ head, body: Object.freeze(fresh.body) as Buffer[] });
    if (PLAIN.size >= PLAIN_MAX) PLAIN.delete(PLAIN.keys().next().value!);
    PLAIN.set(key, encoded);
  }
  return encoded;
}

function encode(spec: RequestSpec): EncodedRequest {
  checkRequestLine(spec);
  const headers = validateHeaders(spec.headers);
  const body = bodyBuffers(spec.body);
  let bodySize = 0;
  for (const b of body) bodySize += b.length;

  let hasHost = false;
  let contentLength: string | undefined;
  let hasTe = false;
  for (const [name, value] of headers) {
    const lower = name.length === 4 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
    if (lower === 'host') {
      if (hasHost) throw invalidHeader(name, 'Host given more than once');
      hasHost = true;
    } else if (lower === 'content-length') {
      if (contentLength !== undefined && contentLength !== value) throw invalidHeader(name, 'Content-Length given twice with different values');
      contentLength = value;
    } else if (lower === 'transfer-encoding') {
      hasTe = true;
    }
  }
  if (hasTe && (spec.body !== undefined || contentLength !== undefined)) {
    throw invalidHeader('Transfer-Encoding', 'cannot be combined with a body of known size or Content-Length');
  }
  if (contentLength !== undefined && (!/^\d+$/.test(contentLength.trim()) || Number(contentLength) !== bodySize)) {
    throw invalidHeader('Content-Length', `"${contentLength}" does not match the body size ${bodySize}`);
  }

  let text = `${spec.method} ${spec.path} HTTP/1.1\r\n`;
  if (!hasHost) {
    checkHeader('Host', spec.host);
    text += `Host: ${spec.host}\r\n`;
  }
  for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
  if (contentLength === undefined && !hasTe && (bodySize > 0 || spec.body !== undefined || CONTENT_METHODS.has(spec.method))) {
    text += `Content-Length: ${bodySize}\r\n`;
  }
  text += '\r\n';
  return { head: Buffer.from(text, 'latin1'), body };
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
