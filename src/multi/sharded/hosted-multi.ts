/**
 * One Multi inside a worker thread, for one ShardedMulti. Its transfers' callbacks are stand-ins that
 * report to the main thread; body bytes go there as transferred ArrayBuffers: a buffered body that owns
 * its whole ArrayBuffer (hiper gathers bodies in blocks of their own) is moved as it is; a slice of a
 * socket's read (onData, streamed bodies) shares its ArrayBuffer with the bytes around it, so it is
 * copied once, into an exact ArrayBuffer that moves.
 */
import { Multi } from '../multi.js';
import type { ResponseBody } from '../body/stream.js';
import type { Resolver } from '../../resolve/types.js';
import type { MultiOptions, ResponseHead, Transfer, TransferInfo, TransferOptions, TransferResult } from '../types.js';
import { SLICE_WINDOW, STAT_NAMES, type FromMulti, type ToWorker } from './protocol.js';
import { toWire, wireValue } from './wire.js';
import { IdTable } from '../../shared/id-table.js';

/** One transfer, by the main thread's id. */
interface Running {
  id: number;
  t: Transfer | undefined;
  headSent: boolean;
  /** The main thread's reader is behind ('hold', until 'release'). */
  holding: boolean;
  /** Body bytes sent and not yet acknowledged (SLICE_WINDOW). */
  unacked: number;
  /** What the next slice waits for while holding or the window is full. */
  gate: { promise: Promise<void>; open: () => void } | undefined;
  /** Ended here: a stream's queue goes on at once, whatever the reader's pace. */
  ending: boolean;
}

export interface HostedMultiInit {
  m: number;
  options: MultiOptions;
  report: SharedArrayBuffer;
  resolver: Resolver;
  /** Added to this thread's performance.now() to give the main thread's. */
  toMainClock: number;
  post: (message: FromMulti, transfer?: ArrayBuffer[]) => void;
}

export class HostedMulti {
  private readonly multi: Multi;
  private readonly running = new IdTable<Running>();
  /** TLS options by the main thread's reference: one object per caller's object, so pool keys match as in one Multi. */
  private readonly tlsByRef = new Map<number, TransferOptions['tls']>();
  private readonly reportFlag: Int32Array;
  private readonly reportValues: Float64Array;

  constructor(private readonly o: HostedMultiInit) {
    this.multi = new Multi({ ...o.options, resolver: o.resolver });
    this.reportFlag = new Int32Array(o.report, 0, 1);
    this.reportValues = new Float64Array(o.report, 8, STAT_NAMES.length + 1);
  }

  /** Answers 'report': the Multi's counters and its next timer, in shared memory, and wakes the waiting main thread. */
  report(): void {
    const stats = this.multi.stats();
    STAT_NAMES.forEach((name, i) => (this.reportValues[i] = stats[name]));
    const ms = this.multi.timeout();
    this.reportValues[STAT_NAMES.length] = ms < 0 ? -1 : performance.now() + ms + this.o.toMainClock;
    Atomics.store(this.reportFlag, 0, 1);
    Atomics.notify(this.reportFlag, 0);
  }

  remove(id: number): void {
    const r = this.running.get(id);
    if (r?.t !== undefined) this.multi.remove(r.t);
  }

  /** The main thread's reader is behind (`holding`) or caught up. */
  hold(id: number, holding: boolean): void {
    const r = this.running.get(id);
    if (r === undefined) return;
    r.holding = holding;
    if (!holding) reopen(r);
  }

  /** The main thread received `bytes` more of the transfer's slices. */
  ack(id: number, bytes: number): void {
    const r = this.running.get(id);
    if (r === undefined) return;
    r.unacked -= bytes;
    reopen(r);
  }

  forgetTls(ref: number): void {
    this.tlsByRef.delete(ref);
  }

  async close(): Promise<void> {
    await this.multi.close();
  }

