/**
 * What the pool and the dispatcher know of a connection, an HTTP/1.1 pipeline (H1Connection) or an
 * HTTP/2 session (H2Connection) alike, and what a connection tells its owner. The pool's own
 * bookkeeping of a connection (idle since, idle timer, the hosts it serves) is not here: it lives in
 * the pool's record of it (PoolEntry, host.ts).
 */
import type { Socket } from 'node:net';
import type { HiperError } from '../shared/errors.js';
import type { KeptTrace } from './kept-trace.js';
import type { Carrier, TransferImpl } from './transfer.js';

export interface PooledConnection extends Carrier {
  readonly id: number;
  readonly socket: Socket;
  readonly trace: KeptTrace;
  /** HTTP/2: streams side by side; HTTP/1.1: one response at a time, in order. */
  readonly multiplexed: boolean;
  /** HTTP/1.1: answered once with keep-alive, so more may be pipelined; HTTP/2: the server's SETTINGS arrived. */
  readonly pipelinable: boolean;
  /** Takes no more requests: its own verdict (Connection: close, GOAWAY, an error, close()). */
  readonly closing: boolean;
  readonly closed: boolean;
  /** Requests written and not yet answered (h1), streams open (h2). */
  readonly depth: number;
  /** Body bytes still expected on the response being received (Infinity when not known). */
  readonly bytesOutstanding: number;
  /** Final response heads received on it. */
  readonly responses: number;
  /**
   * How long it may stay idle and still be used, ms, when the server said how long it keeps an idle
   * connection (HTTP/1.1 `Keep-Alive: timeout=N`, less a margin); undefined when it did not say.
   */
  readonly idleLimit: number | undefined;
  /**
   * Of the transfers handed back by onClosed, those the server certainly did not process (RFC 9113
   * §8.7: above a GOAWAY's last stream id, or refused); always empty for HTTP/1.1.
   */
  readonly unprocessed: ReadonlySet<TransferImpl>;
  /**
   * Takes one more request now beside those in flight: an h1 pipeline with requests in flight and
   * fewer than `pipelineLimit`; an h2 session below its stream limit.
   */
  hasRoomFor(pipelineLimit: number): boolean;
  /** Writes a transfer's request (h1) or opens its stream (h2). */
  send(t: TransferImpl): void;
  /** Ends the connection; the unanswered requests come back through onClosed. */
  close(): void;
  /** Its far end, for messages. */
  remote(): string;
}

/** What a connection tells its owner. */
export interface ConnectionOwner {
  /** The connection can take more: a response completed, it showed itself pipelinable, or its limit rose. */
  onCapacity(conn: PooledConnection): void;
  /**
   * The connection is gone. `unanswered` were written and got no byte of a response, oldest first;
   * those whose response was cut off have already failed.
   */
  onClosed(conn: PooledConnection, unanswered: TransferImpl[]): void;
  /**
   * The connection stays, but the server turned one request away before any answer (an HTTP/2 stream
   * reset with REFUSED_STREAM or ENHANCE_YOUR_CALM): the owner sends it again elsewhere when the retry
   * rules allow (`unprocessed`: the server certainly did not act on it), else it fails with `error`.
   */
  onTurnedAway(conn: PooledConnection, t: TransferImpl, unprocessed: boolean, error: HiperError): void;
}
