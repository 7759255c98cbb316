/**
 * One HTTP/1.1 connection of a Multi: a socket from src/connect, hiper's response parser, and the
 * pipeline of requests written and not yet answered, oldest first. Responses are matched to requests
 * by order; a transfer removed while its response is outstanding keeps its place, and its response is
 * read and dropped, so the ones behind it stay in step.
 */
import type { Socket } from 'node:net';
import { HiperError } from '../shared/errors.js';
import { remoteOf, type KeptTrace } from './kept-trace.js';
import { drainOrClose, pumpBody, type UploadSink } from './body/upload.js';
import { ResponseParser } from './h1/parser.js';
import { writeBatch, writeEncoded } from './h1/writer.js';
import type { ParserLimits, ResponseHandler, ResponseHead } from './h1/types.js';
import type { ConnectionOwner, PooledConnection } from './pooled-connection.js';
import { httpVersionOf, type TransferImpl } from './transfer.js';

export interface H1ConnectionOptions {
  id: number;
  socket: Socket;
  trace: KeptTrace;
  owner: ConnectionOwner;
  limits?: ParserLimits | undefined;
}

/**
 * A connection is used up to this long before the server's announced idle timeout: its clock started
 * when it sent the response, a little before ours did.
 */
const KEEP_ALIVE_MARGIN = 1000;

/** HTTP/1.1 marks nothing unprocessed: a request written may have been acted on. */
const NONE: ReadonlySet<TransferImpl> = new Set();

const flushOutbox = (c: H1Connection): void => c.flush();


export class H1Connection implements PooledConnection, ResponseHandler {
  readonly id: number;
  readonly socket: Socket;
  readonly trace: KeptTrace;
  /** Requests written and not yet answered, oldest first. */
  readonly pipeline: TransferImpl[] = [];
  /** HTTP/1.1: one response at a time, in order. */
  readonly multiplexed = false;
  /** Answered at least once with HTTP/1.1 keep-alive: more requests may be pipelined onto it. */
  pipelinable = false;
  /** Takes no more requests (Connection: close seen, an error, or closing). */
  closing = false;
  closed = false;
  /** Body bytes still expected of the response being received (Infinity when unknown). */
  bytesOutstanding = 0;
  /** Requests written on it so far. */
  requests = 0;
  /** Final response heads received. */
  responses = 0;
  /** From the server's latest `Keep-Alive: timeout=N`: N seconds less KEEP_ALIVE_MARGIN, in ms. */
  idleLimit: number | undefined;
  readonly unprocessed = NONE;
  /** The transfer whose streamed request body is being sent: nothing is pipelined behind it meanwhile. */
  uploading: TransferImpl | undefined;

  private readonly owner: ConnectionOwner;
  private readonly parser: ResponseParser;
  /** The transfer whose consumer is behind: the connection reads nothing until it resumes. */
  private pausedFor: TransferImpl | undefined;
  /** The socket ended while the parser held bytes: finish once they are read. */
  private endPending = false;
  /**
   * The socket closed after that end, its last bytes still held for a consumer that is behind: the
   * close is reported once they are read (or the connection is closed), not as a cut response.
   */
  private reportPending = false;
  /** Why it closed, when it was not a plain end. */
  private cause: HiperError | undefined;
  /**
   * The heads and whole bodies of the requests sent in this tick, in order: written together once the
   * tick's callbacks and promise reactions have run (one write for a pipeline refilled by many of them).
   */
  private readonly outbox: Buffer[] = [];
  private outboxBytes = 0;
  /** Requests in the outbox: the last ones of the pipeline. */
  private outboxRequests = 0;
  private flushScheduled = false;

