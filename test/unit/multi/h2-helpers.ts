/**
 * Test helpers for H2Connection: transfers made as the Multi makes them, an owner that records the
 * connection's calls and feeds it from a queue while it has room (the Multi's job, reduced to a loop),
 * and connecting to an h2 server with hiper's connect().
 */
import type { HiperError } from '../../../src/shared/errors.js';
import { EventEmitter, once } from 'node:events';
import type { TLSSocket } from 'node:tls';
import { connect } from '../../../src/connect/index.js';
import { systemClock } from '../../../src/shared/clock.js';
import { parseTargetUrl } from '../../../src/shared/url.js';
import { prepareRequest } from '../../../src/multi/request.js';
import { isIdempotent } from '../../../src/multi/retry.js';
import { TransferImpl } from '../../../src/multi/transfer.js';
import { H2Connection } from '../../../src/multi/h2-connection.js';
import type { ConnectionOwner } from '../../../src/multi/pooled-connection.js';
import type { TransferOptions } from '../../../src/multi/types.js';

let transferSeq = 0;

/** A transfer as Multi.add() makes it (its request checked once). */
export function makeTransfer(options: TransferOptions): TransferImpl {
  const target = parseTargetUrl(options.url);
  const method = options.method ?? 'GET';
  const request = prepareRequest(options, target, method);
  const idempotent = isIdempotent(method, options.body !== undefined);
  const t = new TransferImpl({ id: ++transferSeq, options, target, method, request, idempotent, pipelinable: idempotent, hostKey: 'test', egress: '', clock: systemClock });
  // Tests look at each outcome themselves; a rejection is never left unhandled.
  t.done.catch(() => {});
  return t;
}

/** Records the connection's calls; sends queued transfers whenever the connection can take them. */
export class FakeOwner extends EventEmitter {
  capacityCalls = 0;
  readonly closedCalls: TransferImpl[][] = [];
  readonly turnedAway: TransferImpl[] = [];
  readonly queue: TransferImpl[] = [];
  /** Most streams open at once, and whether the queue ever found the connection full. */
  peakDepth = 0;
  sawFull = false;

  onCapacity(conn: H2Connection): void {
    this.capacityCalls++;
    this.pump(conn);
    this.emit('event');
  }

  onClosed(_conn: H2Connection, unanswered: TransferImpl[]): void {
    this.closedCalls.push(unanswered);
    this.emit('event');
  }

  /** No other connection here: a request the server turned away ends with the connection's error. */
  onTurnedAway(_conn: H2Connection, t: TransferImpl, _unprocessed: boolean, error: HiperError): void {
    this.turnedAway.push(t);
    t.fail(error);
    this.emit('event');
  }

  pump(conn: H2Connection): void {
    while (this.queue.length > 0 && conn.pipelinable && conn.hasRoom) {
      conn.send(this.queue.shift()!);
      this.peakDepth = Math.max(this.peakDepth, conn.depth);
    }
    if (this.queue.length > 0 && !conn.hasRoom) this.sawFull = true;
  }

  /** Resolves once `predicate` holds, checked after each call of the connection. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await once(this, 'event');
  }

  asOwner(): ConnectionOwner {
    return this as unknown as ConnectionOwner;
  }
}

export async function connectH2(port: number, ca: string, owner: FakeOwner, id = 1, alpn = ['h2']): Promise<H2Connection> {
  const { socket, trace } = await connect({ host: '127.0.0.1', port, tls: { ca, ALPNProtocols: alpn } });
  return new H2Connection({ id, socket: socket as TLSSocket, trace, owner: owner.asOwner() });
}

/** A deterministic body of n bytes for a path's seed. */
export function patternBody(seed: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return b;
}
