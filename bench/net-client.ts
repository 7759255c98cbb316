/**
 * The floor under every Node HTTP client: bare net.Sockets, no HTTP client library. Requests go to the
 * most recently freed socket with room (LIFO), a socket takes up to `depth` at once, and a new socket is
 * opened while fewer than `connections` are open. The GETs queued on a socket in one tick leave in one
 * socket.write. A response is read by finding the end of its head and its Content-Length, which is
 * enough for the bench servers' fixed answers and nothing more.
 * With depth 1 and a large `connections` this is the sequential keep-alive client of the c10k section.
 */
import net from 'node:net';
import { InFlightMax, type BenchClient, type BodyRead } from './clients.js';

export interface NetClientOptions {
  /** Sockets at most. */
  connections: number;
  /** Requests in flight per socket (pipeline depth). */
  depth: number;
  /** 'stream' counts the body slices; 'buffer' joins them into one Buffer. */
  read: BodyRead;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

interface Waiter {
  resolve(bytes: number): void;
  reject(e: Error): void;
}

/** One socket: the requests written on it in order, and where the parse of their responses stands. */
class Conn {
  readonly socket: net.Socket;
  readonly inFlight: Waiter[] = [];
  /** GETs queued this tick, written together. */
  private outbox = '';
  inRoom = false;
  dead: Error | undefined;
  /** Part of a head cut by a read boundary. */
  private partialHead: Buffer | undefined;
  private inBody = false;
  private remaining = 0;
  private bytes = 0;
  /** Body slices, kept only when bodies are buffered. */
  private parts: Buffer[] | undefined;

  constructor(
    port: number,
    host: string,
    private readonly name: string,
    buffer: boolean,
    private readonly onFree: (c: Conn) => void,
    private readonly onDead: (c: Conn) => void,
  ) {
    if (buffer) this.parts = [];
    this.socket = net.connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (c: Buffer) => this.onData(c));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error(`${name}: the server closed the connection`)));
  }

  send(request: string, w: Waiter): void {
    this.inFlight.push(w);
    if (this.outbox === '') process.nextTick(flush, this);
    this.outbox += request;
  }

  flush(): void {
    if (this.dead || this.outbox === '') return;
    this.socket.write(this.outbox);
    this.outbox = '';
  }

  private fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    this.socket.destroy();
    for (const w of this.inFlight.splice(0)) w.reject(e);
    this.onDead(this);
  }

  /** Every pass of the loop consumes bytes of `c`, or returns. */
  private onData(c: Buffer): void {
    if (this.partialHead) {
      c = Buffer.concat([this.partialHead, c]);
      this.partialHead = undefined;
    }
    let at = 0;
    while (at < c.length && this.dead === undefined) {
      if (!this.inBody) {
        const end = c.indexOf(HEAD_END, at);
        if (end < 0) {
          this.partialHead = c.subarray(at);
          return;
        }
        const head = c.toString('latin1', at, end);
        if (!head.startsWith('HTTP/1.1 200 ')) return this.fail(new Error(`${this.name}: status ${head.slice(9, 12)}, expected 200`));
        const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? NaN);
        if (!Number.isInteger(length)) return this.fail(new Error(`${this.name}: no Content-Length`));
        at = end + HEAD_END.length;
        this.inBody = true;
        this.remaining = length;
        this.bytes = 0;
      } else {
        const n = Math.min(this.remaining, c.length - at);
        this.parts?.push(c.subarray(at, at + n));
        this.bytes += n;
        this.remaining -= n;
        at += n;
      }
      if (this.inBody && this.remaining === 0) this.complete();
    }
  }

  private complete(): void {
    this.inBody = false;
    let bytes = this.bytes;
    if (this.parts) {
      // The whole body as one Buffer, as a client that hands out bodies would.
      bytes = (this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts)).length;
      this.parts = [];
    }
    const w = this.inFlight.shift();
    if (w === undefined) return this.fail(new Error(`${this.name}: a response nobody asked for`));
    w.resolve(bytes);
    this.onFree(this);
  }
}

const flush = (c: Conn): void => c.flush();

export function netClient(origin: string, o: NetClientOptions): BenchClient {
  const url = new URL(origin);
  const port = Number(url.port);
  const host = url.hostname;
  const all = new Set<Conn>();
  /** Sockets that may take another request, most recently freed last. */
  const room: Conn[] = [];
  /** Requests waiting for room (every socket full and no more may be opened). */
  const waiting: Array<{ request: string; w: Waiter }> = [];
  const seen = new InFlightMax();
  const name = `net.Socket, no HTTP client (floor)${o.connections > 1 ? `, ${o.connections} sockets` : ''}${o.depth > 1 ? `, pipelining ${o.depth}` : ''}`;

  const assign = (c: Conn, request: string, w: Waiter): void => {
    c.send(request, w);
    seen.see(c.inFlight.length);
    if (c.inFlight.length >= o.depth && room[room.length - 1] === c) {
      room.pop();
      c.inRoom = false;
    }
  };
  const onFree = (c: Conn): void => {
    const next = waiting.shift();
    if (next) return assign(c, next.request, next.w);
    if (!c.inRoom && c.inFlight.length < o.depth) {
      room.push(c);
      c.inRoom = true;
    }
  };
  // A broken socket fails the run: the requests waiting for room fail with it.
  const onDead = (c: Conn): void => {
    all.delete(c);
    for (const x of waiting.splice(0)) x.w.reject(c.dead!);
  };
  /** The top socket with room; sockets that filled up or died are dropped from the stack on the way. */
  const withRoom = (): Conn | undefined => {
    while (room.length > 0) {
      const c = room[room.length - 1]!;
      if (!c.dead && c.inFlight.length < o.depth) return c;
      room.pop();
      c.inRoom = false;
    }
    return undefined;
  };

  return {
    kind: 'net',
    name,
    inFlight: seen,
    request(path) {
      const request = `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`;
      return new Promise<number>((resolve, reject) => {
        const w = { resolve, reject };
        let c = withRoom();
        if (c === undefined && all.size < o.connections) {
          // Writes before 'connect' are queued by the socket itself.
          c = new Conn(port, host, name, o.read === 'buffer', onFree, onDead);
          all.add(c);
          room.push(c);
          c.inRoom = true;
        }
        if (c) assign(c, request, w);
        else waiting.push({ request, w });
      });
    },
    connections: () => all.size,
    async close() {
      for (const c of all) c.socket.destroy();
      for (const x of waiting.splice(0)) x.w.reject(new Error(`${name}: closed`));
    },
  };
}