  constructor({ id, socket, trace, owner, limits }: H1ConnectionOptions) {
    this.id = id;
    this.socket = socket;
    this.trace = trace;
    this.owner = owner;
    this.parser = new ResponseParser(this, limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    socket.on('end', () => this.onSocketEnd());
    socket.on('error', (err: Error) => {
      this.cause ??= new HiperError('ERR_CONNECTION_CLOSED', `connection ${this.id} to ${this.remote()} failed: ${err.message}`, { input: this.remote(), cause: err });
    });
    socket.on('close', () => this.onSocketClose());
  }

  get depth(): number {
    return this.pipeline.length;
  }

  /** An idle connection (nothing in flight) is offered as idle, not as a pipeline with room. */
  hasRoomFor(pipelineLimit: number): boolean {
    return this.pipelinable && !this.closing && this.uploading === undefined && this.depth > 0 && this.depth < pipelineLimit;
  }

  /** Writes a transfer's request; `reused` says whether the connection carried something before. */
  send(t: TransferImpl): void {
    const position = this.pipeline.length;
    const reused = this.requests > 0;
    this.pipeline.push(t);
    this.requests++;
    t.sent(this, position, reused);
    const { head, body } = t.request.h1();
    if (t.request.source !== undefined) {
      // A streamed body follows its head at once, written by the upload as it is read.
      this.flush();
      writeEncoded(this.socket, { head, body });
      this.upload(t);
      return;
    }
    this.outbox.push(head);
    this.outboxBytes += head.length;
    for (const b of body) {
      this.outbox.push(b);
      this.outboxBytes += b.length;
    }
    this.outboxRequests++;
    this.flushSoon();
  }

  /**
   * Schedules the outbox's write for the end of this tick. Nothing waits longer: a pipelined request
   * held back for a fuller write would cost a round trip on a slow link.
   */
  private flushSoon(): void {
    if (this.flushScheduled || this.outboxRequests === 0) return;
    this.flushScheduled = true;
    process.nextTick(flushOutbox, this);
  }

  /** Writes the outbox as one write; nothing once the socket is gone (its requests are reported unanswered). */
  flush(): void {
    this.flushScheduled = false;
    if (this.outboxRequests === 0) return;
    if (!this.closed && !this.socket.destroyed) writeBatch(this.socket, this.outbox, this.outboxBytes);
    this.outbox.length = 0;
    this.outboxBytes = 0;
    this.outboxRequests = 0;
  }

  /** Sends a streamed request body after its head, with backpressure; a failure of its source ends the transfer and the connection. */
  private upload(t: TransferImpl): void {
    this.uploading = t;
    const socket = this.socket;
    const stopped = (): boolean => this.closed || t.ended || this.uploading !== t;
    const sink: UploadSink = {
      write: (b) => socket.write(b),
      drain: () => drainOrClose(socket),
      end: () => {},
      cork: () => socket.cork(),
      uncork: () => socket.uncork(),
      get stopped() {
        return stopped();
      },
    };
    const request = t.request;
    pumpBody(request.source!, sink, {
      chunked: request.checked.chunked, length: request.bodySize, url: t.info.url,
      onProgress: (sent) => {
        t.info.sizeUpload = sent;
      },
    }).then(
      (sent) => {
        if (this.uploading !== t) return;
        this.uploading = undefined;
        if (sent !== undefined && this.pipelinable && !this.closing && this.depth > 0) this.owner.onCapacity(this);
      },
      (err: unknown) => {
        if (this.uploading === t) this.uploading = undefined;
        t.fail(err as HiperError);
        this.close();
      },
    );
  }

  /** Stops reading: the parser holds the rest of its chunk and the socket stops reading (the kernel's window closes). */
  pause(t: TransferImpl): void {
    if (this.closed && !this.endPending) return;
    this.pausedFor = t;
    this.parser.pause();
    this.socket.pause();
  }

  resume(t: TransferImpl): void {
    if (this.pausedFor !== t) return;
    this.pausedFor = undefined;
    // Not from inside the caller's own stack (a transfer ending, a reader taking a slice).
    queueMicrotask(() => this.readOn());
  }

  private readOn(): void {
    if (this.pausedFor !== undefined || (this.closed && !this.endPending)) return;
    try {
      this.parser.resume();
    } catch (err) {
      this.failCurrent(err);
      return;
    }
    if (this.parser.isPaused) return;
    if (this.endPending) {
      this.endPending = false;
      this.onSocketEnd();
      if (this.reportPending) {
        this.reportPending = false;
        this.report();
      }
      return;
    }
    this.socket.resume();
  }

  holds(t: TransferImpl): boolean {
    return this.uploading === t || this.pipeline.includes(t);
  }

  abandon(t: TransferImpl): void {
    // Its response keeps its place in the byte stream. One that timed out is stalled, and one being
    // received with a large or unknown rest is not worth draining: either way close, and the owner moves
    // the requests behind it to new connections (an HTTP/1.1 stream cannot skip a response).
    // A request whose streamed body is not all sent leaves the connection unusable.
    if (this.uploading === t) this.close();
    else if (t.info.error === 'ERR_TIMEOUT' && this.pipeline.includes(t)) this.close();
    else if (this.pipeline[0] === t && t.responseStarted && this.bytesOutstanding > 64 * 1024) this.close();
  }

  /** Closes the connection; unanswered requests are reported to the owner. */
  close(): void {
    this.closing = true;
    if (!this.closed) this.socket.destroy();
    else if (this.reportPending) {
      // Its socket is gone already: what it still held is dropped.
      this.reportPending = false;
      this.endPending = false;
      this.report();
    }
  }

  remote(): string {
    return remoteOf(this.trace);
  }

  // --- ResponseHandler: the parser's callbacks, in byte order.

  onResponseStart(): string | undefined {
    const t = this.pipeline[0];
    if (t === undefined) return undefined;
    t.onResponseStart();
    return t.method;
  }

  onHead(head: ResponseHead): void {
    const t = this.pipeline[0]!;
    const bodiless = t.method === 'HEAD' || head.statusCode === 204 || head.statusCode === 304;
    this.bytesOutstanding = bodiless ? 0 : head.contentLength ?? Infinity;
    this.responses++;
    if (!head.keepAlive) this.closing = true;
    else this.noteKeepAlive(head.headers);
    t.onHead(head.statusCode, head.statusMessage, httpVersionOf(head.httpVersion), head.headers, bodiless ? undefined : head.contentLength);
    if (!this.pipelinable && !this.closing && head.httpVersion === 11) {
      this.pipelinable = true;
      this.owner.onCapacity(this);
    }
  }

  onBody(chunk: Buffer): void {
    this.bytesOutstanding -= chunk.length;
    this.pipeline[0]!.onBody(chunk);
  }

  onTrailers(trailers: Array<[string, string]>): void {
    this.pipeline[0]!.onTrailers(trailers);
  }

  onComplete(): void {
    const t = this.pipeline.shift()!;
    this.bytesOutstanding = 0;
    if (this.uploading === t) {
      // Answered before its body was all sent (an early 413, say): the rest is not sent, and the
      // connection cannot carry another request.
      this.uploading = undefined;
      this.closing = true;
    }
    t.complete();
    if (this.closing) this.close();
    else this.owner.onCapacity(this);
  }

  /** The server's idle timeout, from `Keep-Alive: timeout=N` (RFC 9112 leaves it as a hint; servers close then). */
  private noteKeepAlive(headers: Array<[string, string]>): void {
    for (const [name, value] of headers) {
      if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
      const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(value);
      if (m) this.idleLimit = Math.max(0, Number(m[1]) * 1000 - KEEP_ALIVE_MARGIN);
    }
  }

  // --- socket events

  private onSocketData(chunk: Buffer): void {
    try {
      this.parser.execute(chunk);
    } catch (err) {
      this.failCurrent(err);
    }
  }

  private onSocketEnd(): void {
    this.closing = true;
    if (this.parser.isPaused) {
      this.endPending = true;
      // It takes no more requests: the pool stops offering it while its last bytes wait for their reader.
      this.owner.onCapacity(this);
      return;
    }
    try {
      this.parser.finish();
    } catch (err) {
      // A response cut off by the close is a closed connection (onSocketClose), not a malformed one.
      if ((err as HiperError).details?.reason === 'incomplete') this.cause ??= err as HiperError;
      else this.failCurrent(err);
    }
    if (!this.closed) this.socket.end();
  }

  /** A parse error: the response being read fails with it; the connection is done. */
  private failCurrent(err: unknown): void {
    const error = err instanceof HiperError ? err : new HiperError('ERR_HTTP_PARSE', `connection ${this.id}: ${(err as Error).message}`, { input: this.remote(), cause: err });
    const t = this.pipeline[0];
    if (t !== undefined && t.responseStarted) {
      this.pipeline.shift();
      t.fail(error);
    }
    this.cause ??= error;
    this.close();
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    if (this.endPending) {
      this.reportPending = true;
      return;
    }
    this.report();
  }

  /** The connection is gone: the response cut off fails, the unanswered go back to the owner. */
  private report(): void {
    // What the outbox held was never written: those requests are among the unanswered.
    this.outbox.length = 0;
    this.outboxBytes = 0;
    this.outboxRequests = 0;
    const unanswered = this.pipeline.splice(0);
    const first = unanswered[0];
    if (first !== undefined && first.responseStarted) {
      if (first.handedOut) {
        // Part of its response already reached the caller: it cannot be sent again as it was (the
        // transfer may ask for the rest with a range request, resume.ts).
        unanswered.shift();
        first.fail(new HiperError('ERR_CONNECTION_CLOSED', `connection ${this.id} to ${this.remote()} closed in the middle of the response to ${first.info.url}, after ${first.info.sizeDownload} body bytes`, {
          input: first.info.url, details: { bytes: first.info.sizeDownload, tries: first.info.tries }, ...(this.cause ? { cause: this.cause } : {}),
        }));
      } else {
        // Cut off before anything reached the caller: handed back like the unanswered, the owner decides.
        first.cutOff();
      }
    }
    this.owner.onClosed(this, unanswered);
  }
}
