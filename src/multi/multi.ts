/**
 * Multi: many transfers on one thread (libcurl's multi interface), the façade over the parts that do
 * the work: the pool (pool.ts: which connection, limits, idle connections), the dispatcher
 * (dispatcher.ts: which waiting transfer goes next, and onto what), the opener (opener.ts: new
 * connections) and the retry decision (retry.ts). Transfers wait in their host's line; every event
 * touches only its own host and connection, and all timers live in one heap, so per-event cost does
 * not grow with the number of connections or transfers.
 */
import { HiperError } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { SlotSet } from '../shared/slot-set.js';
import { connectHost } from '../shared/url.js';
import { watchInterfaces, type InterfaceChange, type InterfaceTable } from '../bind/index.js';
import { resolve as defaultResolver } from '../resolve/index.js';
import { connect as defaultConnector } from '../connect/index.js';
import { Dispatcher } from './dispatcher.js';
import { lossesOf, lossOf } from './egress-loss.js';
import { givesWay, linksBack, LinkMemory } from './failover.js';
import { ONLY_HTTP11, type Host } from './host.js';
import { ConnectionOpener } from './opener.js';
import { checkMultiOptions, egressKey } from './options.js';
import { Pool } from './pool.js';
import type { ConnectionOwner, PooledConnection } from './pooled-connection.js';
import { checkedTransfer } from './request.js';
import { DEFAULT_MAX_TRIES, isIdempotent, isPipelinable, retryVerdict, type RetryVerdict } from './retry.js';
import { TimerHeap } from './timers.js';
import { TransferImpl } from './transfer.js';
import type { MultiApi, MultiOptions, MultiStats, Transfer, TransferOptions } from './types.js';

const DEFAULTS = {
  maxPipelineLength: 5,
  maxConnections: Infinity,
  maxConnectionsPerHost: 6,
  maxIdleTime: 118_000,
  pipelinePenaltySize: 1024 * 1024,
  maxTries: DEFAULT_MAX_TRIES,
};

export class Multi implements MultiApi, ConnectionOwner {
  private readonly clock: Clock;
  private readonly timers: TimerHeap;
  private readonly o: Required<Pick<MultiOptions, keyof typeof DEFAULTS>> & MultiOptions;
  private readonly pool: Pool;
  private readonly opener: ConnectionOpener;
  private readonly dispatcher: Dispatcher;
  /** Running transfers (not a Set: see slot-set.ts). */
  private readonly live = new SlotSet<TransferImpl>();
  /**
   * Transfers waiting to run again (TransferOptions.retry), each with a process timer that keeps the
   * process alive meanwhile, as its socket would (the clock's timers do not).
   */
  private readonly waitingRuns = new Map<TransferImpl, ReturnType<typeof setTimeout>>();
  private transferSeq = 0;
  private retries = 0;
  private closed = false;
  /** Interface lists: the link that last served each, and when links came back (failover.ts). */
  private readonly links = new LinkMemory();
  /** The live interface table's subscription, from the first pinned connection until close(). */
  private linkWatch: { stop: () => void } | undefined;

  constructor(options: MultiOptions = {}) {
    checkMultiOptions(options);
    const o = (this.o = { ...DEFAULTS, ...definedOnly(options) });
    this.clock = options.clock ?? systemClock;
    this.timers = new TimerHeap(this.clock);
    this.pool = new Pool({ limits: o, timers: this.timers, clock: this.clock });
    this.opener = new ConnectionOpener({
      pool: this.pool, connector: options.connector ?? defaultConnector, clock: this.clock, owner: this, defaults: o,
      isClosed: () => this.closed, onPinned: () => this.followLinks(), links: this.links,
    });
    this.dispatcher = new Dispatcher({ pool: this.pool, rules: o, clock: this.clock, open: (host, t, then) => this.opener.open(host, t, then) });
  }

