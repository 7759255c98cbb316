/**
 * The pool's two records: a Host (the connections and the waiting line of one host: scheme, host name,
 * port and egress) and a PoolEntry (one connection as the pool keeps it). A host's connections are
 * never shared with another egress; they may be shared with another host name that resolved to the
 * same address (Pool.adopt). The pool keeps both; the dispatcher reads them, and takes transfers from
 * a host's waiting line.
 */
import type { Linked } from '../shared/linked-list.js';
import type { AddressRecord } from '../shared/types.js';
import type { LinkOrder } from './failover.js';
import type { PooledConnection } from './pooled-connection.js';
import type { TimerEntry } from './timers.js';
import { WaitingLine } from './waiting-line.js';

/** The pool's record of one connection: what the pool knows of it that the connection itself does not. */
export interface PoolEntry extends Linked<PoolEntry> {
  readonly conn: PooledConnection;
  /** What it really is (scheme, remote address, port, egress), for sharing across host names. */
  readonly key: string;
  /** Clock time it was made (the chooser's ageMs). */
  readonly createdAt: number;
  /** The hosts it serves (usually one). */
  readonly hosts: Set<Host>;
  /** Clock time it became idle; -1 while it carries something. */
  idleSince: number;
  /** Gave way to an earlier link of its interface list (failover.ts): takes no new transfer, closes once idle. */
  retired: boolean;
  /** At most one per connection; left in the heap while the connection is busy (Pool.becomeIdle). */
  idleTimer: TimerEntry | undefined;
  /** prev, next, linked: its place among the pool's idle connections (Linked). */
}

/**
 * libcurl's content-length penalty: a connection receiving a body known to be larger than `penalty`
 * bytes takes no more pipelined requests (they would wait behind it). Unknown lengths are not penalised.
 */
export function penalised(c: PooledConnection, penalty: number): boolean {
  return c.bytesOutstanding !== Infinity && c.bytesOutstanding > penalty;
}

/** Ends the egress part of an https host's key when its transfers offer only http/1.1 in ALPN. */
export const ONLY_HTTP11 = '|http/1.1';

export interface HostOptions {
  key: string;
  /** What a connection of this host really is, but for its remote address: see remoteKey(). */
  scheme: string;
  port: number;
  egress: string;
  /** An interface list's links, when the transfers ask for one. */
  linkOrder?: LinkOrder | undefined;
}

export class Host {
  readonly key: string;
  readonly scheme: string;
  readonly port: number;
  readonly egress: string;
  readonly linkOrder: LinkOrder | undefined;
  readonly waiting = new WaitingLine();
  /** Connected connections serving this host. */
  readonly connections = new Set<PoolEntry>();
  /** Connects in progress. */
  connecting = 0;
  /**
   * Leaders: connections being set up or whose first answer has not come yet. While one is pending,
   * pipelinable transfers wait for it instead of each opening a connection.
   */
  readonly leaders = new Set<number>();
  /** Connections that take another request now: h1 pipelines with requests in flight and room, h2 sessions below their stream limit. */
  readonly withRoom = new Set<PoolEntry>();
  /**
   * What ALPN chose on the host's latest https connection ('h2' or 'http/1.1'); undefined until one is
   * made. While it is unknown and a handshake is in progress, https transfers wait for it (they would
   * all join one h2 session).
   */
  protocol: string | undefined;
  /** Idle connections, most recently used last; entries are checked when taken (lazy removal). */
  private readonly idle: Array<{ entry: PoolEntry; since: number }> = [];
  /** Addresses the host name resolved to, when resolved by the Multi (to find shared connections). */
  addresses: AddressRecord[] | undefined;
  /** A lookup for the addresses is in progress: transfers wait for it. */
  resolving = false;
  /** In the dispatcher's list for the end of this tick (written by the dispatcher only). */
  dispatchDue = false;
  /** https offering h2 in ALPN: its connections may turn out to be h2 sessions. */
  readonly offersH2: boolean;
  /** Responses its transfers received in full: a retry sees the server's progress by it. */
  answered = 0;

  constructor({ key, scheme, port, egress, linkOrder }: HostOptions) {
    this.key = key;
    this.linkOrder = linkOrder;
    this.scheme = scheme;
    this.port = port;
    this.egress = egress;
    this.offersH2 = scheme === 'https' && !egress.endsWith(ONLY_HTTP11);
  }

  /** The key of connections to `address` made for this host (shared by host names on one address). */
  remoteKey(address: string): string {
    return `${this.scheme}|${address}|${this.port}|${this.egress}`;
  }

  get size(): number {
    return this.connections.size + this.connecting;
  }

  pushIdle(entry: PoolEntry): void {
    this.idle.push({ entry, since: entry.idleSince });
  }

  /** The most recently idle connection no older than `minId`. */
  takeIdle(minId: number): PoolEntry | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const { entry, since } = this.idle[i]!;
      if (entry.idleSince !== since || entry.conn.closing) {
        this.idle.splice(i, 1);
        continue;
      }
      if (entry.conn.id < minId) continue;
      this.idle.splice(i, 1);
      return entry;
    }
    return undefined;
  }

  /** Nothing left to remember: no connection, no connect, nobody waiting. */
  get empty(): boolean {
    return this.size === 0 && !this.resolving && this.waiting.peek() === undefined;
  }

  /** The pipelinable leader-free candidate with the shortest pipeline, not penalised. */
  shortestWithRoom(minId: number, penalty: number): PoolEntry | undefined {
    let best: PoolEntry | undefined;
    for (const e of this.withRoom) {
      const c = e.conn;
      if (c.id < minId || penalised(c, penalty)) continue;
      if (best === undefined || c.depth < best.conn.depth) best = e;
    }
    return best;
  }

  /** An h2 session that still takes streams (perhaps not at this moment): transfers queue for it. */
  hasLiveSession(minId: number): boolean {
    for (const { conn: c, retired } of this.connections) if (c.multiplexed && !c.closing && !retired && c.id >= minId) return true;
    return false;
  }

  hasLeader(minId: number): boolean {
    for (const id of this.leaders) if (id >= minId) return true;
    return false;
  }
}
