/**
 * Streamed request bodies: what counts as one, its length when it can be known without reading it (a
 * file stream of a whole regular file), and the pump that copies it to a connection with backpressure,
 * one slice at a time, never gathering it.
 */
import { ReadStream, statSync } from 'node:fs';
import { HiperError } from '../../shared/errors.js';

/** A request body read as it is sent: an async iterable of bytes (a Node Readable, a web ReadableStream, a generator). */
export type BodySource = AsyncIterable<Uint8Array | string>;

export function isBodySource(body: unknown): body is BodySource {
  return typeof body === 'object' && body !== null && typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** The size of a file stream that reads a whole regular file from its start; undefined otherwise. */
export function knownLength(source: BodySource): number | undefined {
  if (!(source instanceof ReadStream)) return undefined;
  const s = source as ReadStream & { start?: number; end?: number };
  if (typeof s.path !== 'string' || s.bytesRead > 0 || (s.start ?? 0) !== 0 || (s.end !== undefined && s.end !== Infinity)) return undefined;
  try {
    const st = statSync(s.path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** Settles on the writable's 'drain', or on its 'close' (the pump then sees `stopped`); leaves no listener behind. */
export function drainOrClose(w: NodeJS.EventEmitter): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
  });
}

/** Where a pump writes: a socket (HTTP/1.1, framed by the pump) or an HTTP/2 stream. */
export interface UploadSink {
  /** false: wait for drain() before writing more. */
  write(chunk: Buffer): boolean;
  /** Settles on 'drain', or when the sink closes (the pump then sees `stopped`). */
  drain(): Promise<void>;
  end(): void;
  /** Batches the writes in between into one (a socket's cork/uncork). */
  cork?(): void;
  uncork?(): void;
  /** The transfer ended or the connection went: stop reading the source. */
  readonly stopped: boolean;
}

export interface PumpOptions {
  /** Frame as HTTP/1.1 chunked (each slice a chunk, then the last chunk). */
  chunked: boolean;
  /** The length the head announced (Content-Length), checked against what the source gives. */
  length: number | undefined;
  url: string;
  /** Called with the bytes sent so far, after each slice. */
  onProgress(sent: number): void;
}

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * Copies the source to the sink. Resolves with the bytes sent, or undefined when stopped; throws
 * ERR_READ_BODY when the source fails, yields something that is not bytes, or gives a different
 * number of bytes than the announced length.
 */
export async function pumpBody(source: BodySource, sink: UploadSink, o: PumpOptions): Promise<number | undefined> {
  let sent = 0;
  const it = source[Symbol.asyncIterator]();
  /** The source ended or failed by itself: nothing to close. */
  let over = false;
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array | string>;
      try {
        r = await it.next();
      } catch (err) {
        over = true;
        throw readError(o.url, `its body source failed after ${sent} bytes: ${(err as Error)?.message ?? String(err)}`, err);
      }
      if (r.done) over = true;
      if (sink.stopped) return undefined;
      if (r.done) break;
      const chunk = asBuffer(r.value, o.url);
      if (chunk.length === 0) continue;
      sent += chunk.length;
      if (o.length !== undefined && sent > o.length) throw readError(o.url, `its body source gave more than the ${o.length} bytes announced`);
      let ok: boolean;
      if (o.chunked) {
        sink.cork?.();
        sink.write(Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'));
        sink.write(chunk);
        ok = sink.write(CRLF);
        sink.uncork?.();
      } else {
        ok = sink.write(chunk);
      }
      o.onProgress(sent);
      if (!ok) await sink.drain();
      if (sink.stopped) return undefined;
    }
  } finally {
    // Stopped, or refused (too many bytes, not bytes): the source is closed (a file stream's descriptor).
    if (!over) await it.return?.().catch(() => {});
  }
  if (o.length !== undefined && sent !== o.length) throw readError(o.url, `its body source gave ${sent} of the ${o.length} bytes announced`);
  if (o.chunked) sink.write(LAST_CHUNK);
  sink.end();
  return sent;
}

function asBuffer(v: unknown, url: string): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  throw readError(url, `its body source yielded ${v === null ? 'null' : typeof v}, not bytes or a string`);
}

function readError(url: string, why: string, cause?: unknown): HiperError {
  return new HiperError('ERR_READ_BODY', `the request to ${url} could not be sent: ${why}`, { input: url, ...(cause !== undefined ? { cause } : {}) });
}