  add(options: TransferOptions): Transfer {
    if (this.closed) throw new HiperError('ERR_INVALID_ARGUMENT', 'this Multi is closed; make a new one', { input: 'add' });
    const { target, method, request } = checkedTransfer(options);
    const hasBody = options.body !== undefined;
    const idempotent = isIdempotent(method, hasBody, options.idempotent);
    const pipelinable = isPipelinable(method, hasBody);
    const https = target.scheme === 'https';
    // Connections offered only http/1.1 are a pool of their own.
    const version = options.httpVersion ?? this.o.httpVersion;
    const only11 = https && (version === '1.1' || version === '1.0');
    const egress = egressKey(options, https ? options.tls ?? this.o.tls : undefined) + (only11 ? ONLY_HTTP11 : '');
    const hostKey = `${target.scheme}|${connectHost(target)}|${target.port}|${egress}`;
    const maxBodySize = options.maxBodySize ?? this.o.maxBodySize;
    const t = new TransferImpl({ id: ++this.transferSeq, options, target, method, request, idempotent, pipelinable, hostKey, egress, maxBodySize, maxTries: this.o.maxTries, clock: this.clock });
    t.onEnd = this.onTransferEnd;
    t.resend = this.resend;
    this.live.add(t);
    const timeout = options.timeout ?? this.o.timeout;
    if (timeout !== undefined) {
      // The bound of the whole transfer, retries included: never retried itself.
      t.timer = this.timers.add(timeout, () => t.fail(new HiperError('ERR_TIMEOUT', `the transfer of ${t.info.url} took longer than ${timeout} ms`, { input: t.info.url }), false, true));
    }
    if (options.lowSpeed) this.armLowSpeed(t, options.lowSpeed);
    if (options.retry !== undefined) t.rerun = this.rerun;

    let host = this.pool.host(hostKey);
    if (host === undefined) {
      host = this.pool.hostOf(t);
      if (this.pool.sharing && !options.connectTo?.length) {
        const made = host;
        this.pool.resolveForSharing(made, t, this.o.resolver ?? defaultResolver, () => this.dispatcher.dispatch(made));
      }
    }
    host.waiting.push(t);
    if (!host.resolving) this.dispatcher.dispatchSoon(host);
    return t;
  }

  remove(transfer: Transfer): boolean {
    const t = transfer as TransferImpl;
    if (!this.live.has(t)) return false;
    t.fail(new HiperError('ERR_ABORTED', `the transfer of ${t.info.url} was removed`, { input: t.info.url }), true);
    return true;
  }

  timeout(): number {
    return this.timers.timeout();
  }

  stats(): MultiStats {
    let queued = 0;
    for (const t of this.live) if (t.state === 'queued') queued++;
    return {
      transfersRunning: this.live.size,
      transfersQueued: queued,
      connections: this.pool.size,
      connectionsIdle: this.pool.idleCount,
      connectionsOpened: this.pool.counters.connectionsOpened,
      connectionsClosedIdle: this.pool.counters.connectionsClosedIdle,
      retries: this.retries,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.live.snapshot()) t.fail(new HiperError('ERR_ABORTED', `the Multi was closed before the transfer of ${t.info.url} ended`, { input: t.info.url }), true);
    const closing = [...this.pool.connections()].map((c) => new Promise<void>((resolve) => {
      if (c.closed) return resolve();
      c.socket.once('close', () => resolve());
      c.close();
    }));
    this.opener.abortAll();
    this.timers.clear();
    this.linkWatch?.stop();
    await Promise.all(closing);
  }

  // --- ConnectionOwner

  onCapacity(conn: PooledConnection): void {
    const hosts = this.pool.onCapacity(conn);
    if (hosts === undefined) return;
    for (const h of hosts) this.dispatcher.dispatch(h);
  }

