/**
 * One stream of an H2Connection: its record, which says where the stream is in one `state`, and the
 * listeners shared by every stream, which move the record along and hand the response to its transfer.
 */
import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { Readable } from 'node:stream';
import { HiperError } from '../shared/errors.js';
import { H2_CANCEL } from './h2-errors.js';
import type { TransferImpl } from './transfer.js';

/**
 * Where a stream is. Forward only: sent → informational (a 1xx head came) → headed (the final head
 * went to the transfer) → complete (the peer's END_STREAM followed: the transfer has its response).
 * From any of these, abandoned: the transfer was removed or timed out, its stream is cancelled, and
 * nothing more goes to it. Last, settled: the stream closed and its connection accounted for it;
 * nothing more happens. A stream refused before any answer is sent again from 'sent'.
 */
export type StreamState = 'sent' | 'informational' | 'headed' | 'complete' | 'abandoned' | 'settled';

/** What a stream's listeners tell its connection. */
export interface StreamOwner {
  /** Final response heads received on the connection. */
  responses: number;
  /** Most 1xx responses before the final one. */
  readonly maxInformational: number;
  onStreamClosed(rec: StreamRecord, stream: ClientHttp2Stream): void;
}

export interface StreamRecord {
  readonly conn: StreamOwner;
  readonly t: TransferImpl;
  /** Order of sending on this connection: unanswered transfers are handed back oldest first. */
  readonly seq: number;
  /** The stream carrying it now (a new one after a REFUSED_STREAM resend). */
  stream: ClientHttp2Stream;
  state: StreamState;
  /**
   * The peer's END_STREAM arrived (not an end node:http2 makes up when the stream is reset). Kept
   * beside the state: node:http2 takes in the end of a HEADERS frame before it emits the head itself.
   */
  endStream: boolean;
  /** Sent again once already after REFUSED_STREAM. */
  refusedOnce: boolean;
  /** 1xx responses received. */
  informational: number;
  /** Its place among its session's open streams (SlotSet). */
  slot: number;
}

const RECORD = Symbol('hiper.h2.record');
type TaggedStream = ClientHttp2Stream & { [RECORD]: StreamRecord };
/** The record of a closed stream: no stream is its own, so every listener passes. */
const CLOSED = { state: 'settled', stream: undefined } as unknown as StreamRecord;

/** Ties a stream to its record and listens to it. */
export function watchStream(stream: ClientHttp2Stream, rec: StreamRecord): void {
  rec.stream = stream;
  (stream as TaggedStream)[RECORD] = rec;
  stream.push = pushNoting;
  stream.on('headers', onInformational);
  stream.on('response', onResponse);
  stream.on('data', onData);
  stream.on('trailers', onTrailers);
  stream.on('end', onEnd);
  stream.on('error', onStreamError);
  stream.on('close', onClose);
}

/** Whether the transfer still hears from this stream. */
function delivering(rec: StreamRecord): boolean {
  return rec.state !== 'abandoned' && rec.state !== 'settled';
}

// --- listeners, shared by every stream (`this` is the stream; its record is tagged on it)

function onInformational(this: TaggedStream, headers: IncomingHttpHeaders): void {
  const rec = this[RECORD];
  if (rec.stream !== this || !delivering(rec)) return;
  if (rec.state === 'sent') {
    rec.state = 'informational';
    rec.t.onResponseStart();
  }
  if (++rec.informational > rec.conn.maxInformational) {
    const max = rec.conn.maxInformational;
    rec.t.fail(new HiperError('ERR_HTTP_PARSE', `HTTP/2 stream of ${rec.t.info.url}: more than ${max} 1xx responses before the final one`, {
      input: String(headers[':status']), details: { reason: 'too-many-informational', limit: max },
    }));
    // The transfer's end cancels its stream (abandon).
  }
}

function onResponse(this: TaggedStream, headers: IncomingHttpHeaders, _flags: number, raw?: string[]): void {
  const rec = this[RECORD];
  if (rec.stream !== this || rec.state === 'settled') return;
  if (rec.state === 'sent') rec.t.onResponseStart();
  rec.conn.responses++;
  if (rec.state === 'abandoned') return;
  rec.state = 'headed';
  const status = Number(headers[':status']);
  const bodiless = rec.t.method === 'HEAD' || status === 204 || status === 304;
  const length = bodiless ? undefined : contentLengthOf(headers['content-length']);
  rec.t.onHead(status, '', '2', headerPairs(headers, raw), length);
}

function onData(this: TaggedStream, chunk: Buffer): void {
  const rec = this[RECORD];
  if (rec.stream === this && delivering(rec)) rec.t.onBody(chunk);
}

function onTrailers(this: TaggedStream, headers: IncomingHttpHeaders, _flags: number, raw?: string[]): void {
  const rec = this[RECORD];
  if (rec.stream === this && delivering(rec)) rec.t.onTrailers(headerPairs(headers, raw));
}

/**
 * node:http2 ends a stream's readable side both for the peer's END_STREAM and when the stream is
 * closed otherwise (RST_STREAM, even with NO_ERROR in the middle of a body; the socket closing). Only
 * the first is a complete response: it is the end pushed while the stream is not yet closed.
 */
function pushNoting(this: TaggedStream, chunk: unknown, encoding?: BufferEncoding): boolean {
  if (chunk === null && !this.closed && !this.destroyed) this[RECORD].endStream = true;
  return Readable.prototype.push.call(this, chunk, encoding);
}

function onEnd(this: TaggedStream): void {
  const rec = this[RECORD];
  // An end that is not the peer's END_STREAM settles at 'close', as a failure.
  if (rec.stream !== this || rec.state !== 'headed' || !rec.endStream) return;
  rec.state = 'complete';
  rec.t.complete();
  // Answered before the request body was all sent (an early 413, say): the rest is not wanted, and a
  // server that does not read it would keep the stream, its slot and the body's source open for good.
  if (!this.writableFinished && !this.closed) this.close(H2_CANCEL);
}

/** The reason is read from rstCode when the stream closes; the listener keeps the error from being thrown. */
function onStreamError(this: TaggedStream): void {}

function onClose(this: TaggedStream): void {
  const rec = this[RECORD];
  if (rec === CLOSED) return;
  rec.conn.onStreamClosed(rec, this);
  // node:http2 keeps closed streams in a Map whose dropped tables let go of them only at a full
  // collection (see src/shared/slot-set.ts): cut loose, a stream no longer holds its transfer.
  this[RECORD] = CLOSED;
}

/** A content-length node:http2 let through (it refuses malformed ones), as a number; undefined when absent. */
function contentLengthOf(v: string | string[] | undefined): number | undefined {
  const text = Array.isArray(v) ? v[0] : v;
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Header pairs in arrival order, pseudo-headers left out. */
function headerPairs(headers: IncomingHttpHeaders, raw: string[] | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.charCodeAt(0) !== 0x3a) pairs.push([name, raw[i + 1]!]);
    }
    return pairs;
  }
  for (const name of Object.keys(headers)) {
    if (name.charCodeAt(0) === 0x3a) continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) pairs.push([name, v]);
    else if (value !== undefined) pairs.push([name, String(value)]);
  }
  return pairs;
}
