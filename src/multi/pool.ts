/**
 * The pool: which connection serves a transfer, and the books behind it. It keeps the hosts (a waiting
 * line and connections each), a PoolEntry per connection (the hosts it serves, since when it is idle,
 * its idle timer), the connections by what they really are (for sharing across host names), the
 * per-host and total limits, and the idle connections with at most one timer each. The dispatcher
 * decides what goes where; the pool carries it out. Every operation touches one host and one
 * connection, never all of them.
 */
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import type { Clock } from '../shared/clock.js';
import { LinkedList } from '../shared/linked-list.js';
import type { Resolver } from '../resolve/types.js';
import { linkOrderOf, type LinkOrder } from './failover.js';
import { Host, type PoolEntry } from './host.js';
import type { PooledConnection } from './pooled-connection.js';
import type { TimerHeap } from './timers.js';
import type { TransferImpl } from './transfer.js';

export interface PoolLimits {
  maxConnections: number;
  maxConnectionsPerHost: number;
  maxPipelineLength: number;
  /** ms an idle connection is kept. */
  maxIdleTime: number;
}

export interface PoolOptions {
  limits: PoolLimits;
  timers: TimerHeap;
  clock: Clock;
}

export class Pool {
  readonly counters = { connectionsOpened: 0, connectionsClosedIdle: 0 };
  private readonly limits: PoolLimits;
  private readonly timers: TimerHeap;
  private readonly clock: Clock;
  private readonly hosts = new Map<string, Host>();
  private readonly entries = new Map<PooledConnection, PoolEntry>();
  /** Connections by what they really are (scheme, remote address, port, egress), for sharing across host names. */
  private readonly byRemote = new Map<string, Set<PoolEntry>>();
  /** Idle connections in all, oldest first: the first to go when the total limit is reached. */
  private readonly idleAll = new LinkedList<PoolEntry>();
  /** Connections open and connects in progress. */
  private total = 0;
  private connectionSeq = 0;

  constructor({ limits, timers, clock }: PoolOptions) {
    this.limits = limits;
    this.timers = timers;
    this.clock = clock;
  }

  /** Connections in the pool. */
  get size(): number {
    return this.entries.size;
  }

  get idleCount(): number {
    return this.idleAll.size;
  }

  connections(): IterableIterator<PooledConnection> {
    return this.entries.keys();
  }

  // --- hosts

  host(key: string): Host | undefined {
    return this.hosts.get(key);
  }

  /** The host of a transfer, made when the pool does not remember it. */
  hostOf(t: TransferImpl): Host {
    let host = this.hosts.get(t.hostKey);
    if (host === undefined) {
      const linkOrder = Array.isArray(t.options.interface) ? linkOrderOf(t.options) : undefined;
      this.hosts.set(t.hostKey, (host = new Host({ key: t.hostKey, scheme: t.target.scheme, port: t.target.port, egress: t.egress, linkOrder })));
    }
    return host;
  }

  /** Forgets a host with nothing left to remember. */
  forgetIfEmpty(host: Host): void {
    if (host.empty) this.hosts.delete(host.key);
  }

  // --- limits

  /** A new connection for `host` is within the limits; at the total limit, the oldest idle connection anywhere makes room. */
  canOpen(host: Host): boolean {
    if (host.size >= this.limits.maxConnectionsPerHost) return false;
    if (this.total < this.limits.maxConnections) return true;
    const oldest = this.idleAll.first;
    if (oldest === undefined) return false;
    this.closeIdle(oldest, false);
    return this.total < this.limits.maxConnections;
  }

  get belowTotalLimit(): boolean {
    return this.total < this.limits.maxConnections;
  }

  belowHostLimit(host: Host): boolean {
    return host.size < this.limits.maxConnectionsPerHost;
  }

  // --- connections coming and going

  /** Counts a connect for `host` before it starts (it leads the host's line); returns the connection's id. */
  reserve(host: Host): number {
    const id = ++this.connectionSeq;
    host.connecting++;
    host.leaders.add(id);
    this.total++;
    this.counters.connectionsOpened++;
    return id;
  }