  onClosed(conn: PooledConnection, unanswered: TransferImpl[]): void {
    const hosts = this.pool.release(conn);
    const retry: TransferImpl[] = [];
    for (const t of unanswered) {
      if (t.ended) continue;
      const verdict = this.verdictFor(conn, t, conn.unprocessed.has(t));
      if (verdict === 'retry') {
        retry.push(this.requeued(t));
      } else {
        const bytes = t.cutOffBytes;
        const how = bytes === undefined ? 'before answering' : `in the middle of the response (after ${bytes} body bytes) to`;
        const details = { tries: t.info.tries, bytes: bytes ?? 0 };
        if (verdict === 'ERR_PIPELINE_ABORTED') {
          t.fail(new HiperError(verdict, `connection ${conn.id} to ${conn.remote()} closed ${how} ${t.info.url}, sent ${t.info.tries} time${t.info.tries === 1 ? '' : 's'} without a whole answer`, { input: t.info.url, details }));
        } else {
          t.fail(new HiperError(verdict, `connection ${conn.id} to ${conn.remote()} closed ${how} ${t.method} ${t.info.url}, which is not sent again (${t.handedOut ? 'part of its response was delivered' : t.idempotent ? 'its body was streamed' : 'not idempotent'})`, { input: t.info.url, details }));
        }
      }
    }
    // Back to the front of their hosts' lines, in their order.
    const homes = new Map<Host, TransferImpl[]>();
    for (const t of retry) {
      const home = this.pool.hostOf(t);
      homes.set(home, [...(homes.get(home) ?? []), t]);
    }
    for (const [home, ts] of homes) {
      home.waiting.pushFront(ts);
      hosts.add(home);
    }
    for (const h of hosts) this.dispatcher.dispatch(h);
    this.dispatcher.feedStarved();
  }

  onTurnedAway(conn: PooledConnection, t: TransferImpl, unprocessed: boolean, error: HiperError): void {
    if (t.ended) return;
    if (this.verdictFor(conn, t, unprocessed) !== 'retry') {
      t.fail(error);
      return;
    }
    const home = this.pool.hostOf(t);
    home.waiting.pushFront([this.requeued(t)]);
    this.dispatcher.dispatch(home);
  }

  private verdictFor(conn: PooledConnection, t: TransferImpl, unprocessed: boolean): RetryVerdict {
    return retryVerdict({
      idempotent: t.idempotent, replayable: t.request.source === undefined, handedOut: t.handedOut, tries: t.info.tries - t.triesBeforeRun, maxTries: this.o.maxTries,
      multiplexed: conn.multiplexed, unprocessed, progress: (this.pool.host(t.hostKey)?.answered ?? 0) > t.answeredAtPreviousSend,
    });
  }

  /** Back to waiting, for a connection newer than any now open. */
  private requeued(t: TransferImpl): TransferImpl {
    t.state = 'queued';
    t.carrier = undefined;
    t.minConnectionId = this.pool.nextConnectionId;
    this.retries++;
    return t;
  }

  /**
   * A cut-off body is resumed: the range request goes first in its host's line, on a connection newer
   * than any now open; after the connection that cut it has been handed back (hence the microtask).
   */
  private readonly resend = (t: TransferImpl): void => {
    t.minConnectionId = this.pool.nextConnectionId;
    queueMicrotask(() => {
      if (t.ended || this.closed) return;
      const home = this.pool.hostOf(t);
      home.waiting.pushFront([t]);
      if (!home.resolving) this.dispatcher.dispatch(home);
    });
  };

  /** TransferOptions.retry: the transfer waits `delay` ms, then joins the back of its host's line like a new one. */
  private readonly rerun = (t: TransferImpl, delay: number): void => {
    // Slow while it waits is not slow: its low-speed check starts again with the run.
    this.timers.cancel(t.lowSpeedTimer);
    this.waitingRuns.set(t, setTimeout(() => {}, delay));
    t.retryTimer = this.timers.add(delay, () => {
      t.retryTimer = undefined;
      this.stopWaiting(t);
      if (t.ended || this.closed) return;
      if (t.options.lowSpeed) this.armLowSpeed(t, t.options.lowSpeed);
      const home = this.pool.hostOf(t);
      home.waiting.push(t);
      if (!home.resolving) this.dispatcher.dispatch(home);
    });
  };

  private stopWaiting(t: TransferImpl): void {
    const keep = this.waitingRuns.get(t);
    if (keep === undefined) return;
    clearTimeout(keep);
    this.waitingRuns.delete(t);
  }

  // --- the links under the connections

  /** Follows link and address changes once a connection is pinned to a link (no-op without netlink). */
  private followLinks(): void {
    if (this.linkWatch !== undefined || this.closed) return;
    const w = watchInterfaces((changes, table) => {
      this.onInterfaceChanges(changes);
      this.failBack(changes, table);
    });
    this.linkWatch = 'stop' in w ? w : { stop: () => {} };
  }

