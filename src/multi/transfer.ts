/**
 * One transfer: its checked request, its info, and its single settlement. A connection reports the
 * response into it (head, body slices, trailers, completion); whatever happens, `done` settles once.
 */
import { constants as bufferConstants } from 'node:buffer';
import { HiperError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { channels } from '../shared/diagnostics.js';
import type { TargetUrl } from '../shared/url.js';
import { BodyCollector } from './body/collector.js';
import { ResponseBody } from './body/stream.js';
import type { KeptTrace } from './kept-trace.js';
import type { PreparedRequest } from './request.js';
import type { TimerEntry } from './timers.js';
import type { ResponseHead, StreamedResponse, Transfer, TransferInfo, TransferOptions, TransferResult } from './types.js';

const HTTP_VERSIONS = { 10: '1.0', 11: '1.1' } as const;
/** The body of a result whose slices went to onData: one shared empty Buffer (nothing can be written to it). */
const EMPTY = Buffer.alloc(0);

export type TransferState = 'queued' | 'connecting' | 'sent' | 'done';

/** The parts of a connection a transfer needs to know (h1 and h2 alike). */
export interface Carrier {
  readonly id: number;
  /** Stops delivering this transfer's response (it was removed or timed out). */
  abandon(transfer: TransferImpl): void;
  /** Stops reading for this transfer (its consumer is behind) until resume(transfer). */
  pause(transfer: TransferImpl): void;
  resume(transfer: TransferImpl): void;
}

export interface TransferInit {
  id: number;
  options: TransferOptions;
  target: TargetUrl;
  method: string;
  /** Checked once; encoded for the protocol that carries it. */
  request: PreparedRequest;
  /** May be sent again after a broken connection (retry.ts isIdempotent). */
  idempotent: boolean;
  /** GET or HEAD without a body: may be pipelined. */
  pipelinable: boolean;
  /** The key of its host in the pool: scheme, host, port, egress. */
  hostKey: string;
  /** The egress part of hostKey. */
  egress: string;
  /** Largest response body taken, bytes (curl --max-filesize). */
  maxBodySize?: number | undefined;
  clock: Clock;
}

export class TransferImpl implements Transfer {
  readonly id: number;
  readonly options: TransferOptions;
  readonly target: TargetUrl;
  readonly method: string;
  readonly request: PreparedRequest;
  readonly idempotent: boolean;
  readonly pipelinable: boolean;
  readonly hostKey: string;
  readonly egress: string;
  private readonly clock: Clock;
  private readonly maxBodySize: number | undefined;

  readonly done: Promise<TransferResult>;
  readonly info: TransferInfo;
  state: TransferState = 'queued';
  /** Ended with its whole response (not removed, timed out or failed). */
  completed = false;
  /** The connection carrying the request, once written. */
  carrier: Carrier | undefined;
  /** A retry must go on a connection newer than the one that failed it. */
  minConnectionId = 0;
  /**
   * Its host's count of answered transfers when it was sent the time before last: progress, for a retry,
   * is an answer since then, so that a request fails only after two tries in a row with no answer between.
   */
  answeredAtPreviousSend = 0;
  private answeredAtSend = 0;
  /** The first byte of a response arrived. */
  responseStarted = false;
  /**
   * Something of the response reached the caller (its head through onHeaders or `response`, a body
   * slice through onData or the stream): sending the request again would deliver it twice.
   */
  handedOut = false;
  /** Body bytes of a response that was cut off before anything reached the caller (the last one). */
  cutOffBytes: number | undefined;
  /** Timers of the Multi's heap that belong to this transfer. */
  timer: TimerEntry | undefined;
  lowSpeedTimer: TimerEntry | undefined;
  bytesAtLastCheck = 0;
  /** Called once when the transfer ends, by the Multi (to release what it holds). */
  onEnd: ((t: TransferImpl) => void) | undefined;

  private head: ResponseHead | undefined;
  /** How the body is taken: gathered for `done` (buffered), handed to onData, or queued for `response`'s body (stream). */
  private readonly mode: 'buffered' | 'callback' | 'stream';
  private collector: BodyCollector | undefined;
  private body: ResponseBody | undefined;
  private failure: HiperError | undefined;
  private responsePromise: Promise<StreamedResponse> | undefined;
  private responseSettle: { resolve: (r: StreamedResponse) => void; reject: (e: unknown) => void } | undefined;
  /** Its carrier was asked to pause for it. */
  private holding = false;
  /** An onData promise not yet settled, slices that came meanwhile, and a completion waiting for them. */
  private pending: Promise<void> | undefined;
  private backlog: Buffer[] = [];
  private completeAfterPending = false;
  private trailers: Array<[string, string]> = [];
  private resolveDone!: (r: TransferResult) => void;
  private rejectDone!: (e: unknown) => void;

  constructor(init: TransferInit) {
    const { id, options, target, method, clock } = init;
    this.id = id;
    this.options = options;
    this.target = target;
    this.method = method;
    this.request = init.request;
    this.idempotent = init.idempotent;
    this.pipelinable = init.pipelinable;
    this.hostKey = init.hostKey;
    this.egress = init.egress;
    this.clock = clock;
    this.maxBodySize = init.maxBodySize;
    this.done = new Promise<TransferResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.mode = options.onData ? 'callback' : options.stream ? 'stream' : 'buffered';
    this.info = {
      id,
      url: target.href,
      method,
      startTime: clock.now(),
      timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0, total: 0 },
      reused: false,
      numConnects: 0,
      pipelinePosition: 0,
      tries: 0,
      sizeUpload: 0,
      sizeDownload: 0,
    };
    if (channels.transferStart.hasSubscribers) channels.transferStart.publish({ transfer: this });
  }

  get ended(): boolean {
    return this.state === 'done';
  }

  elapsed(): number {
    return this.clock.now() - this.info.startTime;
  }

  /** It is about to be sent while its host has answered `answered` transfers. */
  noteHostAnswers(answered: number): void {
    this.answeredAtPreviousSend = this.info.tries === 0 ? answered : this.answeredAtSend;
    this.answeredAtSend = answered;
  }

  /** The request was written on a connection. */
  sent(carrier: Carrier, position: number, reused: boolean): void {
    this.state = 'sent';
    this.carrier = carrier;
    this.info.connectionId = carrier.id;
    this.info.pipelinePosition = position;
    this.info.reused = reused;
    this.info.tries++;
    // A streamed body is counted as it is sent.
    this.info.sizeUpload = this.request.source !== undefined ? 0 : this.request.bodySize ?? 0;
    this.info.timings.pretransfer = this.elapsed();
  }

  /** Where its connection leaves from and goes to, as every transfer on it reports. */
  noteConnection(trace: KeptTrace): void {
    const info = this.info;
    info.local = trace.local;
    info.remote = { address: trace.remote.address, port: trace.remote.port };
    info.bindMethod = trace.bindMethod;
    if (trace.interface !== undefined) info.interface = trace.interface;
    if (trace.egressInterface !== undefined) info.egressInterface = trace.egressInterface;
    if (trace.alpn !== undefined) info.alpn = trace.alpn;
    if (trace.tlsVersion !== undefined) info.tlsVersion = trace.tlsVersion;
  }

  onResponseStart(): void {
    this.responseStarted = true;
    this.info.timings.starttransfer = this.elapsed();
  }

  /**
   * The final response head. `contentLength`: the body's announced length, undefined when unknown or
   * when no body follows (HEAD, 204, 304).
   */
  onHead(statusCode: number, statusMessage: string, httpVersion: string, headers: Array<[string, string]>, contentLength?: number): void {
    if (this.ended) return;
    const head: ResponseHead = { status: statusCode, statusMessage, httpVersion, headers };
    this.head = head;
    this.info.status = statusCode;
    this.info.httpVersion = httpVersion;
    if (contentLength !== undefined && this.tooLarge(contentLength, true)) return;
    if (this.mode === 'stream' || this.options.onHeaders !== undefined) this.handedOut = true;
    // node:http2 may hand over the first slices before it emits the head: what they made is kept.
    if (this.mode === 'buffered') this.collector ??= new BodyCollector(contentLength);
    else if (this.mode === 'stream') {
      this.body ??= new ResponseBody(this.flow, this.info.url);
      this.responseSettle?.resolve(this.streamed());
      this.responseSettle = undefined;
    }
    if (channels.transferHeaders.hasSubscribers) channels.transferHeaders.publish({ transfer: this, status: statusCode, headers });
    if (this.options.onHeaders) this.callUser(this.options.onHeaders, head);
  }

  onBody(chunk: Buffer): void {
    if (this.ended) return;
    const size = (this.info.sizeDownload += chunk.length);
    if (this.maxBodySize !== undefined && size > this.maxBodySize && this.tooLarge(size, false)) return;
    switch (this.mode) {
      case 'buffered':
        if (size > bufferConstants.MAX_LENGTH && this.tooLarge(size, false)) return;
        (this.collector ??= new BodyCollector(undefined)).add(chunk);
        return;
      case 'stream':
        (this.body ??= new ResponseBody(this.flow, this.info.url)).push(chunk);
        return;
      default:
        if (this.pending !== undefined) this.backlog.push(chunk);
        else this.callData(chunk);
    }
  }

  /**
   * The response for a transfer added with `stream: true`: its head, once it arrives, and its body as
   * an async iterable (or a web ReadableStream). Errors then reach the caller through it (and through
   * the body), so `done` no longer needs a handler of its own.
   */
  get response(): Promise<StreamedResponse> {
    if (this.mode !== 'stream') {
      throw new HiperError('ERR_INVALID_ARGUMENT', `the transfer of ${this.info.url} was not added with stream: true; its body comes with done (or onData)`, { input: 'response' });
    }
    if (this.responsePromise === undefined) {
      this.done.catch(() => {});
      if (this.head !== undefined && this.body !== undefined) this.responsePromise = Promise.resolve(this.streamed());
      else if (this.failure !== undefined) this.responsePromise = Promise.reject(this.failure);
      else this.responsePromise = new Promise((resolve, reject) => (this.responseSettle = { resolve, reject }));
    }
    return this.responsePromise;
  }

  private streamed(): StreamedResponse {
    const h = this.head!;
    return { status: h.status, statusMessage: h.statusMessage, httpVersion: h.httpVersion, headers: h.headers, body: this.body! };
  }

  /** What a streamed body asks of the transfer. */
  private readonly flow = {
    pause: (): void => this.hold(),
    resume: (): void => this.release(),
    cancel: (): void => this.fail(new HiperError('ERR_ABORTED', `the body of ${this.info.url} was cancelled by its reader`, { input: this.info.url }), true),
  };

  /** Ends the transfer with ERR_BODY_TOO_LARGE when `size` passes a limit; true when it did. */
  private tooLarge(size: number, announced: boolean): boolean {
    const limit = this.maxBodySize;
    const what = announced ? `announces a body of ${size} bytes` : `sent more than ${size - 1} body bytes`;
    if (limit !== undefined && size > limit) {
      this.fail(new HiperError('ERR_BODY_TOO_LARGE', `the response to ${this.info.url} ${what}, more than maxBodySize ${limit}`, { input: this.info.url, details: { limit, size, announced } }));
      return true;
    }
    if (this.mode === 'buffered' && size > bufferConstants.MAX_LENGTH) {
      this.fail(new HiperError('ERR_BODY_TOO_LARGE', `the response to ${this.info.url} ${what}, more than one Buffer holds (${bufferConstants.MAX_LENGTH}); take it with stream: true or onData`, {
        input: this.info.url, details: { limit: bufferConstants.MAX_LENGTH, size, announced },
      }));
      return true;
    }
    return false;
  }

  // --- onData: a promise it returns holds the connection until it settles

  private callData(chunk: Buffer): void {
    this.handedOut = true;
    let r: unknown;
    try {
      r = this.options.onData!(chunk);
    } catch (err) {
      this.callbackFailed(err);
      return;
    }
    if (r === undefined || typeof (r as PromiseLike<void>).then !== 'function') return;
    this.hold();
    const p: Promise<void> = Promise.resolve(r as PromiseLike<void>).then(
      () => this.onCallbackSettled(p),
      (err: unknown) => this.callbackFailed(err),
    );
    this.pending = p;
  }

  private onCallbackSettled(p: Promise<void>): void {
    if (this.pending !== p || this.ended) return;
    this.pending = undefined;
    while (this.backlog.length > 0 && this.pending === undefined && !this.ended) this.callData(this.backlog.shift()!);
    if (this.pending !== undefined || this.ended) return;
    this.release();
    if (this.completeAfterPending) this.complete();
  }

  /** Its own reader holds its connection (an onData promise, a stream read slower than it comes). */
  get held(): boolean {
    return this.holding;
  }

  private hold(): void {
    if (this.holding || this.carrier === undefined) return;
    this.holding = true;
    this.carrier.pause(this);
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.carrier?.resume(this);
  }

  /** A caller's callback that throws (or rejects) ends its transfer (and only that one). */
  private callUser<T>(fn: (arg: T) => void, arg: T): void {
    try {
      fn(arg);
    } catch (err) {
      this.callbackFailed(err);
    }
  }

  private callbackFailed(err: unknown): void {
    this.fail(new HiperError('ERR_ABORTED', `a callback of the transfer of ${this.info.url} threw: ${(err as Error)?.message ?? String(err)}`, { input: this.info.url, cause: err }));
  }

  /**
   * The connection closed in the middle of the response, before anything of it reached the caller: what
   * was gathered is dropped, so that the request can be sent again as if never answered.
   */
  cutOff(): void {
    this.cutOffBytes = this.info.sizeDownload;
    this.responseStarted = false;
    this.head = undefined;
    this.collector = undefined;
    this.trailers = [];
    this.info.sizeDownload = 0;
    delete this.info.status;
    delete this.info.httpVersion;
  }

  onTrailers(trailers: Array<[string, string]>): void {
    this.trailers = trailers;
  }

  /** The whole response arrived. With an onData promise still pending, the transfer ends when it settles. */
  complete(): void {
    if (this.ended) return;
    if (this.pending !== undefined) {
      this.completeAfterPending = true;
      return;
    }
    const head = this.head!;
    const body = this.collector !== undefined ? this.collector.take() : EMPTY;
    this.collector = undefined;
    this.completed = true;
    this.end();
    this.body?.end();
    if (channels.transferDone.hasSubscribers) channels.transferDone.publish({ transfer: this, info: this.info });
    // Spelled out: on Node 20 `{ ...head, more }` takes a slow runtime path, and the object it makes
    // slows whoever reads it (measured at ~25 µs per transfer with 10 connections).
    this.resolveDone({ status: head.status, statusMessage: head.statusMessage, httpVersion: head.httpVersion, headers: head.headers, body, trailers: this.trailers, info: this.info });
  }

  /** Ends the transfer with an error. `quiet` marks the promise handled (remove(): the caller asked for it). */
  fail(error: HiperError, quiet = false): void {
    if (this.ended) return;
    this.info.error = error.code;
    this.failure = error;
    this.collector = undefined;
    this.backlog.length = 0;
    const settle = this.responseSettle;
    this.responseSettle = undefined;
    this.end();
    this.body?.fail(error);
    settle?.reject(error);
    if (channels.transferError.hasSubscribers) channels.transferError.publish({ transfer: this, error });
    if (quiet) this.done.catch(() => {});
    this.rejectDone(error);
  }

  private end(): void {
    this.state = 'done';
    this.info.timings.total = this.elapsed();
    this.onEnd?.(this);
    this.release();
  }
}

export function httpVersionOf(v: 10 | 11): string {
  return HTTP_VERSIONS[v];
}
