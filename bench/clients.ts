/**
 * The clients under test, each behind one small interface: GET a path, resolve to the number of body
 * bytes once the whole body has been read (the caller checks it), reject on any status but 200.
 * hiper's Multi is loaded dynamically, so the benchmarks still build and run while src/multi is unfinished.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { Client, Pool } from 'undici';
import { BODY_BYTES } from './body.js';
import type { MultiOptions, MultiStats, TransferOptions, TransferResult } from '../src/multi/types.js';

export type ClientKind = 'hiper' | 'undici' | 'node:http' | 'node:http2' | 'net';

export interface BenchClient {
  readonly kind: ClientKind;
  readonly name: string;
  /** Body bytes of GET `path`, after the whole body was read. */
  request(path: string): Promise<number>;
  /** Connections open now, where the client tells. */
  connections(): number | undefined;
  close(): Promise<void>;
}

/** A client that could not be made here, and why (the table shows the reason). */
export interface Skipped {
  skipped: string;
}

export function isSkipped(c: BenchClient | Skipped): c is Skipped {
  return 'skipped' in c;
}

function badStatus(name: string, status: number): Error {
  return new Error(`${name}: status ${status}, expected 200`);
}

/** Byte count of a Readable, by its 'data' events (the cheapest full read a stream allows). */
function countStream(stream: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    stream.on('data', (c: Buffer) => (n += c.length));
    stream.once('end', () => resolve(n));
    stream.once('error', reject);
  });
}

// --- undici

export interface UndiciOptions {
  /** Requests in flight per connection (on h2: concurrent streams). */
  pipelining: number;
  /** Pool size; 1 gives a plain Client. */
  connections?: number;
  allowH2?: boolean;
  ca?: string;
}

export function undiciClient(origin: string, o: UndiciOptions): BenchClient {
  const common = {
    pipelining: o.pipelining,
    // Idle connections are kept for the whole run (c10k): no keep-alive expiry on the client side.
    keepAliveTimeout: 600_000,
    keepAliveMaxTimeout: 600_000,
    ...(o.allowH2 ? { allowH2: true, maxConcurrentStreams: o.pipelining } : {}),
    ...(o.ca ? { connect: { ca: o.ca } } : {}),
  };
  const pooled = (o.connections ?? 1) > 1;
  const d = pooled ? new Pool(origin, { ...common, connections: o.connections! }) : new Client(origin, common);
  const name = pooled
    ? `undici Pool ${o.connections} connections${o.pipelining > 1 ? `, pipelining ${o.pipelining}` : ''}`
    : o.allowH2 ? `undici Client allowH2, ${o.pipelining} streams` : `undici Client pipelining ${o.pipelining}`;
  return {
    kind: 'undici',
    name,
    async request(path) {
      const { statusCode, body } = await d.request({ path, method: 'GET' });
      if (statusCode !== 200) {
        await body.dump();
        throw badStatus(name, statusCode);
      }
      return countStream(body);
    },
    connections: () => (d instanceof Pool ? d.stats.connected : undefined),
    close: () => d.close(),
  };
}

// --- node:http

export function nodeHttpClient(origin: string, o: { maxSockets: number }): BenchClient {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets, maxFreeSockets: o.maxSockets, scheduling: 'lifo' });
  const name = `node:http Agent keepAlive, ${o.maxSockets === Infinity ? 'unlimited' : o.maxSockets} socket${o.maxSockets === 1 ? '' : 's'}`;
  return {
    kind: 'node:http',
    name,
    request(path) {
      return new Promise((resolve, reject) => {
        const req = http.get({ agent, host: url.hostname, port: url.port, path }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(badStatus(name, res.statusCode ?? 0));
            return;
          }
          countStream(res).then(resolve, reject);
        });
        req.once('error', reject);
      });
    },
    connections() {
      let n = 0;
      for (const list of [agent.sockets, agent.freeSockets]) for (const k in list) n += list[k]?.length ?? 0;
      return n;
    },
    async close() {
      agent.destroy();
    },
  };
}

