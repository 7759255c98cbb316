/**
 * ShardedMulti: the Multi API over one Multi per worker thread (the libcurl hiper design's "N threads,
 * each with a multi handle"). A transfer goes to the worker its pool key (scheme, host, port, egress)
 * hashes to, so the transfers that could share a connection meet in one Multi, and reuse, pipelining
 * and leader queueing work as in one. The workers look names up through this thread (one DNS cache)
 * and plan on this thread's interface table, sent to them with each change. Checks, errors, timeouts,
 * remove() and close() are those of one Multi; the callbacks run on this thread.
 *
 * What cannot cross a thread is refused, naming it: MultiOptions that are functions (connector,
 * resolver, clock, chooseConnection), objects of a class among the options (a resolve cache, a
 * signal), socketOptions.beforeConnect, and streamed request bodies (a body given whole is copied once
 * to the worker, the caller keeping its own bytes).
 */
import { availableParallelism } from 'node:os';
import { HiperError } from '../../shared/errors.js';
import { checkMultiOptions } from '../options.js';
import { checkedTransfer } from '../request.js';
import type { MultiApi, MultiOptions, MultiStats, Transfer, TransferOptions } from '../types.js';
import { ConnectionIds } from './connection-ids.js';
import { checkCrossing } from './crossing.js';
import type { CallbackFlags, WireTransferOptions } from './protocol.js';
import { RemoteTransfer } from './remote-transfer.js';
import { Shard } from './shard.js';
import { poolKey, shardOf } from './shard-key.js';
import { workerPool } from './worker-pool.js';

export interface ShardedMultiOptions extends MultiOptions {
  /** Worker threads, each running one Multi; default os.availableParallelism(). */
  workers?: number;
}

/** Names the Multis of each ShardedMulti among those the shared workers host. */
let multiSeq = 0;

/** MultiOptions that are functions: they run in the Multi, which is in another thread. */
const FUNCTION_OPTIONS = ['connector', 'resolver', 'clock', 'chooseConnection'] as const;
/** Transfer options that stay on this thread (their functions run here, driven by the worker's messages); body and url are checked apart. */
const STAYS_HERE = new Set(['onData', 'onHeaders', 'retry.onRetry', 'body', 'url']);

export class ShardedMulti implements MultiApi {
  private readonly shards: Shard[];
  private readonly defaults: Pick<MultiOptions, 'tls' | 'httpVersion'>;
  private seq = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Counters of workers that were replaced, so stats() keeps counting what they did. */
  private readonly retired = { connectionsOpened: 0, connectionsClosedIdle: 0, retries: 0 };
  private readonly connectionIds = new ConnectionIds();
  private readonly tlsRefs = new WeakMap<object, number>();
  private tlsSeq = 0;
  private readonly tlsGone = new FinalizationRegistry<number>((ref) => {
    for (const s of this.shards) s.forgetTls(ref);
  });

