/**
 * Multi: many transfers on one thread (libcurl's multi interface). Transfers wait in their host's line
 * and are dispatched onto connections by the rules below; every event touches only its own host and
 * connection, and all timers live in one heap, so per-event cost does not grow with the number of
 * connections or transfers.
 *
 * Dispatch of the oldest waiting transfer of a host:
 *   1. an idle connection of the host (most recently used first);
 *   2. pipelining on and the transfer a GET/HEAD without body: if no pipeline has room and a leader
 *      (a connection being set up, or awaiting its first answer) is pending, wait for it; otherwise
 *      the chooser decides among the pipelinable connections with room (default: the shortest, else
 *      a new connection within the limits, else wait);
 *   3. otherwise a new connection within the limits, else wait.
 * For https the first handshake decides more: while it is in progress and the protocol is not yet
 * known, the host's transfers wait for it ("broadside"); if it picks h2, every transfer, whatever its
 * method, joins that session while it has streams free, and queues for it when it has none.
 */
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { connectHost, parseTargetUrl } from '../shared/url.js';
import { parseInterfaceSpec, watchInterfaces, type InterfaceChange } from '../bind/index.js';
import { resolve as defaultResolver } from '../resolve/index.js';
import { connect as defaultConnector, pickEgress, type ConnectOptions, type Connection, type Connector } from '../connect/index.js';
import { encodeRequest } from './h1/writer.js';
import { H1Connection, type ConnectionOwner } from './h1-connection.js';
import { H2Connection, type H2Owner } from './h2-connection.js';
import { Host, ONLY_HTTP11, keptTrace, penalised, type PoolConnection } from './host.js';
import { TimerHeap } from './timers.js';
import { TransferImpl } from './transfer.js';
import { checkMultiOptions, checkTransferOptions, egressKey } from './options.js';
import { lossesOf, lossOf } from './egress-loss.js';
import type { ConnectionChooser, ConnectionView, MultiApi, MultiOptions, MultiStats, Transfer, TransferOptions } from './types.js';

const DEFAULTS = {
  maxPipelineLength: 5,
  maxConnections: Infinity,
  maxConnectionsPerHost: 6,
  maxIdleTime: 118_000,
  pipelinePenaltySize: 1024 * 1024,
};

const NEW = 'new';
const WAIT = 'wait';

export class Multi implements MultiApi, ConnectionOwner, H2Owner {
  private readonly clock: Clock;
  private readonly timers: TimerHeap;
  private readonly connector: Connector;
  private readonly o: Required<Pick<MultiOptions, keyof typeof DEFAULTS>> & MultiOptions;
  private readonly hosts = new Map<string, Host>();
  /** Connections by what they really are (scheme, remote address, port, egress), for sharing across host names. */
  private readonly byRemote = new Map<string, Set<PoolConnection>>();
  /** Which hosts each connection serves (usually one). */
  private readonly servedBy = new Map<PoolConnection, Set<Host>>();
  /** Idle connections in all, oldest first: the first to go when the total limit is reached. */
  private readonly idleAll = new Set<PoolConnection>();
  /** Hosts waiting for the total connection limit to allow a new connection. */
  private readonly starved = new Set<Host>();
  private readonly live = new Set<TransferImpl>();
  private total = 0;
  private transferSeq = 0;
  private connectionSeq = 0;
  private closed = false;
  /** The live interface table's subscription, from the first pinned connection until close(). */
  private linkWatch: { stop: () => void } | undefined;
  private readonly counters = { connectionsOpened: 0, connectionsClosedIdle: 0, retries: 0 };

  constructor(options: MultiOptions = {}) {
    checkMultiOptions(options);
    this.o = { ...DEFAULTS, ...definedOnly(options) };
    this.clock = options.clock ?? systemClock;
    this.timers = new TimerHeap(this.clock);
    this.connector = options.connector ?? defaultConnector;
  }