// --- node:http2 (one session, as a floor for clients built on node:http2)

export async function nodeHttp2Client(origin: string, o: { ca: string }): Promise<BenchClient> {
  const session = http2.connect(origin, { ca: o.ca });
  session.on('error', () => {});
  await once(session, 'connect');
  const name = 'node:http2 session (no client layer)';
  return {
    kind: 'node:http2',
    name,
    request(path) {
      return new Promise((resolve, reject) => {
        const stream = session.request({ ':path': path, ':method': 'GET' });
        stream.once('response', (headers) => {
          const status = Number(headers[':status']);
          if (status !== 200) {
            stream.resume();
            reject(badStatus(name, status));
            return;
          }
          countStream(stream).then(resolve, reject);
        });
        stream.once('error', reject);
      });
    },
    connections: () => 1,
    async close() {
      session.close();
      if (!session.closed) await once(session, 'close');
    },
  };
}

// --- raw net.Socket: no HTTP client at all, the floor under every Node client (used by c10k)

/**
 * Keep-alive sockets in a LIFO free list, one request at a time on each; a response is read by finding
 * the end of the head and its Content-Length (enough for the bench server's fixed answer, nothing more).
 */
export function rawSocketClient(origin: string): BenchClient {
  const url = new URL(origin);
  const port = Number(url.port);
  const free: net.Socket[] = [];
  const all = new Set<net.Socket>();
  const name = 'net.Socket, no HTTP client (floor)';
  const HEAD_END = Buffer.from('\r\n\r\n');

  const open = (): Promise<net.Socket> => new Promise((resolve, reject) => {
    const s = net.connect(port, url.hostname);
    s.setNoDelay(true);
    s.once('connect', () => {
      s.off('error', reject);
      all.add(s);
      s.on('close', () => all.delete(s));
      resolve(s);
    });
    s.once('error', reject);
  });

  const exchange = (s: net.Socket, path: string): Promise<number> => new Promise((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    let remaining = -1;
    let bodyBytes = 0;
    const done = (e?: Error, n?: number): void => {
      s.off('data', onData);
      s.off('error', done);
      if (e) reject(e);
      else resolve(n!);
    };
    const onData = (c: Buffer): void => {
      if (head !== undefined) {
        head = Buffer.concat([head, c]);
        const end = head.indexOf(HEAD_END);
        if (end < 0) return;
        const text = head.subarray(0, end).toString('latin1');
        if (!text.startsWith('HTTP/1.1 200 ')) return done(badStatus(name, Number(text.slice(9, 12))));
        remaining = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
        if (!Number.isInteger(remaining)) return done(new Error(`${name}: no Content-Length`));
        c = head.subarray(end + 4);
        head = undefined;
      }
      bodyBytes += c.length;
      remaining -= c.length;
      if (remaining <= 0) done(undefined, bodyBytes);
    };
    s.on('data', onData);
    s.once('error', done);
    s.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
  });

  return {
    kind: 'net',
    name,
    async request(path) {
      const s = free.pop() ?? (await open());
      const n = await exchange(s, path);
      free.push(s);
      return n;
    },
    connections: () => all.size,
    async close() {
      for (const s of all) s.destroy();
    },
  };
}

// --- hiper

interface MultiLike {
  add(options: TransferOptions): { done: Promise<TransferResult> };
  stats?(): MultiStats;
  close(): Promise<void>;
}
type MultiCtor = new (options: MultiOptions) => MultiLike;

let multiLoaded: Promise<MultiCtor | Skipped> | undefined;

