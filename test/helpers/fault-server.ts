/**
 * A fault-injecting HTTP/1.1 server on loopback (raw net.Server, not node:http) for the multi layer's
 * tests. It reads pipelined requests and answers each with a deterministic body chosen by the path,
 * while a seeded PRNG (one per connection, derived from the seed and the connection's number) decides
 * the faults: closing after a number of responses, `Connection: close` mid-pipeline, close-delimited
 * bodies, bodies cut short, Content-Length or chunked framing, and how the bytes are cut into writes.
 *
 * Paths: /size/N (N bytes of a fixed pattern), /body/SEED/LEN (LEN PRNG bytes), /status/CODE (that
 * status; no body for 204 and 304), anything else 404. expectedBody(path) gives the body a GET gets.
 */
import net from 'node:net';
import { once } from 'node:events';
import { mulberry32, type Prng } from './prng.js';

export interface FaultServerOptions {
  /** Seed of the per-connection PRNGs; default 1. */
  seed?: number;
  /** Loopback address to listen on; default 127.0.0.1. */
  host?: string;
  /** Close (FIN) after this many responses on a connection: a number, or [min, max] drawn per connection. */
  closeAfter?: number | [min: number, max: number];
  /**
   * How the outgoing bytes are cut into writes: 'whole' (as they come), 'bytes' (one byte per write),
   * 'random' (1..maxPiece bytes per write, across response boundaries). Between writes of 'bytes' and
   * 'random' the server yields with setImmediate, so the client reads them separately. Default 'whole'.
   */
  split?: 'whole' | 'bytes' | 'random';
  /** Largest write in 'random' mode; default 64. */
  maxPiece?: number;
  /** Probability that a response with a body is chunked rather than Content-Length; default 0.5. */
  chunkedRate?: number;
  /** Probability that a response carries `Connection: close` (the server then closes after it); default 0. */
  connectionCloseRate?: number;
  /** Probability that a GET response is close-delimited (no length, `Connection: close`); default 0. */
  closeDelimitedRate?: number;
  /** Probability that a response is cut off in its body and the connection closed; default 0. */
  truncateRate?: number;
  /** Probability of a `100 Continue` before a response; default 0. */
  informationalRate?: number;
  /** Probability that a connection the server ends on purpose is reset (RST) rather than closed (FIN); default 0. */
  resetRate?: number;
}

export type Framing = 'length' | 'chunked' | 'close' | 'none';

export interface FaultLogEntry {
  connection: number;
  /** Index of the request on its connection, from 0. */
  index: number;
  method: string;
  path: string;
  framing: Framing;
  /** What the server did after (or instead of) completing this response. */
  fault?: 'connection-close' | 'close-after' | 'close-delimited' | 'truncated';
  /** The connection was then reset (RST) rather than closed. */
  reset?: boolean;
}

export interface FaultServerStats {
  connections: number;
  /** Requests read and answered (requests after the server decided to close are not read). */
  requests: number;
  /** Responses written completely. */
  responses: number;
  /** Connections the server ended on purpose (closeAfter, Connection: close, close-delimited, truncation). */
  closes: number;
  truncated: number;
  badRequests: number;
  log: FaultLogEntry[];
}

export interface FaultServer {
  port: number;
  host: string;
  stats: FaultServerStats;
  close(): Promise<void>;
}

const PATTERN = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');
const MAX_BODY = 64 * 1024 * 1024;
const REASONS: Record<number, string> = { 200: 'OK', 204: 'No Content', 304: 'Not Modified', 404: 'Not Found' };

function route(path: string): { status: number; body: Buffer } {
  let m = /^\/size\/(\d+)$/.exec(path);
  if (m && Number(m[1]) <= MAX_BODY) {
    const n = Number(m[1]);
    const body = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) body[i] = PATTERN[i % PATTERN.length]!;
    return { status: 200, body };
  }
  m = /^\/body\/(\d+)\/(\d+)$/.exec(path);
  if (m && Number(m[2]) <= MAX_BODY) return { status: 200, body: mulberry32(Number(m[1])).bytes(Number(m[2])) };
  m = /^\/status\/([2-5]\d\d)$/.exec(path);
  if (m) {
    const status = Number(m[1]);
    return { status, body: status === 204 || status === 304 ? Buffer.alloc(0) : Buffer.from(`status ${status}\n`) };
  }
  return { status: 404, body: Buffer.from(`not found: ${path}\n`) };
}

/** The body a GET of `path` receives (a HEAD receives none). */
export function expectedBody(path: string): Buffer {
  return route(path).body;
}

/** The status a request for `path` receives. */
export function expectedStatus(path: string): number {
  return route(path).status;
}

function chunkedBody(body: Buffer, rng: Prng): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const n = Math.min(body.length - pos, rng.int(1, Math.max(1, Math.ceil(body.length / 3))));
    parts.push(Buffer.from(`${n.toString(16)}${rng.chance(0.25) ? ';ext=1' : ''}\r\n`), body.subarray(pos, pos + n), Buffer.from('\r\n'));
    pos += n;
  }
  parts.push(Buffer.from(rng.chance(0.25) ? '0\r\nX-Trailer: t\r\n\r\n' : '0\r\n\r\n'));
  return Buffer.concat(parts);
}

interface Outgoing {
  data: Buffer;
  /** After the last byte: count a complete response, and/or end the connection (with a RST when `reset`). */
  response: boolean;
  end: boolean;
  reset: boolean;
}

interface Request {
  method: string;
  path: string;
}