  constructor(options: ShardedMultiOptions = {}) {
    const { workers = availableParallelism(), ...multiOptions } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `ShardedMulti option workers must be an integer >= 1, got ${JSON.stringify(workers)}`, { input: 'workers', details: { value: workers } });
    }
    for (const name of FUNCTION_OPTIONS) {
      if (multiOptions[name] !== undefined) {
        throw new HiperError('ERR_INVALID_ARGUMENT', `ShardedMulti option ${name} cannot be given: it is a function, and the Multi it is for runs in a worker thread; use a Multi`, { input: name });
      }
    }
    checkMultiOptions(multiOptions);
    checkCrossing('ShardedMulti', multiOptions);
    this.defaults = { tls: multiOptions.tls, httpVersion: multiOptions.httpVersion };
    const m = ++multiSeq;
    this.shards = Array.from({ length: workers }, (_, slot) => new Shard({
      m, slot, options: multiOptions, pool: workerPool, ids: this.connectionIds,
      onReplaced: (last) => {
        this.retired.connectionsOpened += last.connectionsOpened;
        this.retired.connectionsClosedIdle += last.connectionsClosedIdle;
        this.retired.retries += last.retries;
      },
    }));
  }

  /** The worker threads' ids, in shard order. */
  get threadIds(): number[] {
    return this.shards.map((s) => s.threadId);
  }

  add(options: TransferOptions): Transfer {
    if (this.closed) throw new HiperError('ERR_INVALID_ARGUMENT', 'this Multi is closed; make a new one', { input: 'add' });
    const { target, method } = checkedTransfer(options);
    checkBody(options.body);
    checkCrossing('transfer', options, STAYS_HERE);
    const shard = this.shards[shardOf(poolKey(options, target, this.defaults), this.shards.length)]!;
    const t = new RemoteTransfer(++this.seq, options, target.href, method, shard);
    const { onData, onHeaders, tls, url, ...rest } = options;
    const wire = rest as WireTransferOptions;
    wire.url = typeof url === 'string' ? url : url.href;
    const calls: CallbackFlags = { onData: onData !== undefined, onHeaders: onHeaders !== undefined, onRetry: options.retry?.onRetry !== undefined };
    if (calls.onRetry) {
      const { onRetry, ...retry } = options.retry!;
      wire.retry = retry as typeof wire.retry;
    }
    shard.add(t, wire, calls, tls === undefined ? undefined : { ref: this.tlsRef(tls), value: tls });
    return t;
  }

  remove(transfer: Transfer): boolean {
    if (!(transfer instanceof RemoteTransfer) || transfer.ended || !this.shards.includes(transfer.link as Shard)) return false;
    transfer.endHere(new HiperError('ERR_ABORTED', `the transfer of ${transfer.info.url} was removed`, { input: transfer.info.url }), true);
    return true;
  }

  /** ms until the first worker's next timer is due, -1 when none is set (each worker asked, synchronously). */
  timeout(): number {
    let due = Infinity;
    for (const s of this.shards) {
      const d = s.now().due;
      if (d >= 0 && d < due) due = d;
    }
    return due === Infinity ? -1 : Math.max(0, Math.ceil(due - performance.now()));
  }

  /** Sums of the workers' counters (each asked, synchronously); running transfers as this thread counts them. */
  stats(): MultiStats {
    const s: MultiStats = { transfersRunning: 0, transfersQueued: 0, connections: 0, connectionsIdle: 0, ...this.retired };
    for (const shard of this.shards) {
      const w = shard.now().stats;
      s.transfersRunning += shard.running;
      s.transfersQueued += Math.min(w.transfersQueued, shard.running);
      s.connections += w.connections;
      s.connectionsIdle += w.connectionsIdle;
      s.connectionsOpened += w.connectionsOpened;
      s.connectionsClosedIdle += w.connectionsClosedIdle;
      s.retries += w.retries;
    }
    return s;
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true;
      for (const shard of this.shards) shard.failAll((url) => new HiperError('ERR_ABORTED', `the Multi was closed before the transfer of ${url} ended`, { input: url }));
      this.closing = Promise.all(this.shards.map((s) => s.close())).then(() => {});
    }
    return this.closing;
  }

  /** Ends the worker thread of shard `index` (one that is stuck, say): its transfers end with ERR_WORKER_LOST and a new worker takes its place. */
  async restartWorker(index: number): Promise<void> {
    const shard = this.shards[index];
    if (shard === undefined) throw new HiperError('ERR_INVALID_ARGUMENT', `restartWorker: there is no worker ${index} (0 to ${this.shards.length - 1})`, { input: index });
    await shard.terminate();
  }

  private tlsRef(tls: object): number {
    let ref = this.tlsRefs.get(tls);
    if (ref === undefined) {
      this.tlsRefs.set(tls, (ref = ++this.tlsSeq));
      this.tlsGone.register(tls, ref);
    }
    return ref;
  }
}

/** A body given whole crosses (copied once); a streamed one would have to be read here and forwarded, which ShardedMulti does not do. */
function checkBody(body: TransferOptions['body']): void {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return;
  if (Array.isArray(body) && body.every((b) => b instanceof Uint8Array)) return;
  throw new HiperError('ERR_INVALID_ARGUMENT', 'transfer option body is streamed (a Readable, a web stream or an async iterable): a ShardedMulti takes bodies given whole (a string, bytes or an array of bytes); use a Multi for streamed uploads', {
    input: 'body',
  });
}
