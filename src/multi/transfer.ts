/**
 * One transfer: its checked request, its info, and its single settlement. A connection reports the
 * response into it (head, body slices, trailers, completion); whatever happens, `done` settles once.
 */
import { HiperError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { channels } from '../shared/diagnostics.js';
import type { TargetUrl } from '../shared/url.js';
import type { KeptTrace } from './kept-trace.js';
import type { PreparedRequest } from './request.js';
import type { TimerEntry } from './timers.js';
import type { ResponseHead, Transfer, TransferInfo, TransferOptions, TransferResult } from './types.js';

const HTTP_VERSIONS = { 10: '1.0', 11: '1.1' } as const;
/** The body of a result whose slices went to onData: one shared empty Buffer (nothing can be written to it). */
const EMPTY = Buffer.alloc(0);

export type TransferState = 'queued' | 'connecting' | 'sent' | 'done';

/** The parts of a connection a transfer needs to know (h1 and h2 alike). */
export interface Carrier {
  readonly id: number;
  /** Stops delivering this transfer's response (it was removed or timed out). */
  abandon(transfer: TransferImpl): void;
}

export interface TransferInit {
  id: number;
  options: TransferOptions;
  target: TargetUrl;
  method: string;
  /** Checked once; encoded for the protocol that carries it. */
  request: PreparedRequest;
  /** GET or HEAD without a body: may be pipelined and retried. */
  idempotent: boolean;
  /** The key of its host in the pool: scheme, host, port, egress. */
  hostKey: string;
  /** The egress part of hostKey. */
  egress: string;
  clock: Clock;
}

export class TransferImpl implements Transfer {
  readonly id: number;
  readonly options: TransferOptions;
  readonly target: TargetUrl;
  readonly method: string;
  readonly request: PreparedRequest;
  readonly idempotent: boolean;
  readonly hostKey: string;
  readonly egress: string;
  private readonly clock: Clock;

  readonly done: Promise<TransferResult>;
  readonly info: TransferInfo;
  state: TransferState = 'queued';
  /** Ended with its whole response (not removed, timed out or failed). */
  completed = false;
  /** The connection carrying the request, once written. */
  carrier: Carrier | undefined;
  /** A retry must go on a connection newer than the one that failed it. */
  minConnectionId = 0;
  /** Something of the response reached the caller: a retry would deliver it twice. */
  responseStarted = false;
  /** Timers of the Multi's heap that belong to this transfer. */
  timer: TimerEntry | undefined;
  lowSpeedTimer: TimerEntry | undefined;
  bytesAtLastCheck = 0;
  /** Called once when the transfer ends, by the Multi (to release what it holds). */
  onEnd: ((t: TransferImpl) => void) | undefined;

  private head: ResponseHead | undefined;
  private readonly chunks: Buffer[] | undefined;
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
    this.hostKey = init.hostKey;
    this.egress = init.egress;
    this.clock = clock;
    this.done = new Promise<TransferResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.chunks = options.onData ? undefined : [];
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

  /** The request was written on a connection. */
  sent(carrier: Carrier, position: number, reused: boolean): void {
    this.state = 'sent';
    this.carrier = carrier;
    this.info.connectionId = carrier.id;
    this.info.pipelinePosition = position;
    this.info.reused = reused;
    this.info.tries++;
    this.info.sizeUpload = this.request.bodySize;
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

  onHead(statusCode: number, statusMessage: string, httpVersion: string, headers: Array<[string, string]>): void {
    if (this.ended) return;
    const head: ResponseHead = { status: statusCode, statusMessage, httpVersion, headers };
    this.head = head;
    this.info.status = statusCode;
    this.info.httpVersion = httpVersion;
    if (channels.transferHeaders.hasSubscribers) channels.transferHeaders.publish({ transfer: this, status: statusCode, headers });
    if (this.options.onHeaders) this.callUser(this.options.onHeaders, head);
  }

  onBody(chunk: Buffer): void {
    if (this.ended) return;
    this.info.sizeDownload += chunk.length;
    if (this.chunks) this.chunks.push(chunk);
    else this.callUser(this.options.onData!, chunk);
  }

  /** A caller's callback that throws ends its transfer (and only that one). */
  private callUser<T>(fn: (arg: T) => void, arg: T): void {
    try {
      fn(arg);
    } catch (err) {
      this.fail(new HiperError('ERR_ABORTED', `a callback of the transfer of ${this.info.url} threw: ${(err as Error)?.message ?? String(err)}`, { input: this.info.url, cause: err }));
    }
  }

  onTrailers(trailers: Array<[string, string]>): void {
    this.trailers = trailers;
  }

  complete(): void {
    if (this.ended) return;
    const head = this.head!;
    const body = this.chunks === undefined ? EMPTY : this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.completed = true;
    this.end();
    if (channels.transferDone.hasSubscribers) channels.transferDone.publish({ transfer: this, info: this.info });
    // Spelled out: on Node 20 `{ ...head, more }` takes a slow runtime path, and the object it makes
    // slows whoever reads it (measured at ~25 µs per transfer with 10 connections).
    this.resolveDone({ status: head.status, statusMessage: head.statusMessage, httpVersion: head.httpVersion, headers: head.headers, body, trailers: this.trailers, info: this.info });
  }

  /** Ends the transfer with an error. `quiet` marks the promise handled (remove(): the caller asked for it). */
  fail(error: HiperError, quiet = false): void {
    if (this.ended) return;
    this.info.error = error.code;
    this.end();
    if (channels.transferError.hasSubscribers) channels.transferError.publish({ transfer: this, error });
    if (quiet) this.done.catch(() => {});
    this.rejectDone(error);
  }

  private end(): void {
    this.state = 'done';
    this.info.timings.total = this.elapsed();
    this.onEnd?.(this);
  }
}

export function httpVersionOf(v: 10 | 11): string {
  return HTTP_VERSIONS[v];
}
