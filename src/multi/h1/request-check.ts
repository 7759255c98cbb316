/**
 * A request checked once, before anything is sent, whatever protocol then carries it: the method is a
 * token, the path holds no space, control or non-ASCII character, header names are tokens and values
 * hold no CR, LF, NUL or other control (RFC 9110 §5.1, §5.5), a given Content-Length matches the body,
 * and Transfer-Encoding is not combined with a body of known size. Bad input throws a HiperError
 * naming it. The HTTP/1.1 writer encodes what this returns; the HTTP/2 session builds its header block
 * from the same parts.
 */
import { HiperError } from '../../shared/errors.js';
import { isBodySource, knownLength, type BodySource } from '../body/upload.js';
import { isToken } from './chars.js';
import type { RequestSpec } from './types.js';

export type HeaderList = Array<[string, string]>;

export interface CheckedRequest {
  readonly method: string;
  readonly path: string;
  /** The Host header value to send unless the headers hold one. */
  readonly host: string;
  /** The caller's headers as pairs, names as given, in order. */
  readonly headers: HeaderList;
  /** The body's non-empty Buffers, as given (a string encoded as UTF-8); empty for a streamed body. */
  readonly body: Buffer[];
  /** The body's size; for a streamed body, its Content-Length (given, or a whole file's size), else undefined. */
  readonly bodySize: number | undefined;
  /** A body read as it is sent (async iterable, Node Readable, web ReadableStream). */
  readonly source: BodySource | undefined;
  /** A streamed body of unknown size: sent chunked (HTTP/1.1). */
  readonly chunked: boolean;
  /** A body was given, even an empty one: its length is sent. */
  readonly bodyGiven: boolean;
  /** The headers hold a Host. */
  readonly hostGiven: boolean;
  /** The value of a Content-Length header among them. */
  readonly contentLength: string | undefined;
  /** The headers hold a Transfer-Encoding. */
  readonly transferEncoding: boolean;
}

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

function asBuffer(b: unknown): Buffer | undefined {
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return undefined;
}

/** A body given whole: its non-empty Buffers (never copied; a string encoded as UTF-8). */
function bodyBuffers(body: RequestSpec['body']): Buffer[] {
  if (body === undefined) return [];
  if (typeof body === 'string') return body.length > 0 ? [Buffer.from(body, 'utf8')] : [];
  const one = asBuffer(body);
  if (one !== undefined) return one.length > 0 ? [one] : [];
  if (Array.isArray(body)) {
    const list = body.map(asBuffer);
    if (list.every((b) => b !== undefined)) return (list as Buffer[]).filter((b) => b.length > 0);
  }
  throw new HiperError('ERR_INVALID_ARGUMENT', 'request body must be a string, a Buffer or Uint8Array, an array of them, an async iterable of bytes or a Readable', { input: typeof body });
}

/** Checks a request (see the top of this file); throws a HiperError naming the first bad part. */
export function checkRequest(spec: RequestSpec): CheckedRequest {
  checkRequestLine(spec);
  const headers = validateHeaders(spec.headers);
  const source = isBodySource(spec.body) ? spec.body : undefined;
  const body = source === undefined ? bodyBuffers(spec.body) : [];
  let bodySize = 0;
  for (const b of body) bodySize += b.length;

  let hostGiven = false;
  let contentLength: string | undefined;
  let transferEncoding = false;
  for (const [name, value] of headers) {
    // Only names of these lengths can be Host, Content-Length or Transfer-Encoding.
    const lower = name.length === 4 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '';
    if (lower === 'host') {
      if (hostGiven) throw invalidHeader(name, 'Host given more than once');
      hostGiven = true;
    } else if (lower === 'content-length') {
      if (contentLength !== undefined && contentLength !== value) throw invalidHeader(name, 'Content-Length given twice with different values');
      contentLength = value;
    } else if (lower === 'transfer-encoding') {
      transferEncoding = true;
    }
  }
  if (contentLength !== undefined && !/^\d+$/.test(contentLength.trim())) {
    throw invalidHeader('Content-Length', `"${contentLength}" is not a number of bytes`);
  }
  if (source !== undefined) {
    // Streamed: a given Content-Length is trusted (and checked as the body is sent), else a whole file's size, else chunked.
    if (transferEncoding && contentLength !== undefined) throw invalidHeader('Transfer-Encoding', 'cannot be combined with Content-Length');
    const te = headers.filter(([n]) => n.length === 17 && n.toLowerCase() === 'transfer-encoding').map(([, v]) => v).join(',');
    if (transferEncoding && !/(^|,)[ \t]*chunked[ \t]*$/i.test(te)) throw invalidHeader('Transfer-Encoding', `"${te}" does not end in chunked, which a streamed body is sent with`);
    const size = contentLength !== undefined ? Number(contentLength) : transferEncoding ? undefined : knownLength(source);
    return {
      method: spec.method, path: spec.path, host: spec.host, headers, body, bodySize: size, source, chunked: size === undefined,
      bodyGiven: true, hostGiven, contentLength, transferEncoding,
    };
  }
  if (transferEncoding && (spec.body !== undefined || contentLength !== undefined)) {
    throw invalidHeader('Transfer-Encoding', 'cannot be combined with a body of known size or Content-Length');
  }
  if (contentLength !== undefined && Number(contentLength) !== bodySize) {
    throw invalidHeader('Content-Length', `"${contentLength}" does not match the body size ${bodySize}`);
  }
  if (!hostGiven) checkHeader('Host', spec.host);
  return {
    method: spec.method, path: spec.path, host: spec.host, headers, body, bodySize, source: undefined, chunked: false,
    bodyGiven: spec.body !== undefined, hostGiven, contentLength, transferEncoding,
  };
}
