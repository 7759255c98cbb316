/**
 * The connections and the waiting line of one host: scheme, host name, port and egress. A host's
 * connections are never shared with another egress; they may be shared with another host name that
 * resolved to the same address (see Multi.adopt).
 */
import type { AddressRecord } from '../shared/types.js';
import type { ConnectTrace } from '../connect/types.js';
import type { H1Connection } from './h1-connection.js';
import type { H2Connection } from './h2-connection.js';
import type { TransferImpl } from './transfer.js';

/** A connection of the pool: HTTP/1.1 (pipeline) or HTTP/2 (streams); the Multi treats both alike. */
export type PoolConnection = H1Connection | H2Connection;

/** A FIFO of transfers; removed ones are skipped lazily, so removal is O(1). */
export class WaitingLine {
  private items: TransferImpl[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(t: TransferImpl): void {
    this.items.push(t);
  }

  /** Puts transfers back at the front, in the given order (retries keep their places). */
  pushFront(ts: TransferImpl[]): void {
    this.items = [...ts, ...this.items.slice(this.head)];
    this.head = 0;
  }

  /** The oldest transfer still running, without taking it. */
  peek(): TransferImpl | undefined {
    while (this.head < this.items.length) {
      const t = this.items[this.head]!;
      if (t.state === 'queued') return t;
      this.head++;
    }
    if (this.head > 0) this.compact();
    return undefined;
  }

  shift(): void {
    this.head++;
    if (this.head > 64 && this.head * 2 > this.items.length) this.compact();
  }

  drain(): TransferImpl[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }
}

/**
 * libcurl's content-length penalty: a connection receiving a body known to be larger than `penalty`
 * bytes takes no more pipelined requests (they would wait behind it). Unknown lengths are not penalised.
 */
export function penalised(c: PoolConnection, penalty: number): boolean {
  return c.bytesOutstanding !== Infinity && c.bytesOutstanding > penalty;
}

/**
 * What a pooled connection keeps of its connect trace: what every transfer on it reports. The whole
 * trace goes only to the transfer that opened it, so an idle connection holds less.
 */
export type KeptTrace = Pick<ConnectTrace, 'local' | 'remote' | 'bindMethod' | 'interface' | 'egressInterface' | 'alpn' | 'tlsVersion'> & {
  /** The link this connection is pinned to (an egress was asked for): its loss ends the connection. */
  pinnedLink?: string;
};

export function keptTrace(t: ConnectTrace, egressAsked: boolean): KeptTrace {
  const kept: KeptTrace = { local: t.local, remote: t.remote, bindMethod: t.bindMethod };
  if (t.interface !== undefined) kept.interface = t.interface;
  // Read only when an egress was asked for: for an unbound connection it is a route lookup on demand.
  if (egressAsked && t.egressInterface !== undefined) kept.egressInterface = t.egressInterface;
  const pinned = egressAsked ? t.interface ?? t.egressInterface : undefined;
  if (pinned !== undefined) kept.pinnedLink = pinned;
  if (t.alpn !== undefined) kept.alpn = t.alpn;
  if (t.tlsVersion !== undefined) kept.tlsVersion = t.tlsVersion;
  return kept;
}

/** Ends the egress part of an https host's key when its transfers offer only http/1.1 in ALPN. */
export const ONLY_HTTP11 = '|http/1.1';

export class Host {
  readonly waiting = new WaitingLine();
  /** Connected connections serving this host. */
  readonly connections = new Set<PoolConnection>();
  /** Connects in progress. */
  connecting = 0;
  /**
   * Leaders: connections being set up or whose first answer has not come yet. While one is pending,
   * pipelinable transfers wait for it instead of each opening a connection.
   */
  readonly leaders = new Set<number>();
  /** Connections that take another request now: h1 pipelines with requests in flight and room, h2 sessions below their stream limit. */
  readonly withRoom = new Set<PoolConnection>();
  /**
   * What ALPN chose on the host's latest https connection ('h2' or 'http/1.1'); undefined until one is
   * made. While it is unknown and a handshake is in progress, https transfers wait for it (they would
   * all join one h2 session).
   */
  protocol: string | undefined;
  /** Idle connections, most recently used last; entries are checked when taken (lazy removal). */
  private readonly idle: Array<{ conn: PoolConnection; since: number }> = [];
  /** Addresses the host name resolved to, when resolved by the Multi (to find shared connections). */
  addresses: AddressRecord[] | undefined;
  /** A lookup for the addresses is in progress: transfers wait for it. */
  resolving = false;
  /** https offering h2 in ALPN: its connections may turn out to be h2 sessions. */
  readonly offersH2: boolean;

  constructor(
    readonly key: string,
    /** What a connection of this host really is, but for its remote address: see remoteKey(). */
    readonly scheme: string,
    readonly port: number,
    readonly egress: string,
  ) {
    this.offersH2 = scheme === 'https' && !egress.endsWith(ONLY_HTTP11);
  }

  /** The key of connections to `address` made for this host (shared by host names on one address). */
  remoteKey(address: string): string {
    return `${this.scheme}|${address}|${this.port}|${this.egress}`;
  }

  get size(): number {
    return this.connections.size + this.connecting;
  }

  pushIdle(conn: PoolConnection): void {
    this.idle.push({ conn, since: conn.idleSince });
  }

  /** The most recently idle connection no older than `minId`. */
  takeIdle(minId: number): PoolConnection | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const { conn, since } = this.idle[i]!;
      if (conn.idleSince !== since || conn.closing) {
        this.idle.splice(i, 1);
        continue;
      }
      if (conn.id < minId) continue;
      this.idle.splice(i, 1);
      return conn;
    }
    return undefined;
  }

  /** Nothing left to remember: no connection, no connect, nobody waiting. */
  get empty(): boolean {
    return this.size === 0 && !this.resolving && this.waiting.peek() === undefined;
  }

  /** The pipelinable leader-free candidate with the shortest pipeline, not penalised. */
  shortestWithRoom(minId: number, penalty: number): PoolConnection | undefined {
    let best: PoolConnection | undefined;
    for (const c of this.withRoom) {
      if (c.id < minId || penalised(c, penalty)) continue;
      if (best === undefined || c.depth < best.depth) best = c;
    }
    return best;
  }

  /** An h2 session that still takes streams (perhaps not at this moment): transfers queue for it. */
  hasLiveSession(minId: number): boolean {
    for (const c of this.connections) if (c.multiplexed && !c.closing && c.id >= minId) return true;
    return false;
  }

  hasLeader(minId: number): boolean {
    for (const id of this.leaders) if (id >= minId) return true;
    return false;
  }
}
