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
import { CallbackDelivery, type CallbackOwner } from './body/callback.js';
import { ResponseSlot } from './body/response-slot.js';
import { ResponseBody } from './body/stream.js';
import { RETRY_STATUSES, retryPlan, type RetryPlan, type RunEnd } from './curl-retry.js';
import { continues, resumePointOf, resumeRequest, type ResumePoint } from './resume.js';
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
  /**
   * Still has the transfer in its pipeline (HTTP/1.1) or its line of the unanswered (HTTP/2): it could
   * still deliver to it or hand it back, so it cannot be run again yet.
   */
  holds(transfer: TransferImpl): boolean;
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
  /** Most sends in all (MultiOptions.maxTries): bounds the resumes of a cut-off body too. */
  maxTries?: number | undefined;
  clock: Clock;
}

export class TransferImpl implements Transfer, CallbackOwner {
  readonly id: number;
  readonly options: TransferOptions;
  readonly target: TargetUrl;
  readonly method: string;
  /** Replaced by the range request when a cut-off body is resumed (resume.ts). */
  request: PreparedRequest;
  readonly idempotent: boolean;
  readonly pipelinable: boolean;
  readonly hostKey: string;
  readonly egress: string;
  private readonly clock: Clock;
  private readonly maxBodySize: number | undefined;
  private readonly maxTries: number;

  readonly done: Promise<TransferResult>;
  readonly info: TransferInfo;
  state: TransferState = 'queued';
  /** Its place among its Multi's running transfers (SlotSet). */
  slot = -1;
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
  /** Runs the transfer again after `delay` ms (TransferOptions.retry), by the Multi. */
  rerun: ((t: TransferImpl, delay: number) => void) | undefined;
  /** The timer of a rerun, while it waits. */
  retryTimer: TimerEntry | undefined;
  /** info.tries when this run began: the retries after broken connections (retry.ts) are counted per run. */
  triesBeforeRun = 0;
  /** This run's response has a status that is retried: it is read to its end and dropped. */
  private dropping: RetryPlan | undefined;
  /** Sends it again on a new connection, at once (a resume), by the Multi. */
  resend: ((t: TransferImpl) => void) | undefined;
  /** Its streamed response may be resumed where it was cut off (resume.ts). */
  private resumePoint: ResumePoint | undefined;
  /** A resume request is on its way: its answer must continue the body at this many bytes. */
  private resumingAt: number | undefined;
  /** Body bytes when it was last resumed: a resume that brought none is not tried again. */
  private bytesAtResume = -1;
  /** Its reader was behind when the body was cut: the resumed response waits for it too. */
  private resumeHeld = false;
  /** Slices of a resume's answer that came before its head (node:http2 may do that): held until it is known to continue the body. */
  private early: Buffer[] | undefined;

