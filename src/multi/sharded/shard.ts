/**
 * One slot of a ShardedMulti: the Multi it has in one pool worker, seen from the main thread. It
 * keeps that Multi's running transfers and the TLS objects sent to it, answers stats() and timeout()
 * by asking the worker (synchronously, through shared memory), and when the worker ends unasked, ends
 * every transfer it ran with ERR_WORKER_LOST and opens its Multi again in the slot's new worker.
 */
import { HiperError } from '../../shared/errors.js';
import type { MultiOptions, MultiStats, RetryEvent, TransferInfo, TransferOptions } from '../types.js';
import type { ConnectionIds } from './connection-ids.js';
import { REPORT_BYTES, STAT_NAMES, type CallbackFlags, type FromMulti, type ToWorker, type WireTransferOptions } from './protocol.js';
import type { RemoteTransfer, TransferLink } from './remote-transfer.js';
import type { HostedPort, PoolWorker, WorkerPool } from './worker-pool.js';
import { fromWire, fromWireValue } from './wire.js';
import { IdTable } from '../../shared/id-table.js';

/** A worker's counters and when its next timer is due (this thread's clock, -1 none). */
export interface ShardSnapshot {
  stats: MultiStats;
  due: number;
}

/** The body of a result whose slices went to onData (or that had none): one shared empty Buffer, as in Multi. */
const EMPTY_BODY = Buffer.alloc(0);

/** How long stats() and timeout() wait for a worker's report before they take its last one. */
const REPORT_WAIT_MS = 1000;

const EMPTY_SNAPSHOT: ShardSnapshot = {
  stats: { transfersRunning: 0, transfersQueued: 0, connections: 0, connectionsIdle: 0, connectionsOpened: 0, connectionsClosedIdle: 0, retries: 0 },
  due: -1,
};

export interface ShardInit {
  /** The ShardedMulti's id among the Multis the workers host. */
  m: number;
  slot: number;
  options: MultiOptions;
  pool: WorkerPool;
  ids: ConnectionIds;
  /** Its worker was replaced: the counters of the one that ended, so the ShardedMulti's stats keep them. */
  onReplaced: (last: MultiStats) => void;
}

export class Shard implements TransferLink, HostedPort {
  private worker: PoolWorker;
  private readonly live = new IdTable<RemoteTransfer>();
  private readonly tlsSent = new Set<number>();
  private readonly report = new SharedArrayBuffer(REPORT_BYTES);
  private readonly reportFlag = new Int32Array(this.report, 0, 1);
  private readonly reportValues = new Float64Array(this.report, 8, STAT_NAMES.length + 1);
  /** The last report (kept for when the worker cannot answer). */
  private snap: ShardSnapshot = EMPTY_SNAPSHOT;
  private closing: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(private readonly o: ShardInit) {
    this.worker = this.open();
  }