  add(m: Extract<ToWorker, { t: 'add' }>): void {
    const r: Running = { id: m.id, t: undefined, headSent: false, holding: false, unacked: 0, gate: undefined, ending: false };
    const o = m.options as TransferOptions;
    if (m.tlsRef !== undefined) {
      if (m.tls !== undefined) this.tlsByRef.set(m.tlsRef, m.tls);
      o.tls = this.tlsByRef.get(m.tlsRef);
    }
    const post = this.o.post;
    const multiId = this.o.m;
    if (m.calls.onHeaders) o.onHeaders = (head) => this.sendHead(r, head);
    if (m.calls.onRetry && o.retry !== undefined) {
      o.retry.onRetry = (e) => post({
        t: 'retry', m: multiId, id: r.id, reason: e.reason, delay: e.delay, left: e.left,
        ...(e.status !== undefined ? { status: e.status } : {}), ...(e.error !== undefined ? { error: toWire(e.error) } : {}),
      });
    }
    if (m.calls.onData) {
      o.onData = (chunk: Buffer) => {
        this.sendData(r, chunk);
        return held(r);
      };
    }
    let t: Transfer;
    try {
      t = this.multi.add(o);
    } catch (err) {
      // The main thread checked the options as add() does: not expected, but the transfer ends all the same.
      post({ t: 'failed', m: multiId, id: r.id, error: toWire(err), info: { id: r.id } as TransferInfo });
      return;
    }
    r.t = t;
    this.running.set(r.id, r);
    const pumped = o.stream === true ? t.response.then((res) => this.pump(r, res), () => {}) : undefined;
    const done = (result: TransferResult): void => {
      this.running.delete(r.id);
      const head = { status: result.status, statusMessage: result.statusMessage, httpVersion: result.httpVersion, headers: result.headers };
      const message: FromMulti = { t: 'done', m: multiId, id: r.id, head, trailers: result.trailers, info: this.infoOf(r) };
      if (result.body.length === 0) return post(message);
      const body = (message.body = ownBytes(result.body));
      post(message, [body]);
    };
    const failed = (err: unknown): void => {
      this.running.delete(r.id);
      post({ t: 'failed', m: multiId, id: r.id, error: toWire(err), info: this.infoOf(r) });
    };
    // A stream's queue goes on first, without waiting for the reader any more.
    const ending = (): void => {
      r.ending = true;
      reopen(r);
    };
    if (pumped === undefined) t.done.then(done, failed);
    else t.done.then((result) => (ending(), pumped.then(() => done(result))), (err: unknown) => (ending(), pumped.then(() => failed(err))));
  }

  /** A streamed body goes on to the main thread slice by slice, waiting while its reader is behind. */
  private async pump(r: Running, res: ResponseHead & { body: ResponseBody }): Promise<void> {
    this.sendHead(r, res);
    try {
      for await (const chunk of res.body) {
        this.sendData(r, chunk);
        const wait = held(r);
        if (wait !== undefined) await wait;
      }
    } catch {
      // The transfer's failure is reported by its `done`.
    }
  }

  private sendHead(r: Running, head: ResponseHead): void {
    if (r.headSent) return;
    r.headSent = true;
    this.o.post({ t: 'head', m: this.o.m, id: r.id, head: { status: head.status, statusMessage: head.statusMessage, httpVersion: head.httpVersion, headers: head.headers }, info: this.infoOf(r) });
  }

  private sendData(r: Running, chunk: Buffer): void {
    const ab = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
    r.unacked += ab.byteLength;
    this.o.post({ t: 'data', m: this.o.m, id: r.id, chunk: ab, size: r.t?.info.sizeDownload ?? 0 }, [ab]);
  }

  /** The info as the main thread shows it: its ids, its clock, errors made plain. */
  private infoOf(r: Running): TransferInfo {
    const info = r.t!.info;
    const out = { ...info, id: r.id, startTime: info.startTime + this.o.toMainClock, timings: { ...info.timings } };
    if (info.connectTrace !== undefined) out.connectTrace = wireValue(info.connectTrace) as TransferInfo['connectTrace'];
    return out;
  }
}

/** What the next slice waits for: the reader behind, or the window full; nothing once the transfer is ending. */
function held(r: Running): Promise<void> | undefined {
  if (r.ending || (!r.holding && r.unacked <= SLICE_WINDOW)) return undefined;
  if (r.gate === undefined) {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    r.gate = { promise, open };
  }
  return r.gate.promise;
}

/** The slices go on when nothing holds them any more. */
function reopen(r: Running): void {
  if (r.gate === undefined || (!r.ending && (r.holding || r.unacked > SLICE_WINDOW))) return;
  const { open } = r.gate;
  r.gate = undefined;
  open();
}

/** A body Buffer as an ArrayBuffer of its own: moved when it owns all of one, else copied once. */
function ownBytes(b: Buffer): ArrayBuffer {
  const ab = b.buffer;
  if (b.byteOffset === 0 && b.byteLength === ab.byteLength && ab instanceof ArrayBuffer) return ab;
  return ab.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