/** Reads complete requests off the front of `buf`; returns them and the bytes left over. */
function readRequests(buf: Buffer): { requests: Request[]; rest: Buffer; bad: boolean } {
  const requests: Request[] = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) return { requests, rest: buf.subarray(pos), bad: buf.length - pos > 64 * 1024 };
    const lines = buf.toString('latin1', pos, end).split('\r\n');
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
    if (!m) return { requests, rest: Buffer.alloc(0), bad: true };
    const cl = lines.find((l) => /^content-length:/i.test(l));
    const bodyLength = cl ? Number(cl.slice(cl.indexOf(':') + 1).trim()) : 0;
    if (end + 4 + bodyLength > buf.length) return { requests, rest: buf.subarray(pos), bad: false };
    requests.push({ method: m[1]!, path: m[2]! });
    pos = end + 4 + bodyLength;
  }
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const seed = options.seed ?? 1;
  const host = options.host ?? '127.0.0.1';
  const split = options.split ?? 'whole';
  const maxPiece = options.maxPiece ?? 64;
  const stats: FaultServerStats = { connections: 0, requests: 0, responses: 0, closes: 0, truncated: 0, badRequests: 0, log: [] };
  const sockets = new Set<net.Socket>();

  function serve(socket: net.Socket): void {
    const connection = stats.connections++;
    const rng = mulberry32((seed ^ Math.imul(connection + 1, 0x9e3779b1)) >>> 0);
    const ca = options.closeAfter;
    const closeAfter = ca === undefined ? Infinity : typeof ca === 'number' ? ca : rng.int(ca[0], ca[1]);
    const queue: Outgoing[] = [];
    let input: Buffer = Buffer.alloc(0);
    let answered = 0;
    let closing = false;
    let pumping = false;

    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (closeAfter === 0) {
      closing = true;
      stats.closes++;
      socket.end();
      return;
    }

    function respond(req: Request): void {
      const index = answered++;
      const { status, body } = route(req.path);
      const hasBody = req.method !== 'HEAD' && status !== 204 && status !== 304;
      const entry: FaultLogEntry = { connection, index, method: req.method, path: req.path, framing: 'length' };
      stats.log.push(entry);
      let head = '';
      if (rng.chance(options.informationalRate ?? 0)) head += 'HTTP/1.1 100 Continue\r\n\r\n';
      head += `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\nX-Conn: ${connection}\r\nX-Seq: ${index}\r\n`;
      let payload = hasBody ? body : Buffer.alloc(0);
      if (req.method === 'GET' && hasBody && rng.chance(options.closeDelimitedRate ?? 0)) {
        entry.framing = 'close';
        entry.fault = 'close-delimited';
        head += 'Connection: close\r\n';
      } else if (status === 204 || status === 304) {
        entry.framing = 'none';
      } else if (rng.chance(options.chunkedRate ?? 0.5)) {
        entry.framing = 'chunked';
        head += 'Transfer-Encoding: chunked\r\n';
        if (hasBody) payload = chunkedBody(body, rng);
      } else {
        head += `Content-Length: ${body.length}\r\n`;
      }
      if (entry.fault === undefined && rng.chance(options.connectionCloseRate ?? 0)) {
        entry.fault = 'connection-close';
        head += 'Connection: close\r\n';
      }
      let data = Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), payload]);
      let complete = true;
      if (payload.length > 1 && entry.framing !== 'close' && rng.chance(options.truncateRate ?? 0)) {
        entry.fault = 'truncated';
        data = data.subarray(0, data.length - payload.length + rng.int(0, payload.length - 1));
        complete = false;
        stats.truncated++;
      } else if (entry.fault === undefined && answered >= closeAfter) {
        entry.fault = 'close-after';
      }
      const end = entry.fault !== undefined;
      const reset = end && rng.chance(options.resetRate ?? 0);
      if (end) {
        closing = true;
        stats.closes++;
      }
      if (reset) entry.reset = true;
      queue.push({ data, response: complete, end, reset });
    }

    async function pump(): Promise<void> {
      if (pumping) return;
      pumping = true;
      try {
        while (queue.length > 0 && !socket.destroyed) {
          const first = queue[0]!;
          const size = split === 'whole' ? first.data.length : split === 'bytes' ? 1 : rng.int(1, maxPiece);
          const pieces: Buffer[] = [];
          let taken = 0;
          let end = false;
          let reset = false;
          while (taken < size && queue.length > 0) {
            const head = queue[0]!;
            const n = Math.min(size - taken, head.data.length);
            pieces.push(head.data.subarray(0, n));
            head.data = head.data.subarray(n);
            taken += n;
            if (head.data.length > 0) break;
            queue.shift();
            if (head.response) stats.responses++;
            if (head.end) {
              end = true;
              reset = head.reset;
              break;
            }
          }
          const ok = socket.write(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
          if (end) {
            if (reset) socket.resetAndDestroy();
            else socket.end();
            return;
          }
          if (!ok) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
          if (split !== 'whole') await new Promise((r) => setImmediate(r));
        }
      } finally {
        pumping = false;
      }
    }

    socket.on('data', (d: Buffer) => {
      if (closing) return;
      input = input.length === 0 ? d : Buffer.concat([input, d]);
      const { requests, rest, bad } = readRequests(input);
      input = rest;
      for (const req of requests) {
        if (closing) break;
        stats.requests++;
        respond(req);
      }
      if (bad && !closing) {
        stats.badRequests++;
        closing = true;
        queue.push({ data: Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'), response: true, end: true, reset: false });
      }
      void pump();
    });
  }

  const server = net.createServer(serve);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    host,
    stats,
    async close(): Promise<void> {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
