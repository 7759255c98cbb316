/**
 * The dispatcher: which waiting transfer goes next, and onto what. It takes the oldest waiting transfer
 * of a host, and puts it on:
 *   1. an idle connection of the host (most recently used first);
 *   2. pipelining on and the transfer a GET/HEAD without body: if no pipeline has room and a leader
 *      (a connection being set up, or awaiting its first answer) is pending, wait for it; otherwise
 *      the chooser decides among the pipelinable connections with room (default: the shortest, else
 *      a new connection within the limits, else wait);
 *   3. otherwise a new connection within the limits, else wait.
 * For https the first handshake decides more: while it is in progress and the protocol is not yet
 * known, the host's transfers wait for it ("broadside"); if it picks h2, every transfer, whatever its
 * method, joins that session while it has streams free, and queues for it when it has none.
 * It goes on until a transfer has to wait; the pool carries out each choice.
 */
import { HiperError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { penalised, type Host, type PoolEntry } from './host.js';
import type { Pool } from './pool.js';
import type { TransferImpl } from './transfer.js';
import type { ConnectionChooser, ConnectionView } from './types.js';

const NEW = 'new';
const WAIT = 'wait';

/** Settled once: a reaction to it runs when the current callback and the promise reactions before it have run. */
const SETTLED = Promise.resolve();

export interface DispatchRules {
  pipelining?: boolean | undefined;
  chooseConnection?: ConnectionChooser | undefined;
  pipelinePenaltySize: number;
}

/** Opens a connection for `host`, led by `t`; calls `then(failed)` once the connect has ended. */
export type Open = (host: Host, t: TransferImpl, then: (failed: boolean) => void) => void;

export interface DispatcherOptions {
  pool: Pool;
  rules: DispatchRules;
  clock: Clock;
  open: Open;
}

export class Dispatcher {
  private readonly pool: Pool;
  private readonly rules: DispatchRules;
  private readonly clock: Clock;
  private readonly openConnection: Open;
  /** Hosts waiting for the total connection limit to allow a new connection. */
  private readonly starved = new Set<Host>();
  /** Hosts given new transfers in this tick, in that order. */
  private readonly due: Host[] = [];
  private readonly runDueNow = (): void => this.runDue();

  constructor({ pool, rules, clock, open }: DispatcherOptions) {
    this.pool = pool;
    this.rules = rules;
    this.clock = clock;
    this.openConnection = open;
  }

  /**
   * Dispatches the host once the current callback and the promise reactions queued before this have
   * run (libcurl's curl_multi_add_handle, which starts nothing itself): add() returns at once, and the
   * transfers added together are placed together, each host once. A promise reaction rather than
   * process.nextTick: the first nextTick of a process costs ~0.15 ms, which a cold add() would pay.
   */
  dispatchSoon(host: Host): void {
    if (host.dispatchDue) return;
    host.dispatchDue = true;
    if (this.due.push(host) === 1) void SETTLED.then(this.runDueNow);
  }

  /** The hosts of dispatchSoon(), a host added meanwhile included. */
  runDue(): void {
    const due = this.due;
    for (let i = 0; i < due.length; i++) {
      const host = due[i]!;
      host.dispatchDue = false;
      if (!host.resolving) this.dispatch(host);
    }
    due.length = 0;
  }

  /** Places the host's waiting transfers, oldest first, until one has to wait. */
  dispatch(host: Host): void {
    for (let t = host.waiting.peek(); t !== undefined; t = host.waiting.peek()) {
      let choice: ReturnType<Dispatcher['pick']>;
      try {
        choice = this.pick(host, t);
      } catch (err) {
        // The chooser threw, or named nothing: that transfer ends with the error, the others go on.
        host.waiting.shift();
        t.fail(err instanceof HiperError ? err : new HiperError('ERR_INVALID_ARGUMENT', `chooseConnection threw: ${(err as Error)?.message ?? String(err)}`, { input: 'chooseConnection', cause: err }));
        continue;
      }
      if (choice === WAIT) break;
      host.waiting.shift();
      if (choice === NEW) this.open(host, t);
      else this.pool.send(choice, t, host);
    }
    this.pool.forgetIfEmpty(host);
  }

  /** Connections went away: the hosts that found the total limit reached try again. */
  feedStarved(): void {
    if (this.starved.size === 0 || !this.pool.belowTotalLimit) return;
    const hosts = [...this.starved];
    this.starved.clear();
    for (const h of hosts) this.dispatch(h);
  }

  private open(host: Host, t: TransferImpl): void {
    this.openConnection(host, t, (failed) => {
      this.dispatch(host);
      if (failed) this.feedStarved();
    });
  }

  private pick(host: Host, t: TransferImpl): PoolEntry | typeof NEW | typeof WAIT {
    const minId = t.minConnectionId;
    const idle = host.takeIdle(minId);
    if (idle !== undefined) return idle;
    if (host.protocol === 'h2' || (host.protocol === undefined && host.offersH2)) {
      const session = host.shortestWithRoom(minId, Infinity);
      if (session !== undefined) return session;
      // Queue for the session (or the handshake that may bring one) rather than open another.
      if (host.hasLiveSession(minId) || host.hasLeader(minId)) return WAIT;
    }
    // Asked here, before any pipeline is chosen: at the total limit it closes the oldest idle connection.
    const canOpen = this.pool.canOpen(host);
    if (this.rules.pipelining && t.pipelinable) {
      const custom = this.rules.chooseConnection;
      if (custom === undefined) {
        const best = host.shortestWithRoom(minId, this.rules.pipelinePenaltySize);
        if (best !== undefined) return best;
        if (host.hasLeader(minId)) return WAIT;
      } else {
        const best = this.askChooser(custom, host, t, canOpen);
        if (best !== undefined) return best;
      }
    }
    if (canOpen) return NEW;
    if (this.pool.belowHostLimit(host)) this.starved.add(host);
    return WAIT;
  }

  /** The caller's chooser; undefined: open a new connection. */
  private askChooser(chooser: ConnectionChooser, host: Host, t: TransferImpl, canOpen: boolean): PoolEntry | typeof WAIT | undefined {
    const now = this.clock.now();
    const candidates = [...host.withRoom].filter((e) => e.conn.id >= t.minConnectionId && !penalised(e.conn, this.rules.pipelinePenaltySize));
    if (candidates.length === 0 && host.hasLeader(t.minConnectionId)) return WAIT;
    const views: ConnectionView[] = candidates.map(({ conn: c, createdAt }) => ({ id: c.id, depth: c.depth, bytesOutstanding: c.bytesOutstanding, ageMs: now - createdAt, remote: { address: c.trace.remote.address, port: c.trace.remote.port } }));
    const choice = chooser(views, canOpen);
    if (choice === NEW) return canOpen ? undefined : WAIT;
    if (choice === WAIT) return WAIT;
    const entry = candidates.find((e) => e.conn.id === choice);
    if (entry === undefined) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `chooseConnection returned ${JSON.stringify(choice)}, which is neither a candidate's id nor 'new' or 'wait'`, { input: choice });
    }
    return entry;
  }
}
