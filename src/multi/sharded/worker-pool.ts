/**
 * The process's worker threads for ShardedMultis. Starting a thread and loading hiper into it takes
 * about 0.1-0.2 s of CPU, so threads are kept and shared: a ShardedMulti opens a Multi in each of the
 * first N workers (slot 0 to N-1), started as first needed. A worker no ShardedMulti uses ends after
 * IDLE_MS; none keeps the process alive unless one of its transfers is running. The pool answers the
 * workers' lookups with this thread's resolver (one DNS cache) and sends them this thread's interface
 * table and each change of it. A worker that ends unasked tells the Multis it hosted, and the next
 * one asked for its slot is a new thread.
 */
import { Worker } from 'node:worker_threads';
import { interfaceTable, watchInterfaces } from '../../bind/live.js';
import type { InterfaceTable } from '../../bind/interfaces.js';
import { resolve as mainResolver } from '../../resolve/index.js';
import type { ResolveOptions } from '../../resolve/types.js';
import type { FromMulti, FromWorker, ToWorker, WireTable } from './protocol.js';
import { tableToWire } from './table-wire.js';
import { toWire } from './wire.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** A worker that hosts no Multi for this long ends. */
const IDLE_MS = 10_000;

/** What a worker tells a Multi it hosts. */
export interface HostedPort {
  onMessage(m: FromMulti): void;
  /** The thread ended unasked (`error`: what it threw, if it did). */
  onLost(exitCode: number, error: Error | undefined): void;
}

export class PoolWorker {
  private readonly worker: Worker;
  private readonly hosted = new Map<number, HostedPort>();
  private readonly lookups = new Map<number, AbortController>();
  /** Transfers running in its Multis: while any is, the worker keeps the process alive. */
  private busy = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private lastError: Error | undefined;
  private outbox: ToWorker[] = [];
  gone = false;

  constructor(readonly slot: number, table: WireTable, private readonly pool: WorkerPool) {
    this.worker = new Worker(WORKER_URL, { workerData: { table, timeOrigin: performance.timeOrigin } });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => (this.lastError = err));
    this.worker.on('exit', (code) => this.onExit(code));
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  attach(m: number, port: HostedPort): void {
    this.hosted.set(m, port);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  detach(m: number): void {
    this.hosted.delete(m);
    if (this.hosted.size > 0 || this.gone) return;
    this.idleTimer = setTimeout(() => {
      // Out of the pool first: a ShardedMulti made from now on gets a new worker, never this ending one.
      this.gone = true;
      this.pool.ended(this);
      void this.worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  /** Sends `m` with the other messages of this turn of the event loop (one postMessage for a burst of adds). */
  post(m: ToWorker): void {
    if (this.gone) return;
    if (this.outbox.length === 0) queueMicrotask(this.flush);
    this.outbox.push(m);
  }

  /** Sends `m` now (after what waits in the outbox): the caller waits for its answer. */
  postNow(m: ToWorker): void {
    if (this.gone) return;
    this.flush();
    this.worker.postMessage(m);
  }

  private readonly flush = (): void => {
    const items = this.outbox;
    if (items.length === 0) return;
    this.outbox = [];
    if (!this.gone) this.worker.postMessage(items.length === 1 ? items[0] : { t: 'batch', items } satisfies ToWorker);
  };

  /** One more (+1) or one less (-1) transfer running in it. */
  running(delta: 1 | -1): void {
    this.busy += delta;
    if (this.busy === 1 && delta === 1) this.worker.ref();
    else if (this.busy === 0) this.worker.unref();
  }

  /** Ends the thread now; the Multis it hosted are told as for any death. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'batch':
        for (const item of m.items) this.onMessage(item);
        return;
      case 'lookup':
        return this.lookup(m.rid, m.host, m.options);
      case 'lookup-abort':
        this.lookups.get(m.rid)?.abort();
        return;
      default:
        this.hosted.get(m.m)?.onMessage(m);
    }
  }

  /** A worker's lookup, through this thread's resolver and its cache. */
  private lookup(rid: number, host: string, options: ResolveOptions): void {
    const abort = new AbortController();
    this.lookups.set(rid, abort);
    mainResolver(host, { ...options, signal: abort.signal }).then(
      (records) => {
        this.lookups.delete(rid);
        this.post({ t: 'looked-up', rid, records });
      },
      (err: unknown) => {
        this.lookups.delete(rid);
        this.post({ t: 'lookup-failed', rid, error: toWire(err) });
      },
    );
  }

  private onExit(code: number): void {
    this.gone = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    for (const a of this.lookups.values()) a.abort();
    this.lookups.clear();
    this.pool.ended(this);
    const hosted = [...this.hosted.values()];
    this.hosted.clear();
    for (const h of hosted) h.onLost(code, this.lastError);
  }
}

export class WorkerPool {
  private readonly slots: Array<PoolWorker | undefined> = [];
  private table: WireTable | undefined;
  /** The table `table` was made from. */
  private tableSource: InterfaceTable | undefined;
  private linkWatch: { stop: () => void } | undefined;

  /** The worker of `slot`, started if there is none (or it ended). */
  worker(slot: number): PoolWorker {
    let w = this.slots[slot];
    if (w === undefined || w.gone) {
      w = new PoolWorker(slot, this.currentTable(), this);
      this.slots[slot] = w;
    }
    return w;
  }

  ended(w: PoolWorker): void {
    if (this.slots[w.slot] === w) this.slots[w.slot] = undefined;
    if (this.slots.every((s) => s === undefined)) {
      this.linkWatch?.stop();
      this.linkWatch = undefined;
      this.table = undefined;
    }
  }

  /** This thread's table, followed from the first worker on: each change goes to every worker. */
  private currentTable(): WireTable {
    if (this.table === undefined) {
      this.table = tableToWire((this.tableSource = interfaceTable()));
      const w = watchInterfaces((_changes, table) => this.send(table));
      if ('stop' in w) this.linkWatch = w;
    }
    return this.table;
  }

  /**
   * Before a transfer is handed to a worker: a table read again on this thread since the last one sent
   * (a refresh, whose listeners hear of it only on the next turn) goes first, so the worker plans on it.
   */
  syncTable(): void {
    if (this.table === undefined) return;
    const now = interfaceTable();
    if (now !== this.tableSource) this.send(now);
  }

  private send(table: InterfaceTable): void {
    if (table === this.tableSource && this.table !== undefined) return;
    const wire = (this.table = tableToWire((this.tableSource = table)));
    for (const s of this.slots) s?.post({ t: 'table', table: wire });
  }
}

/** The one pool of this thread. */
export const workerPool = new WorkerPool();
