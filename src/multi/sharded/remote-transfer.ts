/**
 * A transfer as the caller of a ShardedMulti holds it: its `done`, `info` and `response` live on the
 * main thread, fed by its worker's messages, and settle exactly once, whatever the worker says after
 * (a late ending of a transfer already removed, timed out here or ended by its worker's death is
 * dropped). The callbacks run here, with the same rules as in one Multi: onData's promise holds the
 * connection (through hold / release messages) and `done` waits for it; a throwing callback ends its
 * own transfer with ERR_ABORTED.
 */
import { HiperError } from '../../shared/errors.js';
import { CallbackDelivery } from '../body/callback.js';
import { ResponseSlot } from '../body/response-slot.js';
import { ResponseBody } from '../body/stream.js';
import { ACK_STEP } from './protocol.js';
import type { RetryEvent, ResponseHead, StreamedResponse, Transfer, TransferInfo, TransferOptions, TransferResult } from '../types.js';

const TIMING_KEYS = ['namelookup', 'connect', 'appconnect', 'pretransfer', 'starttransfer', 'total'] as const satisfies ReadonlyArray<keyof TransferInfo['timings']>;

/** What a transfer asks of the shard that runs it. */
export interface TransferLink {
  hold(id: number): void;
  release(id: number): void;
  /** `bytes` more body bytes arrived (the worker's window, SLICE_WINDOW). */
  ack(id: number, bytes: number): void;
  /** The transfer ended here first (removed, a callback threw): the worker drops it. */
  drop(id: number): void;
  /** The transfer ended, one way or the other. */
  ended(t: RemoteTransfer): void;
}

export class RemoteTransfer implements Transfer {
  readonly done: Promise<TransferResult>;
  readonly info: TransferInfo;
  ended = false;
  private readonly mode: 'buffered' | 'callback' | 'stream';
  private readonly delivery: CallbackDelivery | undefined;
  private body: ResponseBody | undefined;
  private head: ResponseHead | undefined;
  private readonly responseSlot = new ResponseSlot();
  /** The worker's result, waiting for onData's last promise. */
  /** Body bytes received and not yet acknowledged to the worker. */
  private unacked = 0;
  private finished: { trailers: Array<[string, string]>; body: Buffer } | undefined;
  private resolveDone!: (r: TransferResult) => void;
  private rejectDone!: (e: unknown) => void;

  constructor(readonly id: number, private readonly options: TransferOptions, url: string, method: string, readonly link: TransferLink) {
    this.done = new Promise<TransferResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.mode = options.onData ? 'callback' : options.stream ? 'stream' : 'buffered';
    const transfer = this;
    this.delivery = options.onData ? new CallbackDelivery(options.onData, {
      get ended() {
        return transfer.ended;
      },
      hold: () => link.hold(id),
      release: () => link.release(id),
      callbackFailed: (err) => this.callbackFailed(err),
      caughtUp: () => {
        if (this.finished !== undefined) this.complete(this.finished.trailers, this.finished.body);
      },
    }) : undefined;
    this.info = {
      id, url, method, startTime: performance.now(),
      timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0, total: 0 },
      reused: false, numConnects: 0, pipelinePosition: 0, tries: 0, retries: 0, sizeUpload: 0, sizeDownload: 0,
    };
  }

  get response(): Promise<StreamedResponse> {
    if (this.mode !== 'stream') {
      throw new HiperError('ERR_INVALID_ARGUMENT', `the transfer of ${this.info.url} was not added with stream: true; its body comes with done (or onData)`, { input: 'response' });
    }
    return this.responseSlot.get(this.done);
  }

  // --- what the worker reports

  /**
   * The worker's info (its times already on this thread's clock) becomes this one's. The transfer
   * started when it was added here: the worker's phases are shifted by the time it took to get there.
   */
  noteInfo(info: TransferInfo): void {
    if (this.ended) return;
    const start = this.info.startTime;
    const shift = info.startTime - start;
    Object.assign(this.info, info);
    this.info.id = this.id;
    this.info.startTime = start;
    const t = this.info.timings;
    // 0 says "not on this transfer" (a reused connection's lookup and connect): it stays 0.
    for (const k of TIMING_KEYS) if (t[k] !== 0) t[k] += shift;
  }

  onHead(head: ResponseHead): void {
    if (this.ended) return;
    this.head = head;
    if (this.mode === 'stream') {
      this.body ??= new ResponseBody({
        pause: () => this.link.hold(this.id),
        resume: () => this.link.release(this.id),
        cancel: () => this.endHere(new HiperError('ERR_ABORTED', `the body of ${this.info.url} was cancelled by its reader`, { input: this.info.url }), true),
      }, this.info.url);
      this.responseSlot.headed(head, this.body);
    }
    const onHeaders = this.options.onHeaders;
    if (onHeaders !== undefined) {
      try {
        onHeaders(head);
      } catch (err) {
        this.callbackFailed(err);
      }
    }
  }

  onData(chunk: Buffer, size: number): void {
    if (this.ended) return;
    this.info.sizeDownload = size;
    this.unacked += chunk.length;
    if (this.unacked >= ACK_STEP) {
      this.link.ack(this.id, this.unacked);
      this.unacked = 0;
    }
    if (this.mode === 'callback') this.delivery!.push(chunk);
    else this.body?.push(chunk);
  }

  onRetry(event: RetryEvent): void {
    if (this.ended) return;
    try {
      this.options.retry?.onRetry?.(event);
    } catch (err) {
      this.callbackFailed(err);
    }
  }

  onDone(head: ResponseHead, trailers: Array<[string, string]>, body: Buffer): void {
    if (this.ended) return;
    this.head ??= head;
    if (this.delivery?.waiting === true) {
      this.finished = { trailers, body };
      return;
    }
    this.complete(trailers, body);
  }

  /** Ends with `error`; `quiet` marks `done` handled (the caller asked for the ending). */
  fail(error: HiperError, quiet = false): void {
    if (this.ended) return;
    this.ended = true;
    this.info.error = error.code;
    this.delivery?.drop();
    this.link.ended(this);
    this.body?.fail(error);
    this.responseSlot.failed(error);
    if (quiet) this.done.catch(() => {});
    this.rejectDone(error);
  }

  /** Ends here before the worker has said so: the worker is told to drop it. */
  endHere(error: HiperError, quiet: boolean): void {
    if (this.ended) return;
    this.fail(error, quiet);
    this.link.drop(this.id);
  }

  private callbackFailed(err: unknown): void {
    this.endHere(new HiperError('ERR_ABORTED', `a callback of the transfer of ${this.info.url} threw: ${(err as Error)?.message ?? String(err)}`, { input: this.info.url, cause: err }), false);
  }

  private complete(trailers: Array<[string, string]>, body: Buffer): void {
    this.ended = true;
    this.finished = undefined;
    this.link.ended(this);
    const head = this.head!;
    this.body?.end();
    this.resolveDone({ status: head.status, statusMessage: head.statusMessage, httpVersion: head.httpVersion, headers: head.headers, body, trailers, info: this.info });
  }

}