  /** A connect ended; one that `failed` leads no more. */
  connectEnded(host: Host, id: number, failed: boolean): void {
    host.connecting--;
    this.total--;
    if (failed) host.leaders.delete(id);
  }

  /** The id the next connection will have: a retry goes on that one or a later one. */
  get nextConnectionId(): number {
    return this.connectionSeq + 1;
  }

  /** A connection made for `host` joins the pool; `key` says what it really is (Host.remoteKey). */
  register(host: Host, conn: PooledConnection, key: string): PoolEntry {
    const entry: PoolEntry = { conn, key, createdAt: this.clock.now(), hosts: new Set([host]), idleSince: -1, idleTimer: undefined, retired: false, prev: undefined, next: undefined, linked: false };
    if (host.scheme === 'https') host.protocol = conn.multiplexed ? 'h2' : 'http/1.1';
    this.total++;
    host.connections.add(entry);
    this.entries.set(conn, entry);
    let same = this.byRemote.get(key);
    if (same === undefined) this.byRemote.set(key, (same = new Set()));
    same.add(entry);
    return entry;
  }

  /** A new connection whose transfer ended while it was being made: it leads no more, and waits idle. */
  parkUnused(host: Host, entry: PoolEntry): void {
    host.leaders.delete(entry.conn.id);
    this.becomeIdle(entry);
  }

  /** Drops a connection from every structure (once); returns the hosts it served. */
  release(conn: PooledConnection): Set<Host> {
    const entry = this.entries.get(conn);
    if (entry === undefined) return new Set();
    this.entries.delete(conn);
    this.total--;
    this.idleAll.delete(entry);
    this.timers.cancel(entry.idleTimer);
    entry.idleTimer = undefined;
    entry.idleSince = -1;
    const same = this.byRemote.get(entry.key);
    same?.delete(entry);
    if (same?.size === 0) this.byRemote.delete(entry.key);
    for (const h of entry.hosts) {
      h.connections.delete(entry);
      h.withRoom.delete(entry);
      h.leaders.delete(conn.id);
    }
    return entry.hosts;
  }

  // --- carrying transfers

  send(entry: PoolEntry, t: TransferImpl, host: Host): void {
    if (entry.idleSince >= 0) {
      // Its idle timer stays: when it fires it finds the connection busy, or idle since later (idleExpired).
      entry.idleSince = -1;
      this.idleAll.delete(entry);
    }
    t.noteHostAnswers(host.answered);
    entry.conn.send(t);
    t.noteConnection(entry.conn.trace);
    this.updateRoom(entry, host);
  }

  /** The connection can take more: its hosts' books follow; returns the hosts to dispatch, undefined if it left the pool. */
  onCapacity(conn: PooledConnection): Set<Host> | undefined {
    const entry = this.entries.get(conn);
    if (entry === undefined) return undefined;
    if (entry.retired) {
      for (const h of entry.hosts) h.leaders.delete(conn.id);
      if (conn.depth === 0 && !conn.closing) this.closeIdle(entry, false);
      return entry.hosts;
    }
    for (const h of entry.hosts) {
      h.leaders.delete(conn.id);
      this.updateRoom(entry, h);
    }
    if (conn.depth === 0 && !conn.closing && entry.idleSince < 0) this.becomeIdle(entry);
    return entry.hosts;
  }

  private updateRoom(entry: PoolEntry, host: Host): void {
    if (!entry.retired && entry.conn.hasRoomFor(this.limits.maxPipelineLength)) host.withRoom.add(entry);
    else host.withRoom.delete(entry);
  }

  // --- interface lists

  /** The interface list of a connection's hosts (they share one egress), if it was made for one. */
  linkOrderOf(conn: PooledConnection): LinkOrder | undefined {
    const entry = this.entries.get(conn);
    if (entry === undefined) return undefined;
    for (const h of entry.hosts) return h.linkOrder;
    return undefined;
  }

