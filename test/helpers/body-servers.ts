/**
 * Servers for the body tests, on loopback: one request handler (node:http's request/response API,
 * which node:http2's compatibility API mirrors) served over HTTP/1.1 by node:http and over HTTP/2 by
 * node:http2's secure server, so a table of cases runs on both protocols; a raw net server for what
 * node:http would not do (pipelined answers written at once, close-delimited bodies, not reading a
 * request body); and a wait for a count that stops moving, to tell that a writer is stalled.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import type { MultiOptions } from '../../src/multi/index.js';
import { patternSlices } from './pattern.js';
import type { TestCert } from './cert.js';

export type Protocol = 'h1' | 'h2';

/** A request handler for both protocols (node:http2's compatibility objects are given as their node:http likes). */
export type BodyHandler = (req: http.IncomingMessage, res: http.ServerResponse, protocol: Protocol) => void;

export interface BodyBed {
  protocol: Protocol;
  /** "http://127.0.0.1:PORT" (h1) or "https://127.0.0.1:PORT" (h2). */
  base: string;
  /** What a Multi needs to reach it (the test CA for h2). */
  multiOptions: MultiOptions;
  /** Connections (h1) or sessions (h2) the server accepted. */
  readonly connections: number;
  /** Ends the response abruptly: the socket is destroyed (h1), the stream reset with INTERNAL_ERROR (h2). */
  cut(res: http.ServerResponse): void;
  close(): Promise<void>;
}

export async function startBed(protocol: Protocol, handler: BodyHandler, cert: TestCert): Promise<BodyBed> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = protocol === 'h1'
    ? http.createServer((req, res) => handler(req, res, 'h1'))
    : http2.createSecureServer({ key: cert.key, cert: cert.cert }, (req, res) => handler(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse, 'h2'));
  server.on(protocol === 'h1' ? 'connection' : 'secureConnection', (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  if (protocol === 'h2') {
    server.on('session', (session: http2.Http2Session) => session.on('error', () => {}));
    server.on('stream', (stream: http2.ServerHttp2Stream) => stream.on('error', () => {}));
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    protocol,
    base: `${protocol === 'h1' ? 'http' : 'https'}://127.0.0.1:${port}`,
    multiOptions: protocol === 'h1' ? {} : { tls: { ca: cert.cert } },
    get connections() {
      return connections;
    },
    cut: (res) => {
      if (protocol === 'h1') res.socket?.destroy();
      else (res as unknown as http2.Http2ServerResponse).stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * Writes `length` bytes of the pattern from `offset` with backpressure (waiting for 'drain'), adding each
 * slice to `progress.written` once the writer took it. Resolves false if the response closed first.
 */
export async function writeCounted(res: http.ServerResponse, length: number, progress: { written: number }, offset = 0): Promise<boolean> {
  for (const slice of patternSlices(length, offset)) {
    const ok = res.write(slice);
    progress.written += slice.length;
    if (!ok && !(await drainOrClose(res))) return false;
  }
  return true;
}

/** Resolves true on 'drain', false on 'close', leaving no listener behind. */
function drainOrClose(w: NodeJS.EventEmitter): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (drained: boolean): void => {
      w.off('drain', onDrain);
      w.off('close', onClose);
      resolve(drained);
    };
    const onDrain = (): void => settle(true);
    const onClose = (): void => settle(false);
    w.on('drain', onDrain);
    w.on('close', onClose);
  });
}

export interface RawServer {
  port: number;
  /** Sockets accepted, in order. */
  readonly sockets: net.Socket[];
  close(): Promise<void>;
}

/** A net server handing each accepted socket to `onSocket`. */
export async function startRaw(onSocket: (socket: net.Socket, index: number) => void): Promise<RawServer> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    sockets.push(s);
    onSocket(s, sockets.length - 1);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * Calls `onHead(head)` for each request head read from the socket ("\r\n\r\n"-terminated), with the
 * bytes after it that arrived with it; the caller reads any body itself.
 */
export function readHeads(socket: net.Socket, onHead: (head: string, index: number) => void): void {
  let buffered = '';
  let index = 0;
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    buffered += d;
    let end;
    while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      onHead(head, index++);
    }
  });
}

/**
 * Resolves with `read()` once it has not changed for `quietMs` (a writer that is stalled, a source that
 * is no longer pulled). There is no event for "nothing more happens": this watches for a while, bounded
 * by `deadlineMs` (then it rejects: the count kept moving).
 */
export async function settledValue(read: () => number, quietMs = 200, deadlineMs = 10_000): Promise<number> {
  const start = Date.now();
  let last = read();
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
    if (Date.now() - start > deadlineMs) throw new Error(`still changing after ${deadlineMs} ms (now ${now})`);
  }
}

/**
 * Resolves once `predicate()` holds, checked every few ms: for a state that has no event of its own (a
 * live counter such as TransferInfo.sizeDownload), bounded by `deadlineMs`.
 */
export async function until(predicate: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > deadlineMs) throw new Error(`gave up after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