  /**
   * A pinned link went down or away, or a local address was removed: the connections through it end
   * at once, their transfers with ERR_EGRESS_LOST (not retried: the egress they asked for is gone; with
   * an interface list, the retry rules decide, as for any closed connection), and the hosts' waiting
   * transfers are dispatched again (connect then skips the link while it is down).
   */
  private onInterfaceChanges(changes: InterfaceChange[]): void {
    const losses = lossesOf(changes);
    if (losses.links.size === 0 && losses.addresses.size === 0) return;
    const lost = new Map<PooledConnection, { link?: string; why: string }>();
    for (const conn of this.pool.connections()) {
      const loss = lossOf(losses, conn.trace.pinnedLink, conn.trace.local.address);
      if (loss !== undefined) lost.set(conn, loss);
    }
    if (lost.size === 0) return;
    for (const t of this.live.snapshot()) {
      const loss = t.carrier === undefined ? undefined : lost.get(t.carrier as PooledConnection);
      if (loss === undefined) continue;
      // An interface list fails over: the connection's end hands its transfers to the retry rules, and
      // those sent again connect through the next link (the live table already shows this one down).
      if (this.pool.linkOrderOf(t.carrier as PooledConnection) !== undefined) continue;
      t.fail(new HiperError('ERR_EGRESS_LOST', `${loss.why}; the transfer of ${t.info.url} on connection ${t.carrier!.id} ended`, {
        input: loss.link ?? t.info.local?.address, details: { change: loss.why, ...(loss.link ? { link: loss.link } : {}) },
      }));
    }
    const hosts = new Set<Host>();
    for (const conn of lost.keys()) {
      for (const h of this.pool.release(conn)) hosts.add(h);
      conn.close();
    }
    for (const h of hosts) this.dispatcher.dispatch(h);
  }

  /**
   * An earlier link of an interface list is usable again: with failback, the connections on later
   * links of that list take no new transfer and close once idle (failover.ts), so the next connection
   * is made on the earlier link. Transfers already on them finish there.
   */
  private failBack(changes: InterfaceChange[], table: InterfaceTable): void {
    const back = linksBack(changes, table);
    if (back.size === 0) return;
    this.links.cameBack(back);
    const hosts = new Set<Host>();
    for (const conn of [...this.pool.connections()]) {
      const order = this.pool.linkOrderOf(conn);
      if (order === undefined || !givesWay(order, conn.trace.interface, back)) continue;
      for (const h of this.pool.retire(conn)) hosts.add(h);
    }
    for (const h of hosts) this.dispatcher.dispatch(h);
  }

  // --- per-transfer timers and endings

  private armLowSpeed(t: TransferImpl, { bytes, seconds }: { bytes: number; seconds: number }): void {
    t.lowSpeedTimer = this.timers.add(seconds * 1000, () => {
      const got = t.info.sizeDownload - t.bytesAtLastCheck;
      // Slow because its own reader is behind is not a slow server (libcurl exempts paused transfers too).
      if (got < bytes * seconds && !t.held) {
        t.fail(new HiperError('ERR_TIMEOUT', `the transfer of ${t.info.url} was slower than ${bytes} bytes/s for ${seconds} s (${got} bytes)`, { input: t.info.url, details: { lowSpeed: { bytes, seconds } } }));
        return;
      }
      t.bytesAtLastCheck = t.info.sizeDownload;
      this.armLowSpeed(t, { bytes, seconds });
    });
  }

  private readonly onTransferEnd = (t: TransferImpl): void => {
    this.live.delete(t);
    if (t.completed) {
      const host = this.pool.host(t.hostKey);
      if (host !== undefined) host.answered++;
    }
    this.timers.cancel(t.timer);
    this.timers.cancel(t.lowSpeedTimer);
    this.timers.cancel(t.retryTimer);
    this.stopWaiting(t);
    // Ended early (removed, timed out, a callback threw) while its request was on a connection.
    if (t.carrier !== undefined && !t.completed) t.carrier.abandon(t);
    else this.opener.leaderEnded(t);
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