  get running(): number {
    return this.live.size;
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  add(t: RemoteTransfer, options: WireTransferOptions, calls: CallbackFlags, tls?: { ref: number; value: TransferOptions['tls'] }): void {
    this.live.set(t.id, t);
    this.worker.running(1);
    this.o.pool.syncTable();
    const m: ToWorker = { t: 'add', m: this.o.m, id: t.id, options, calls };
    if (tls !== undefined) {
      m.tlsRef = tls.ref;
      if (!this.tlsSent.has(tls.ref)) {
        this.tlsSent.add(tls.ref);
        m.tls = tls.value;
      }
    }
    this.worker.post(m);
  }

  forgetTls(ref: number): void {
    if (this.tlsSent.delete(ref)) this.worker.post({ t: 'forget-tls', m: this.o.m, ref });
  }

  /**
   * The worker's counters and next timer, now: asked for and waited for (the worker answers from its
   * own thread in microseconds; the last report if it does not within REPORT_WAIT_MS).
   */
  now(): ShardSnapshot {
    if (this.worker.gone) return this.snap;
    Atomics.store(this.reportFlag, 0, 0);
    this.worker.postNow({ t: 'report', m: this.o.m });
    if (Atomics.wait(this.reportFlag, 0, 0, REPORT_WAIT_MS) === 'timed-out') return this.snap;
    const v = this.reportValues;
    const stats = {} as MultiStats;
    STAT_NAMES.forEach((name, i) => (stats[name] = v[i]!));
    this.snap = { stats, due: v[STAT_NAMES.length]! };
    return this.snap;
  }

  /** Ends every transfer here with the error `why` makes for its url (quiet: the caller asked for it). */
  failAll(why: (url: string) => HiperError): void {
    for (const t of this.live.values()) t.endHere(why(t.info.url), true);
  }

  /** Closes its Multi in the worker (the worker stays, for other ShardedMultis). */
  close(): Promise<void> {
    if (this.closing === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.closing = { promise, resolve };
      if (this.worker.gone) resolve();
      else {
        this.worker.running(1); // held open until its Multi has closed
        this.worker.post({ t: 'close', m: this.o.m });
      }
    }
    return this.closing.promise;
  }

  /** Ends its worker's thread (for every ShardedMulti it hosts a Multi for). */
  terminate(): Promise<void> {
    return this.worker.terminate();
  }

  // --- TransferLink

  hold(id: number): void {
    this.worker.post({ t: 'hold', m: this.o.m, id });
  }

  release(id: number): void {
    this.worker.post({ t: 'release', m: this.o.m, id });
  }

  ack(id: number, bytes: number): void {
    this.worker.post({ t: 'ack', m: this.o.m, id, bytes });
  }

  drop(id: number): void {
    this.worker.post({ t: 'remove', m: this.o.m, id });
  }

  ended(t: RemoteTransfer): void {
    if (this.live.delete(t.id)) this.worker.running(-1);
  }

  // --- HostedPort

  onMessage(m: FromMulti): void {
    switch (m.t) {
      case 'head': {
        const t = this.live.get(m.id);
        if (t === undefined) return;
        t.noteInfo(this.infoOf(m.info));
        t.onHead(m.head);
        return;
      }
      case 'data':
        this.live.get(m.id)?.onData(Buffer.from(m.chunk), m.size);
        return;
      case 'retry': {
        const event: RetryEvent = { reason: m.reason, delay: m.delay, left: m.left };
        if (m.status !== undefined) event.status = m.status;
        if (m.error !== undefined) event.error = fromWire(m.error) as HiperError;
        this.live.get(m.id)?.onRetry(event);
        return;
      }
      case 'done': {
        const t = this.live.get(m.id);
        if (t === undefined) return;
        t.noteInfo(this.infoOf(m.info));
        t.onDone(m.head, m.trailers, m.body === undefined ? EMPTY_BODY : Buffer.from(m.body));
        return;
      }
      case 'failed': {
        const t = this.live.get(m.id);
        if (t === undefined) return;
        t.noteInfo(this.infoOf(m.info));
        t.fail(fromWire(m.error) as HiperError);
        return;
      }
      case 'closed':
        this.worker.running(-1);
        this.worker.detach(this.o.m);
        this.closing?.resolve();
    }
  }

  onLost(exitCode: number, error: Error | undefined): void {
    const why = error !== undefined ? error.message : `exit code ${exitCode}`;
    for (const t of this.live.values()) {
      t.fail(new HiperError('ERR_WORKER_LOST', `worker thread ${this.o.slot} of the ShardedMulti ended (${why}) before the transfer of ${t.info.url} did`, {
        input: t.info.url, details: { slot: this.o.slot, exitCode, ...(error !== undefined ? { error: error.message } : {}) }, ...(error !== undefined ? { cause: error } : {}),
      }));
    }
    this.o.ids.forget(this.o.slot);
    this.o.onReplaced(this.snap.stats);
    this.snap = EMPTY_SNAPSHOT;
    this.tlsSent.clear();
    if (this.closing !== undefined) {
      this.closing.resolve();
      return;
    }
    this.worker = this.open();
  }

  /** Opens its Multi in the slot's worker. */
  private open(): PoolWorker {
    const w = this.o.pool.worker(this.o.slot);
    w.attach(this.o.m, this);
    w.post({ t: 'open', m: this.o.m, options: this.o.options, report: this.report });
    return w;
  }

  /** A worker's info as this thread shows it: errors made again, the connection id given here. */
  private infoOf(wire: TransferInfo): TransferInfo {
    const info = wire;
    // Only the connect trace may hold errors (its attempts').
    if (info.connectTrace !== undefined) info.connectTrace = fromWireValue(info.connectTrace) as TransferInfo['connectTrace'];
    if (info.connectionId !== undefined) info.connectionId = this.o.ids.of(this.o.slot, info.connectionId);
    return info;
  }
}