  private head: ResponseHead | undefined;
  /** How the body is taken: gathered for `done` (buffered), handed to onData, or queued for `response`'s body (stream). */
  private readonly mode: 'buffered' | 'callback' | 'stream';
  private collector: BodyCollector | undefined;
  private body: ResponseBody | undefined;
  private readonly responseSlot = new ResponseSlot();
  /** Its carrier was asked to pause for it. */
  private holding = false;
  /** onData's slices, when it has one; a completion may wait for its promise. */
  private readonly delivery: CallbackDelivery | undefined;
  private completeAfterDelivery = false;
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
    this.maxTries = init.maxTries ?? 1;
    this.done = new Promise<TransferResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.mode = options.onData ? 'callback' : options.stream ? 'stream' : 'buffered';
    // Made only for onData: a transfer without one allocates nothing for it.
    this.delivery = options.onData ? new CallbackDelivery(options.onData, this) : undefined;
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
      retries: 0,
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
    if (this.resumingAt !== undefined) {
      this.resumed(statusCode, headers);
      return;
    }
    this.info.status = statusCode;
    this.info.httpVersion = httpVersion;
    if (this.options.retry !== undefined && RETRY_STATUSES.has(statusCode)) {
      // Retried: read to its end and dropped, never shown (complete() runs the transfer again).
      this.dropping = this.planRetry({ status: statusCode, headers });
      if (this.dropping !== undefined) return;
    }
    const head: ResponseHead = { status: statusCode, statusMessage, httpVersion, headers };
    this.head = head;
    if (this.mode !== 'buffered' && this.method === 'GET' && this.request.source === undefined && this.maxTries > 1) this.resumePoint = resumePointOf(statusCode, headers);
    if (contentLength !== undefined && this.tooLarge(contentLength, true)) return;
    if (this.mode === 'stream' || this.options.onHeaders !== undefined) this.handedOut = true;
    // node:http2 may hand over the first slices before it emits the head: what they made is kept.
    if (this.mode === 'buffered') this.collector ??= new BodyCollector(contentLength);
    else if (this.mode === 'stream') {
      this.body ??= new ResponseBody(this.flow(), this.info.url);
      this.responseSlot.headed(head, this.body);
    }
    if (channels.transferHeaders.hasSubscribers) channels.transferHeaders.publish({ transfer: this, status: statusCode, headers });
    if (this.options.onHeaders) this.callUser(this.options.onHeaders, head);
  }

  onBody(chunk: Buffer): void {
    if (this.ended || this.dropping !== undefined) return;
    if (this.resumingAt !== undefined) {
      (this.early ??= []).push(chunk);
      return;
    }
    const size = (this.info.sizeDownload += chunk.length);
    if (this.maxBodySize !== undefined && size > this.maxBodySize && this.tooLarge(size, false)) return;
    switch (this.mode) {
      case 'buffered':
        if (size > bufferConstants.MAX_LENGTH && this.tooLarge(size, false)) return;
        (this.collector ??= new BodyCollector(undefined)).add(chunk);
        return;
      case 'stream':
        (this.body ??= new ResponseBody(this.flow(), this.info.url)).push(chunk);
        return;
      default:
        this.handedOut = true;
        this.delivery!.push(chunk);
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
    return this.responseSlot.get(this.done);
  }

  /** What a streamed body asks of the transfer. */
  private flow(): { pause(): void; resume(): void; cancel(): void } {
    return {
      pause: (): void => this.hold(),
      resume: (): void => this.release(),
      cancel: (): void => this.fail(new HiperError('ERR_ABORTED', `the body of ${this.info.url} was cancelled by its reader`, { input: this.info.url }), true),
    };
  }

  /** Ends the transfer with ERR_BODY_TOO_LARGE when `size` passes a limit; true when it did. */
  private tooLarge(size: number, announced: boolean): boolean {
    const limit = this.maxBodySize;
    const what = announced ? `announces a body of ${size} bytes` : `sent at least ${size} body bytes`;
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

  /** Every onData slice was taken after a wait: a completion that waited for them goes on. */
  caughtUp(): void {
    if (this.completeAfterDelivery) this.complete();
  }

  /** Its own reader holds its connection (an onData promise, a stream read slower than it comes). */
  get held(): boolean {
    return this.holding;
  }

  /** Its reader is behind (an onData promise pending, a stream read slower than it comes): its carrier stops reading for it. */
  hold(): void {
    if (this.carrier === undefined && this.resumingAt !== undefined) this.resumeHeld = true;
    if (this.holding || this.carrier === undefined) return;
    this.holding = true;
    this.carrier.pause(this);
  }

  /** Its reader caught up: its carrier reads for it again. */
  release(): void {
    this.resumeHeld = false;
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

  callbackFailed(err: unknown): void {
    this.fail(new HiperError('ERR_ABORTED', `a callback of the transfer of ${this.info.url} threw: ${(err as Error)?.message ?? String(err)}`, { input: this.info.url, cause: err }));
  }

  /**
   * The connection closed in the middle of the response, before anything of it reached the caller: what
   * was gathered is dropped, so that the request can be sent again as if never answered.
   */
  cutOff(): void {
    this.dropping = undefined;
    this.cutOffBytes = this.info.sizeDownload;
    this.responseStarted = false;
    this.head = undefined;
    this.collector = undefined;
    this.trailers = [];
    this.info.sizeDownload = 0;
    delete this.info.status;
    delete this.info.httpVersion;
  }

  // --- TransferOptions.retry (curl-retry.ts decides)

  /** Whether this run's end is retried, and after how long; never for a streamed request body or once something reached the caller. */
  private planRetry(end: RunEnd): RetryPlan | undefined {
    if (this.rerun === undefined || this.handedOut || this.request.source !== undefined) return undefined;
    return retryPlan(this.options.retry!, end, { retries: this.info.retries ?? 0, elapsed: this.elapsed(), now: Date.now() });
  }

  /** This run is over, nothing of it delivered: back to the start, and to the Multi for another run after the plan's delay. */
  private again(plan: RetryPlan, error?: HiperError): void {
    const carrier = this.carrier;
    this.release();
    this.carrier = undefined;
    this.state = 'queued';
    // A run that failed may still have its stream open (HTTP/2): it is cancelled, and delivers nothing more.
    if (error !== undefined) carrier?.abandon(this);
    this.dropping = undefined;
    this.cutOffBytes = undefined;
    this.responseStarted = false;
    this.head = undefined;
    this.collector = undefined;
    // Nothing of it reached the caller, so neither did a stream's body (node:http2 may feed it before the head).
    this.body = undefined;
    this.trailers = [];
    this.info.sizeDownload = 0;
    this.bytesAtLastCheck = 0;
    this.triesBeforeRun = this.info.tries;
    this.info.retries = (this.info.retries ?? 0) + 1;
    const status = this.info.status;
    delete this.info.status;
    delete this.info.httpVersion;
    this.rerun!(this, plan.delay);
    const onRetry = this.options.retry!.onRetry;
    if (onRetry !== undefined) {
      this.callUser(onRetry, { reason: plan.reason, delay: plan.delay, left: plan.left, ...(error !== undefined ? { error } : status !== undefined ? { status } : {}) });
    }
  }

  // --- a cut-off streamed body resumed with a range request (resume.ts decides)

  /**
   * Cut off in the middle of a resumable body that has partly reached the caller, with sends left, and
   * the last resume (if any) having brought new bytes.
   */
  private resumable(error: HiperError): boolean {
    if (this.resumePoint === undefined || !this.handedOut || this.head === undefined || this.resend === undefined || this.state === 'queued') return false;
    if (error.code !== 'ERR_CONNECTION_CLOSED' && error.code !== 'ERR_HTTP2') return false;
    if (this.carrier?.holds(this) === true) return false;
    const bytes = this.info.sizeDownload;
    return this.info.tries < this.maxTries && bytes > this.bytesAtResume;
  }

  /** Asks for the rest on a new connection; the reader keeps its body and sees no seam. */
  private resume(): void {
    const carrier = this.carrier;
    const bytes = this.info.sizeDownload;
    const held = this.holding;
    this.holding = false;
    this.carrier = undefined;
    this.state = 'queued';
    carrier?.abandon(this);
    this.resumeHeld = held;
    this.responseStarted = false;
    this.bytesAtResume = bytes;
    this.resumingAt = bytes;
    this.early = undefined;
    this.info.resumes = (this.info.resumes ?? 0) + 1;
    this.request = resumeRequest(this.options, this.target, this.method, this.resumePoint!, bytes);
    this.resend!(this);
  }

  /** The answer to a resume request: the rest of the same body goes on to the reader, anything else ends the transfer. */
  private resumed(status: number, headers: Array<[string, string]>): void {
    const at = this.resumingAt!;
    this.resumingAt = undefined;
    const early = this.early;
    this.early = undefined;
    if (!continues(this.resumePoint!, at, status, headers)) {
      const what = status === 200 ? 'the whole resource again (it changed)' : `status ${status}`;
      this.fail(new HiperError('ERR_RESUME_FAILED', `the response to ${this.info.url} was cut off after ${at} body bytes, and a request for the rest got ${what}`, {
        input: this.info.url, details: { bytes: at, status },
      }));
      return;
    }
    if (this.resumeHeld) {
      this.resumeHeld = false;
      this.hold();
    }
    if (early !== undefined) for (const chunk of early) this.onBody(chunk);
  }

  onTrailers(trailers: Array<[string, string]>): void {
    this.trailers = trailers;
  }

  /** The whole response arrived. With an onData promise still pending, the transfer ends when it settles. */
  complete(): void {
    if (this.ended) return;
    if (this.dropping !== undefined) {
      this.again(this.dropping);
      return;
    }
    if (this.delivery?.waiting === true) {
      this.completeAfterDelivery = true;
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

  /**
   * Ends the transfer with an error, or runs it again when TransferOptions.retry says so. `quiet` marks
   * the promise handled (remove(): the caller asked for it) and is never retried; nor is `final` (the
   * transfer's own time limit).
   */
  fail(error: HiperError, quiet = false, final = false): void {
    if (this.ended) return;
    if (!quiet && !final && this.resumable(error)) {
      this.resume();
      return;
    }
    // Not while it waits in its host's line (a low-speed check there): it would be in the line twice.
    if (!quiet && !final && this.options.retry !== undefined && this.state !== 'queued' && !this.handedOut && this.carrier?.holds(this) !== true) {
      const plan = this.planRetry({ error });
      if (plan !== undefined) {
        this.again(plan, error);
        return;
      }
    }
    this.info.error = error.code;
    this.collector = undefined;
    this.delivery?.drop();
    this.end();
    this.body?.fail(error);
    this.responseSlot.failed(error);
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
