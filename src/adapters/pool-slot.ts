/**
 * node:http's Agent counts a socket against maxSockets / maxTotalSockets from the moment
 * createConnection returns it. hiper's sockets arrive later (by the createConnection callback), so a
 * placeholder holds their place in the pool meanwhile: without it, requests made while a connection
 * is being opened would each open another and overrun maxSockets.
 */
import type { Agent } from 'node:http';
import { Socket } from 'node:net';

/** The parts of http.Agent's bookkeeping a slot touches (public properties, untyped in @types/node). */
interface AgentBooks {
  sockets: Record<string, unknown[] | undefined>;
  requests: Record<string, Array<{ destroyed?: boolean }> | undefined>;
  totalSocketCount: number;
  removeSocket(socket: unknown, options: object): void;
}

export class PoolSlot {
  /** Stands in agent.sockets[name]; agent.destroy() destroys it, which aborts the connection being opened. */
  readonly placeholder = new Socket();
  private held = true;
  private readonly books: AgentBooks;

  constructor(agent: Agent, private readonly name: string, onDestroy: () => void) {
    this.books = agent as unknown as AgentBooks;
    (this.books.sockets[name] ??= []).push(this.placeholder);
    this.books.totalSocketCount++;
    this.placeholder.once('close', () => {
      if (this.held) onDestroy();
    });
  }

  /** Gives the place back (before the real socket takes it, or after a failure). Idempotent. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const list = this.books.sockets[this.name];
    const i = list ? list.indexOf(this.placeholder) : -1;
    if (i >= 0) {
      list!.splice(i, 1);
      if (list!.length === 0) delete this.books.sockets[this.name];
    }
    this.books.totalSocketCount--;
  }

  /**
   * After a failed connection: let the Agent open one for the next waiting request, as it does when a
   * socket closes. Requests destroyed meanwhile (the one that failed, aborted ones) are dropped first;
   * called a turn later, once the failed request has taken its error.
   */
  serveWaiting(options: object): void {
    setImmediate(() => {
      const queue = this.books.requests[this.name];
      while (queue?.length && queue[0]!.destroyed) queue.shift();
      if (queue?.length === 0) delete this.books.requests[this.name];
      this.books.removeSocket(this.placeholder, options);
    });
  }
}