  add(options: TransferOptions): Transfer {
    if (this.closed) throw new HiperError('ERR_INVALID_ARGUMENT', 'this Multi is closed; make a new one', { input: 'add' });
    checkTransferOptions(options);
    if (options.interface !== undefined) parseInterfaceSpec(options.interface);
    const target = parseTargetUrl(options.url);
    const method = options.method ?? 'GET';
    const request = encodeRequest({ method, path: target.path, host: target.authority, ...(options.headers ? { headers: options.headers } : {}), ...(options.body !== undefined ? { body: options.body } : {}) });
    const idempotent = (method === 'GET' || method === 'HEAD') && options.body === undefined;
    const https = target.scheme === 'https';
    // Connections offered only http/1.1 are a pool of their own.
    const only11 = https && (options.httpVersion ?? this.o.httpVersion) === '1.1';
    const egress = egressKey(options, https ? options.tls ?? this.o.tls : undefined) + (only11 ? ONLY_HTTP11 : '');
    const key = `${target.scheme}|${connectHost(target)}|${target.port}|${egress}`;
    const t = new TransferImpl(++this.transferSeq, options, target, method, request, idempotent, key, egress, this.clock);
    t.onEnd = this.onTransferEnd;
    this.live.add(t);
    const timeout = options.timeout ?? this.o.timeout;
    if (timeout !== undefined) {
      t.timer = this.timers.add(timeout, () => t.fail(new HiperError('ERR_TIMEOUT', `the transfer of ${t.info.url} took longer than ${timeout} ms`, { input: t.info.url })));
    }
    if (options.lowSpeed) this.armLowSpeed(t, options.lowSpeed);

    let host = this.hosts.get(key);
    if (host === undefined) {
      host = new Host(key, target.scheme, target.port, egress);
      this.hosts.set(key, host);
      if (this.byRemote.size > 0 && !options.connectTo?.length) this.resolveForSharing(host, t);
    }
    host.waiting.push(t);
    if (!host.resolving) this.dispatch(host);
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
      connections: this.servedBy.size,
      connectionsIdle: this.idleAll.size,
      ...this.counters,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [...this.live]) t.fail(new HiperError('ERR_ABORTED', `the Multi was closed before the transfer of ${t.info.url} ended`, { input: t.info.url }), true);
    const closing = [...this.servedBy.keys()].map((c) => new Promise<void>((resolve) => {
      if (c.closed) return resolve();
      c.socket.once('close', () => resolve());
      c.close();
    }));
    this.timers.clear();
    this.linkWatch?.stop();
    await Promise.all(closing);
  }

  // --- the links under the connections

  /** Follows link and address changes once a connection is pinned to a link (no-op without netlink). */
  private followLinks(): void {
    if (this.linkWatch !== undefined || this.closed) return;
    const w = watchInterfaces((changes) => this.onInterfaceChanges(changes));
    this.linkWatch = 'stop' in w ? w : { stop: () => {} };
  }

  /**
   * A pinned link went down or away, or a local address was removed: the connections through it end
   * at once, their transfers with ERR_EGRESS_LOST (not retried: the egress they asked for is gone),
   * and the hosts' waiting transfers are dispatched again (connect then skips the link while it is down).
   */
  private onInterfaceChanges(changes: InterfaceChange[]): void {
    const losses = lossesOf(changes);
    if (losses.links.size === 0 && losses.addresses.size === 0) return;
    const lost = new Map<PoolConnection, { link?: string; why: string }>();
    for (const conn of this.servedBy.keys()) {
      const loss = lossOf(losses, conn.trace.pinnedLink, conn.trace.local.address);
      if (loss !== undefined) lost.set(conn, loss);
    }
    if (lost.size === 0) return;
    for (const t of [...this.live]) {
      const loss = t.carrier === undefined ? undefined : lost.get(t.carrier as PoolConnection);
      if (loss === undefined) continue;
      t.fail(new HiperError('ERR_EGRESS_LOST', `${loss.why}; the transfer of ${t.info.url} on connection ${t.carrier!.id} ended`, {
        input: loss.link ?? t.info.local?.address, details: { change: loss.why, ...(loss.link ? { link: loss.link } : {}) },
      }));
    }
    const hosts = new Set<Host>();
    for (const conn of lost.keys()) {
      for (const h of this.release(conn)) hosts.add(h);
      conn.close();
    }
    for (const h of hosts) this.dispatch(h);
  }

  // --- ConnectionOwner

  onCapacity(conn: PoolConnection): void {
    const hosts = this.servedBy.get(conn);
    if (hosts === undefined) return;
    for (const h of hosts) {
      h.leaders.delete(conn.id);
      this.updateRoom(conn, h);
    }
    if (conn.depth === 0 && !conn.closing && conn.idleSince < 0) this.becomeIdle(conn, hosts);
    for (const h of hosts) this.dispatch(h);
  }

  onClosed(conn: PoolConnection, unanswered: TransferImpl[]): void {
    const hosts = this.release(conn);
    const retry: TransferImpl[] = [];
    for (const t of unanswered) {
      if (t.ended) continue;
      // RFC 9113 §8.7: a stream the server did not process (above its GOAWAY's last stream, or refused)
      // may be sent again whatever its method. While sessions keep answering some streams before going
      // away (a server's keepalive_requests), that is progress, and does not use up the one retry.
      const unprocessed = conn.multiplexed && conn.unprocessed.has(t);
      const progressed = unprocessed && conn.responses > 0;
      if ((t.idempotent || unprocessed) && (t.info.tries < 2 || progressed)) {
        // RFC 9112 §9.3.2: an idempotent request that got no answer may be sent again, on a new connection.
        t.state = 'queued';
        t.carrier = undefined;
        t.minConnectionId = this.connectionSeq + 1;
        this.counters.retries++;
        retry.push(t);
      } else if (t.idempotent) {
        t.fail(new HiperError('ERR_PIPELINE_ABORTED', `connection ${conn.id} to ${conn.remote()} closed before answering ${t.info.url}, which had already been tried once`, { input: t.info.url }));
      } else {
        t.fail(new HiperError('ERR_CONNECTION_CLOSED', `connection ${conn.id} to ${conn.remote()} closed before answering ${t.method} ${t.info.url}, which is not retried (not idempotent)`, { input: t.info.url }));
      }
    }
    // Back to the front of their hosts' lines, in their order.
    const homes = new Map<Host, TransferImpl[]>();
    for (const t of retry) {
      const home = this.hostOf(t);
      homes.set(home, [...(homes.get(home) ?? []), t]);
    }
    for (const [home, ts] of homes) {
      home.waiting.pushFront(ts);
      hosts.add(home);
    }
    for (const h of hosts) this.dispatch(h);
    this.feedStarved();
  }

  // --- dispatch

  private dispatch(host: Host): void {
    for (let t = host.waiting.peek(); t !== undefined; t = host.waiting.peek()) {
      const choice = this.pick(host, t);
      if (choice === WAIT) break;
      host.waiting.shift();
      if (choice === NEW) this.open(host, t);
      else this.send(choice, t, host);
    }
    if (host.empty) this.hosts.delete(host.key);
  }

  private pick(host: Host, t: TransferImpl): PoolConnection | typeof NEW | typeof WAIT {
    const minId = t.minConnectionId;
    const idle = host.takeIdle(minId);
    if (idle !== undefined) return idle;
    if (host.protocol === 'h2' || (host.protocol === undefined && host.offersH2)) {
      const session = host.shortestWithRoom(minId, Infinity);
      if (session !== undefined) return session;
      // Queue for the session (or the handshake that may bring one) rather than open another.
      if (host.hasLiveSession(minId) || host.hasLeader(minId)) return WAIT;
    }
    const canOpen = this.canOpen(host);
    if (this.o.pipelining && t.idempotent) {
      const custom = this.o.chooseConnection;
      if (custom === undefined) {
        const best = host.shortestWithRoom(t.minConnectionId, this.o.pipelinePenaltySize);
        if (best !== undefined) return best;
        if (host.hasLeader(t.minConnectionId)) return WAIT;
      } else {
        const best = this.askChooser(custom, host, t, canOpen);
        if (best !== undefined) return best;
      }
    }
    if (canOpen) return NEW;
    if (host.size < this.o.maxConnectionsPerHost) this.starved.add(host);
    return WAIT;
  }

  private askChooser(chooser: ConnectionChooser, host: Host, t: TransferImpl, canOpen: boolean): PoolConnection | typeof WAIT | undefined {
    const now = this.clock.now();
    const candidates = [...host.withRoom].filter((c) => c.id >= t.minConnectionId && !penalised(c, this.o.pipelinePenaltySize));
    if (candidates.length === 0 && host.hasLeader(t.minConnectionId)) return WAIT;
    const views: ConnectionView[] = candidates.map((c) => ({ id: c.id, depth: c.depth, bytesOutstanding: c.bytesOutstanding, ageMs: now - c.createdAt, remote: { address: c.trace.remote.address, port: c.trace.remote.port } }));
    const choice = chooser(views, canOpen);
    if (choice === NEW) return canOpen ? undefined : WAIT;
    if (choice === WAIT) return WAIT;
    const conn = candidates.find((c) => c.id === choice);
    if (conn === undefined) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `chooseConnection returned ${JSON.stringify(choice)}, which is neither a candidate's id nor 'new' or 'wait'`, { input: choice });
    }
    return conn;
  }

  private canOpen(host: Host): boolean {
    if (host.size >= this.o.maxConnectionsPerHost) return false;
    if (this.total < this.o.maxConnections) return true;
    // At the total limit: the oldest idle connection anywhere makes room.
    const oldest = this.idleAll.values().next().value;
    if (oldest === undefined) return false;
    this.closeIdle(oldest, false);
    return this.total < this.o.maxConnections;
  }

  private send(conn: PoolConnection, t: TransferImpl, host: Host): void {
    if (conn.idleSince >= 0) {
      // Its idle timer stays: when it fires it finds the connection busy, or idle since later (idleExpired).
      conn.idleSince = -1;
      this.idleAll.delete(conn);
    }
    conn.send(t);
    const trace = conn.trace;
    t.info.local = trace.local;
    t.info.remote = { address: trace.remote.address, port: trace.remote.port };
    t.info.bindMethod = trace.bindMethod;
    if (trace.interface !== undefined) t.info.interface = trace.interface;
    if (trace.egressInterface !== undefined) t.info.egressInterface = trace.egressInterface;
    if (trace.alpn !== undefined) t.info.alpn = trace.alpn;
    if (trace.tlsVersion !== undefined) t.info.tlsVersion = trace.tlsVersion;
    this.updateRoom(conn, host);
  }

  private updateRoom(conn: PoolConnection, host: Host): void {
    // An h2 session takes one stream before the server's SETTINGS tell its limit, then up to the limit.
    const room = conn.multiplexed ? conn.hasRoom && (conn.pipelinable || conn.depth === 0) : conn.pipelinable && !conn.closing && conn.depth > 0 && conn.depth < this.o.maxPipelineLength;
    if (room) host.withRoom.add(conn);
    else host.withRoom.delete(conn);
  }

  /**
   * At most one idle timer per connection, left in the heap while the connection is busy, so that a
   * connection going busy and idle with every request costs no timer work.
   */
  private becomeIdle(conn: PoolConnection, hosts: Set<Host>): void {
    conn.idleSince = this.clock.now();
    this.idleAll.add(conn);
    for (const h of hosts) h.pushIdle(conn);
    conn.idleTimer ??= this.timers.add(this.o.maxIdleTime, () => this.idleExpired(conn));
  }

  private idleExpired(conn: PoolConnection): void {
    conn.idleTimer = undefined;
    if (conn.idleSince < 0 || !this.servedBy.has(conn)) return;
    const due = conn.idleSince + this.o.maxIdleTime;
    const now = this.clock.now();
    if (now >= due) this.closeIdle(conn, true);
    else conn.idleTimer = this.timers.add(due - now, () => this.idleExpired(conn));
  }

  private closeIdle(conn: PoolConnection, expired: boolean): void {
    if (expired) this.counters.connectionsClosedIdle++;
    this.release(conn);
    conn.close();
  }

  // --- opening connections

  private open(host: Host, t: TransferImpl): void {
    const id = ++this.connectionSeq;
    host.connecting++;
    host.leaders.add(id);
    this.total++;
    this.counters.connectionsOpened++;
    t.state = 'connecting';
    t.info.numConnects++;
    const openedAt = t.elapsed();
    const settle = (): void => {
      host.connecting--;
      this.total--;
    };
    this.connector(this.connectOptions(host, t)).then(
      (c) => {
        settle();
        this.connected(host, t, id, c, openedAt);
      },
      (err: unknown) => {
        settle();
        host.leaders.delete(id);
        // The leader fails; the transfers that waited for it move on to a connection of their own.
        if (!t.ended) t.fail(asHiperError(err, t.info.url));
        this.dispatch(host);
        this.feedStarved();
      },
    );
  }

  private connectOptions(host: Host, t: TransferImpl): ConnectOptions {
    const o = t.options;
    const target = t.target;
    const c = pickEgress<ConnectOptions>(o, { host: connectHost(target), port: target.port, clock: this.clock });
    const limit = o.connectTimeout ?? this.o.connectTimeout;
    if (limit !== undefined) c.timeout = limit;
    if (host.addresses !== undefined) {
      const addresses = host.addresses;
      c.resolver = () => Promise.resolve(addresses);
    } else if (this.o.resolver !== undefined) {
      c.resolver = this.o.resolver;
    }
    if (target.scheme === 'https') c.tls = { ...(o.tls ?? this.o.tls), ALPNProtocols: host.offersH2 ? ['h2', 'http/1.1'] : ['http/1.1'] };
    return c;
  }

  private connected(host: Host, t: TransferImpl, id: number, { socket, trace }: Connection, openedAt: number): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const key = host.remoteKey(trace.remote.address);
    const kept = keptTrace(trace, t.options.interface !== undefined || t.options.localAddress !== undefined);
    if (kept.pinnedLink !== undefined) this.followLinks();
    const conn = trace.alpn === 'h2'
      ? new H2Connection(id, socket as TLSSocket, kept, this.clock.now(), key, this, this.o.parserLimits)
      : new H1Connection(id, socket, kept, this.clock.now(), key, this, this.o.parserLimits);
    if (host.scheme === 'https') host.protocol = trace.alpn === 'h2' ? 'h2' : 'http/1.1';
    this.total++;
    host.connections.add(conn);
    this.servedBy.set(conn, new Set([host]));
    let same = this.byRemote.get(conn.key);
    if (same === undefined) this.byRemote.set(conn.key, (same = new Set()));
    same.add(conn);

    const timings = t.info.timings;
    timings.namelookup = openedAt + trace.timings.namelookup;
    timings.connect = openedAt + trace.timings.connect;
    if (trace.timings.appconnect !== undefined) timings.appconnect = openedAt + trace.timings.appconnect;
    t.info.connectTrace = trace;
    if (!t.ended) {
      this.send(conn, t, host);
    } else {
      host.leaders.delete(id);
      this.becomeIdle(conn, this.servedBy.get(conn)!);
    }
    this.dispatch(host);
  }

  /** Drops a connection from every structure (once); returns the hosts it served. */
  private release(conn: PoolConnection): Set<Host> {
    const hosts = this.servedBy.get(conn);
    if (hosts === undefined) return new Set();
    this.servedBy.delete(conn);
    this.total--;
    this.idleAll.delete(conn);
    this.timers.cancel(conn.idleTimer);
    conn.idleTimer = undefined;
    conn.idleSince = -1;
    conn.closing = true;
    this.byRemote.get(conn.key)?.delete(conn);
    if (this.byRemote.get(conn.key)?.size === 0) this.byRemote.delete(conn.key);
    for (const h of hosts) {
      h.connections.delete(conn);
      h.withRoom.delete(conn);
      h.leaders.delete(conn.id);
    }
    return hosts;
  }

  private feedStarved(): void {
    if (this.starved.size === 0 || this.total >= this.o.maxConnections) return;
    const hosts = [...this.starved];
    this.starved.clear();
    for (const h of hosts) this.dispatch(h);
  }

  private hostOf(t: TransferImpl): Host {
    let host = this.hosts.get(t.hostKey);
    if (host === undefined) this.hosts.set(t.hostKey, (host = new Host(t.hostKey, t.target.scheme, t.target.port, t.egress)));
    return host;
  }

  // --- sharing a connection between host names on one address (libcurl's pipelining design)

  /** Resolves a new host first; a live connection to one of its addresses is shared if allowed. */
  private resolveForSharing(host: Host, t: TransferImpl): void {
    const o = t.options;
    const resolver = this.o.resolver ?? defaultResolver;
    host.resolving = true;
    resolver(t.target.hostname, { ...o.resolve, ...(o.family ? { family: o.family } : {}), port: t.target.port }).then(
      (addresses) => {
        host.resolving = false;
        host.addresses = addresses;
        for (const a of addresses) {
          for (const conn of this.byRemote.get(host.remoteKey(a.address)) ?? []) this.adopt(host, conn, t.target.hostname);
        }
        this.dispatch(host);
      },
      (err: unknown) => {
        host.resolving = false;
        // Let the connect path report it, with its trace, for every waiting transfer.
        void err;
        this.dispatch(host);
      },
    );
  }

  private adopt(host: Host, conn: PoolConnection, hostname: string): void {
    if (conn.closing) return;
    const socket = conn.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === 'function' && checkServerIdentity(hostname, socket.getPeerCertificate()) !== undefined) return;
    this.servedBy.get(conn)!.add(host);
    host.connections.add(conn);
    if (host.scheme === 'https') host.protocol ??= conn.multiplexed ? 'h2' : 'http/1.1';
    if (conn.idleSince >= 0) host.pushIdle(conn);
    this.updateRoom(conn, host);
  }

  // --- per-transfer timers and endings

  private armLowSpeed(t: TransferImpl, { bytes, seconds }: { bytes: number; seconds: number }): void {
    t.lowSpeedTimer = this.timers.add(seconds * 1000, () => {
      const got = t.info.sizeDownload - t.bytesAtLastCheck;
      if (got < bytes * seconds) {
        t.fail(new HiperError('ERR_TIMEOUT', `the transfer of ${t.info.url} was slower than ${bytes} bytes/s for ${seconds} s (${got} bytes)`, { input: t.info.url }));
        return;
      }
      t.bytesAtLastCheck = t.info.sizeDownload;
      this.armLowSpeed(t, { bytes, seconds });
    });
  }

  private readonly onTransferEnd = (t: TransferImpl): void => {
    this.live.delete(t);
    this.timers.cancel(t.timer);
    this.timers.cancel(t.lowSpeedTimer);
    // Ended early (removed, timed out, a callback threw) while its request was on a connection.
    if (t.carrier !== undefined && !t.completed) t.carrier.abandon(t);
  };
}

function asHiperError(err: unknown, url: string): HiperError {
  return err instanceof HiperError ? err : new HiperError('ERR_CONNECT_ALL_FAILED', `connecting for ${url} failed: ${(err as Error)?.message ?? String(err)}`, { input: url, cause: err });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