  /**
   * Failback: the connection takes no new transfer (failover.ts); closed now when idle, else once its
   * last transfer is answered. Returns its hosts, whose waiting transfers may now open a connection.
   */
  retire(conn: PooledConnection): Set<Host> {
    const entry = this.entries.get(conn);
    if (entry === undefined || entry.retired) return new Set();
    entry.retired = true;
    const hosts = new Set(entry.hosts);
    for (const h of hosts) {
      // No transfer waits for it (as a leader) nor joins it any more.
      h.withRoom.delete(entry);
      h.leaders.delete(conn.id);
    }
    if (entry.idleSince >= 0 || (conn.depth === 0 && !conn.closing)) this.closeIdle(entry, false);
    return hosts;
  }

  // --- idle connections

  /**
   * At most one idle timer per connection, left in the heap while the connection is busy, so that a
   * connection going busy and idle with every request costs no timer work.
   */
  private becomeIdle(entry: PoolEntry): void {
    entry.idleSince = this.clock.now();
    this.idleAll.push(entry);
    for (const h of entry.hosts) h.pushIdle(entry);
    const limit = this.idleLimitOf(entry);
    // A server's own shorter timeout (which can change with each response) sets the timer anew.
    if (entry.conn.idleLimit !== undefined && entry.idleTimer !== undefined) {
      this.timers.cancel(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    entry.idleTimer ??= this.timers.add(limit, () => this.idleExpired(entry));
  }

  /** How long the connection may stay idle: the Multi's maxIdleTime, or the server's shorter timeout. */
  private idleLimitOf(entry: PoolEntry): number {
    const server = entry.conn.idleLimit;
    return server !== undefined && server < this.limits.maxIdleTime ? server : this.limits.maxIdleTime;
  }

  private idleExpired(entry: PoolEntry): void {
    entry.idleTimer = undefined;
    if (entry.idleSince < 0 || !this.entries.has(entry.conn)) return;
    const due = entry.idleSince + this.idleLimitOf(entry);
    const now = this.clock.now();
    if (now >= due) this.closeIdle(entry, true);
    else entry.idleTimer = this.timers.add(due - now, () => this.idleExpired(entry));
  }

  private closeIdle(entry: PoolEntry, expired: boolean): void {
    if (expired) this.counters.connectionsClosedIdle++;
    this.release(entry.conn);
    entry.conn.close();
  }

  // --- sharing a connection between host names on one address (libcurl's pipelining design)

  /** Whether any connection could be shared: only then is a new host's name resolved first. */
  get sharing(): boolean {
    return this.byRemote.size > 0;
  }

  /**
   * Resolves a new host's name first; a live connection to one of its addresses serves it too when
   * its certificate covers the name. `then` runs once the lookup has ended, found or not.
   */
  resolveForSharing(host: Host, t: TransferImpl, resolver: Resolver, then: () => void): void {
    const o = t.options;
    host.resolving = true;
    resolver(t.target.hostname, { ...o.resolve, ...(o.family ? { family: o.family } : {}), port: t.target.port }).then(
      (addresses) => {
        host.resolving = false;
        host.addresses = addresses;
        for (const a of addresses) {
          for (const entry of this.byRemote.get(host.remoteKey(a.address)) ?? []) this.adopt(host, entry, t.target.hostname);
        }
        then();
      },
      () => {
        host.resolving = false;
        // The connect path reports the failure, with its trace, for every waiting transfer.
        then();
      },
    );
  }

  private adopt(host: Host, entry: PoolEntry, hostname: string): void {
    const conn = entry.conn;
    if (conn.closing || entry.retired) return;
    const socket = conn.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === 'function' && checkServerIdentity(hostname, socket.getPeerCertificate()) !== undefined) return;
    entry.hosts.add(host);
    host.connections.add(entry);
    if (host.scheme === 'https') host.protocol ??= conn.multiplexed ? 'h2' : 'http/1.1';
    if (entry.idleSince >= 0) host.pushIdle(entry);
    this.updateRoom(entry, host);
  }
}
