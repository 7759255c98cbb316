/**
 * Opening a connection for a host: the connect options of the transfer that leads it (egress, time
 * limit, resolver, TLS with the ALPN protocols the host offers), the connector, and the H1Connection
 * or H2Connection made of the socket, which joins the pool and takes the leading transfer first.
 */
import type { TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { connectHost } from '../shared/url.js';
import { pickEgress, type ConnectOptions, type Connection, type Connector } from '../connect/index.js';
import { H1Connection } from './h1-connection.js';
import { H2Connection } from './h2-connection.js';
import type { LinkMemory } from './failover.js';
import type { Host } from './host.js';
import { keptTrace } from './kept-trace.js';
import type { Pool } from './pool.js';
import type { ConnectionOwner } from './pooled-connection.js';
import type { TransferImpl } from './transfer.js';
import type { MultiOptions } from './types.js';

export interface OpenerOptions {
  pool: Pool;
  connector: Connector;
  clock: Clock;
  /** Hears from every connection made. */
  owner: ConnectionOwner;
  /** The Multi's defaults for every transfer. */
  defaults: Pick<MultiOptions, 'connectTimeout' | 'tls' | 'resolver' | 'parserLimits'>;
  /** The Multi was closed: a connection made after that is dropped. */
  isClosed: () => boolean;
  /** A connection pinned to a link joined the pool: the links are to be followed. */
  onPinned: () => void;
  /** Interface lists without failback: the link that last served each. */
  links: LinkMemory;
}

export class ConnectionOpener {
  /** Connects in progress, by the transfer that leads each: aborting one destroys its sockets at once. */
  private readonly pending = new Map<TransferImpl, { host: Host; abort: AbortController }>();

  constructor(private readonly o: OpenerOptions) {}

  /** Connects for `host`, led by `t`; `then(failed)` runs once the connect has ended (not after close()). */
  open(host: Host, t: TransferImpl, then: (failed: boolean) => void): void {
    const pool = this.o.pool;
    const id = pool.reserve(host);
    t.state = 'connecting';
    t.info.numConnects++;
    const openedAt = t.elapsed();
    const abort = new AbortController();
    this.pending.set(t, { host, abort });
    const options = this.connectOptions(host, t);
    options.signal = abort.signal;
    const mark = host.linkOrder === undefined ? 0 : this.o.links.mark;
    this.o.connector(options).then(
      (c) => {
        this.pending.delete(t);
        pool.connectEnded(host, id, false);
        if (this.connected(host, t, id, c, openedAt, mark)) then(false);
      },
      (err: unknown) => {
        this.pending.delete(t);
        pool.connectEnded(host, id, true);
        // The leader fails; the transfers that waited for it move on to a connection of their own.
        if (!t.ended) t.fail(asHiperError(err, t.info.url));
        then(true);
      },
    );
  }

  /**
   * The leader of a connect ended (timed out, removed) before it connected: nothing else waiting for
   * its host, the connect is given up, so no socket of it lingers (a connect to an address that never
   * answers would otherwise hold the process until the kernel gives up).
   */
  leaderEnded(t: TransferImpl): void {
    const p = this.pending.get(t);
    if (p !== undefined && p.host.waiting.peek() === undefined) p.abort.abort();
  }

  /** close(): every connect in progress is given up. */
  abortAll(): void {
    for (const p of this.pending.values()) p.abort.abort();
  }

  private connectOptions(host: Host, t: TransferImpl): ConnectOptions {
    const o = t.options;
    const defaults = this.o.defaults;
    const target = t.target;
    const c = pickEgress<ConnectOptions>(o, { host: connectHost(target), port: target.port, clock: this.o.clock });
    const order = host.linkOrder;
    if (order !== undefined && !order.failback) {
      const specs = this.o.links.specsFor(order);
      if (specs !== undefined) c.interface = specs;
    }
    const limit = o.connectTimeout ?? defaults.connectTimeout;
    if (limit !== undefined) c.timeout = limit;
    if (host.addresses !== undefined) {
      const addresses = host.addresses;
      c.resolver = () => Promise.resolve(addresses);
    } else if (defaults.resolver !== undefined) {
      c.resolver = defaults.resolver;
    }
    if (target.scheme === 'https') c.tls = { ...(o.tls ?? defaults.tls), ALPNProtocols: host.offersH2 ? ['h2', 'http/1.1'] : ['http/1.1'] };
    return c;
  }

  /** The connection joins the pool; false when the Multi was closed meanwhile (the socket is dropped). */
  private connected(host: Host, t: TransferImpl, id: number, { socket, trace }: Connection, openedAt: number, mark: number): boolean {
    if (this.o.isClosed()) {
      socket.destroy();
      return false;
    }
    const pool = this.o.pool;
    const key = host.remoteKey(trace.remote.address);
    const kept = keptTrace(trace, t.options.interface !== undefined || t.options.localAddress !== undefined);
    if (kept.pinnedLink !== undefined) this.o.onPinned();
    if (host.linkOrder !== undefined) this.o.links.served(host.linkOrder, trace.interface);
    const made = { id, trace: kept, owner: this.o.owner, limits: this.o.defaults.parserLimits };
    const conn = trace.alpn === 'h2' ? new H2Connection({ ...made, socket: socket as TLSSocket }) : new H1Connection({ ...made, socket });
    const entry = pool.register(host, conn, key);

    const timings = t.info.timings;
    timings.namelookup = openedAt + trace.timings.namelookup;
    timings.connect = openedAt + trace.timings.connect;
    if (trace.timings.appconnect !== undefined) timings.appconnect = openedAt + trace.timings.appconnect;
    t.info.connectTrace = trace;
    if (!t.ended) pool.send(entry, t, host);
    else pool.parkUnused(host, entry);
    // An earlier link of the list came back while this connect was under way: it serves its leader only.
    if (host.linkOrder !== undefined && this.o.links.cameBackSince(host.linkOrder, trace.interface, mark)) pool.retire(conn);
    return true;
  }
}

function asHiperError(err: unknown, url: string): HiperError {
  return err instanceof HiperError ? err : new HiperError('ERR_CONNECT_ALL_FAILED', `connecting for ${url} failed: ${(err as Error)?.message ?? String(err)}`, { input: url, cause: err });
}
