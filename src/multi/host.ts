/**
 * The connections and the waiting line of one host: scheme, host name, port and egress. A host's
 * connections are never shared with another egress; they may be shared with another host name that
 * resolved to the same address (see Multi.adopt).
 */
import type { AddressRecord } from '../shared/types.js';
import type { H1Connection } from './h1-connection.js';
import type { TransferImpl } from './transfer.js';

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
    this.compact();
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
export function penalised(c: H1Connection, penalty: number): boolean {
  return c.bytesOutstanding !== Infinity && c.bytesOutstanding > penalty;
}

export class Host {
  readonly waiting = new WaitingLine();
  /** Connected connections serving this host. */
  readonly connections = new Set<H1Connection>();
  /** Connects in progress. */
  connecting = 0;
  /**
   * Leaders: connections being set up or whose first answer has not come yet. While one is pending,
   * pipelinable transfers wait for it instead of each opening a connection.
   */
  readonly leaders = new Set<number>();
  /** Pipelinable connections with requests in flight and room for more. */
  readonly withRoom = new Set<H1Connection>();
  /** Idle connections, most recently used last; entries are checked when taken (lazy removal). */
  private readonly idle: Array<{ conn: H1Connection; since: number }> = [];
  /** Addresses the host name resolved to, when resolved by the Multi (to find shared connections). */
  addresses: AddressRecord[] | undefined;
  /** A lookup for the addresses is in progress: transfers wait for it. */
  resolving = false;

  constructor(
    readonly key: string,
    /** What a connection of this host really is, but for its remote address: see remoteKey(). */
    readonly scheme: string,
    readonly port: number,
    readonly egress: string,
  ) {}

  /** The key of connections to `address` made for this host (shared by host names on one address). */
  remoteKey(address: string): string {
    return `${this.scheme}|${address}|${this.port}|${this.egress}`;
  }

  get size(): number {
    return this.connections.size + this.connecting;
  }

  pushIdle(conn: H1Connection): void {
    this.idle.push({ conn, since: conn.idleSince });
  }

  /** The most recently idle connection no older than `minId`. */
  takeIdle(minId: number): H1Connection | undefined {
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
  shortestWithRoom(minId: number, penalty: number): H1Connection | undefined {
    let best: H1Connection | undefined;
    for (const c of this.withRoom) {
      if (c.id < minId || penalised(c, penalty)) continue;
      if (best === undefined || c.depth < best.depth) best = c;
    }
    return best;
  }

  hasLeader(minId: number): boolean {
    for (const id of this.leaders) if (id >= minId) return true;
    return false;
  }
}