/** hiper's Multi, or why it cannot be used yet. */
export function loadMulti(): Promise<MultiCtor | Skipped> {
  // A specifier in a variable: tsc neither follows nor checks it, so a missing export cannot break the build.
  const spec = '../src/multi/index.js';
  multiLoaded ??= import(spec).then(
    (mod: { Multi?: unknown }) => (typeof mod.Multi === 'function' ? (mod.Multi as MultiCtor) : { skipped: 'multi not built (src/multi/index.ts does not export Multi)' }),
    (e: Error) => ({ skipped: `multi not built (${e.message.split('\n')[0]})` }),
  );
  return multiLoaded;
}

export interface HiperOptions {
  pipelining: number;
  connections: number;
  /** For https origins. */
  tls?: MultiOptions['tls'];
  httpVersion?: MultiOptions['httpVersion'];
  label?: string;
}

/** A hiper bench client and the Multi under it (for a probe transfer). */
async function makeHiper(origin: string, o: HiperOptions): Promise<{ client: BenchClient; multi: MultiLike } | Skipped> {
  const Multi = await loadMulti();
  if ('skipped' in Multi) return Multi;
  let multi: MultiLike;
  try {
    multi = new Multi({
      pipelining: o.pipelining > 1,
      maxPipelineLength: o.pipelining,
      maxConnectionsPerHost: o.connections,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.httpVersion ? { httpVersion: o.httpVersion } : {}),
    });
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { skipped: `Multi refused the options (${err.code ?? 'error'}: ${err.message})` };
  }
  const name = o.label ?? (o.connections > 1
    ? `hiper Multi ${o.connections} connections${o.pipelining > 1 ? `, depth ${o.pipelining}` : ''}`
    : o.pipelining > 1 ? `hiper Multi pipelining depth ${o.pipelining}` : 'hiper Multi 1 connection');
  const client: BenchClient = {
    kind: 'hiper',
    name,
    async request(path) {
      let bytes = 0;
      const r = await multi.add({ url: origin + path, onData: (c) => (bytes += c.length) }).done;
      if (r.status !== 200) throw badStatus(name, r.status);
      // Without onData the body would be collected instead; with it, result.body stays empty.
      return bytes + r.body.length;
    },
    connections: () => multi.stats?.().connections,
    close: () => multi.close(),
  };
  return { client, multi };
}

export async function hiperClient(origin: string, o: HiperOptions): Promise<BenchClient | Skipped> {
  const made = await makeHiper(origin, o);
  return 'skipped' in made ? made : made.client;
}

/**
 * hiper over h2 (`httpVersion: '2'`), measured only if one probe transfer on the same Multi comes back
 * as HTTP/2; otherwise the reason (an option refused, a failed handshake, or HTTP/1.1 negotiated).
 * The probe also leaves the one connection open that the runs then use.
 */
export async function hiperH2Client(origin: string, o: { ca: string; streams: number; path: string }): Promise<BenchClient | Skipped> {
  const made = await makeHiper(origin, { pipelining: o.streams, connections: 1, tls: { ca: o.ca }, httpVersion: '2', label: `hiper Multi h2, ${o.streams} streams` });
  if ('skipped' in made) return made;
  let why: string | undefined;
  try {
    const r = await made.multi.add({ url: origin + o.path }).done;
    if (r.httpVersion !== '2' || r.info.httpVersion !== '2') why = `negotiated HTTP/${r.httpVersion}${r.info.alpn ? ` (ALPN ${r.info.alpn})` : ''}`;
    else if (r.status !== 200 || r.body.length !== BODY_BYTES) why = `the probe got status ${r.status} and ${r.body.length} body bytes`;
  } catch (e) {
    const err = e as { code?: string; message: string };
    // OpenSSL's own error text after the first colon-separated part adds nothing to the reason.
    why = `${err.code ?? 'error'}: ${err.message.split('\n')[0]!.replace(/: [0-9A-F]{8,}:error:.*?:([^:]+):\.\..*$/, ': $1')}`;
  }
  if (why === undefined) return made.client;
  await made.client.close();
  return { skipped: `Multi does not speak h2 here (${why})` };
}
