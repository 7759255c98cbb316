/**
 * The clients under test, each behind one small interface: GET a path, resolve to the number of body
 * bytes once the whole body has been read (the caller checks it), reject on any status but 200.
 * Bodies are read one of two ways: streamed (hiper's onData, the others counting 'data' events) or
 * buffered (the whole body in one Buffer: hiper's result.body, undici's body.bytes(), node's chunks joined).
 * hiper's Multi is loaded dynamically, so the benchmarks still build and run while src/multi is unfinished;
 * undici too, so that a child process running another client does not pay for loading it.
 * The raw net.Socket floor is in net-client.ts.
 */
import http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';
import type { Client, Dispatcher } from 'undici';
import { bodyBytes } from './body.js';
import type { MultiOptions, MultiStats, TransferOptions, TransferResult } from '../src/multi/types.js';

export type ClientKind = 'hiper' | 'undici' | 'node:http' | 'node:http2' | 'net';

/** How a client reads a response body: slice by slice as it arrives, or whole into one Buffer. */
export type BodyRead = 'stream' | 'buffer';

export interface BenchClient {
  readonly kind: ClientKind;
  readonly name: string;
  /** Body bytes of GET `path`, after the whole body was read. */
  request(path: string): Promise<number>;
  /** Connections open now, where the client tells. */
  connections(): number | undefined;
  /** Most requests in flight on one connection, where it can be known. */
  readonly inFlight?: InFlight;
  close(): Promise<void>;
}

export interface InFlight {
  /**
   * Counting on or off. It is on only in the probe run that checks pipelining, never in a counted run,
   * so that no client pays for being watched while it is measured.
   */
  watch(on: boolean): void;
  /** The most requests the client had in flight on any one of its connections since the last take(). */
  take(): number;
}

/** An InFlight that is told each connection's count as it changes, while watching. */
export class InFlightMax implements InFlight {
  private max = 0;
  on = false;
  private readonly switches: Array<(on: boolean) => void> = [];

  see(n: number): void {
    if (n > this.max) this.max = n;
  }

  /** Called with each change of watching (a client that must put a hook in place to count). */
  onWatch(fn: (on: boolean) => void): void {
    this.switches.push(fn);
    fn(this.on);
  }

  watch(on: boolean): void {
    this.on = on;
    for (const fn of this.switches) fn(on);
  }

  take(): number {
    const m = this.max;
    this.max = 0;
    return m;
  }
}

/** A client that could not be made here, and why (the table shows the reason). */
export interface Skipped {
  skipped: string;
}

export function isSkipped<T extends object>(c: T | Skipped): c is Skipped {
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

/** A Readable's whole body joined into one Buffer; its length. */
function bufferStream(stream: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).length));
    stream.once('error', reject);
  });
}

function readStream(stream: NodeJS.ReadableStream, read: BodyRead): Promise<number> {
  return read === 'buffer' ? bufferStream(stream) : countStream(stream);
}

// --- undici

export interface UndiciOptions {
  /** Requests in flight per connection (on h2: concurrent streams). */
  pipelining: number;
  /** Pool size; 1 gives a plain Client. */
  connections?: number;
  allowH2?: boolean;
  ca?: string;
  /** Default 'stream'. */
  read?: BodyRead;
  /**
   * Record the most requests in flight per connection (default true). Off where memory per connection
   * is measured (c10k), since it keeps a reference to each connection's Client.
   */
  watchInFlight?: boolean;
}

/**
 * A Client that notes how many requests it has running (written and not yet answered, this one included)
 * as each response starts: undici calls the handler's onResponseStarted then, for h1 and h2 alike.
 * (At dispatch the count says little: undici may hold a request back to a later tick.)
 */
function watched(c: Client, seen: InFlightMax): Client {
  const dispatch = c.dispatch;
  const started = (): void => seen.see(c.stats.running);
  const counting = (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean => {
    handler.onResponseStarted = started;
    return dispatch.call(c, options, handler);
  };
  // The hook is in place only while watching: counted runs use undici's own dispatch.
  seen.onWatch((on) => {
    if (on) c.dispatch = counting;
    else delete (c as { dispatch?: unknown }).dispatch;
  });
  return c;
}

/**
 * undici as its best users set it up: a Client (one connection) or a Pool, with `pipelining` requests per
 * connection. When pipelining, every request is sent with `blocking: false`: with undici's default for GET
 * (`blocking: true`) the next request waits for the previous one's head, so with small bodies there is
 * never more than one request on the wire.
 */
export async function undiciClient(origin: string, o: UndiciOptions): Promise<BenchClient> {
  const { Client, Pool } = await import('undici');
  const seen = o.watchInFlight === false ? undefined : new InFlightMax();
  const common = {
    pipelining: o.pipelining,
    // Idle connections are kept for the whole run (c10k): no keep-alive expiry on the client side.
    keepAliveTimeout: 600_000,
    keepAliveMaxTimeout: 600_000,
    ...(o.allowH2 ? { allowH2: true, maxConcurrentStreams: o.pipelining } : {}),
    ...(o.ca ? { connect: { ca: o.ca } } : {}),
  };
  const make = (opts: Client.Options): Client => {
    const c = new Client(origin, opts);
    return seen ? watched(c, seen) : c;
  };
  const pooled = (o.connections ?? 1) > 1;
  const d = pooled
    ? new Pool(origin, { ...common, connections: o.connections!, ...(seen ? { factory: (_: URL, opts: object) => make(opts as Client.Options) } : {}) })
    : make(common);
  const pipelining = o.pipelining > 1;
  const setup = pipelining ? `, pipelining ${o.pipelining}${o.allowH2 ? '' : ', blocking: false'}` : '';
  const name = pooled
    ? `undici Pool ${o.connections} connections${setup}`
    : o.allowH2 ? `undici Client allowH2, ${o.pipelining} streams` : `undici Client${setup || ' pipelining 1'}`;
  const read = o.read ?? 'stream';
  const send = pipelining
    ? (path: string) => d.request({ path, method: 'GET', blocking: false })
    : (path: string) => d.request({ path, method: 'GET' });
  return {
    kind: 'undici',
    name,
    ...(seen ? { inFlight: seen } : {}),
    async request(path) {
      const { statusCode, body } = await send(path);
      if (statusCode !== 200) {
        await body.dump();
        throw badStatus(name, statusCode);
      }
      return read === 'buffer' ? (await body.bytes()).length : countStream(body);
    },
    connections: () => (d instanceof Pool ? d.stats.connected : undefined),
    close: () => d.close(),
  };
}

// --- node:http

export function nodeHttpClient(origin: string, o: { maxSockets: number; read?: BodyRead }): BenchClient {
  const url = new URL(origin);
  const read = o.read ?? 'stream';
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets, maxFreeSockets: o.maxSockets, scheduling: 'lifo' });
  const name = `node:http Agent keepAlive, ${o.maxSockets === Infinity ? 'unlimited' : o.maxSockets} socket${o.maxSockets === 1 ? '' : 's'}`;
  return {
    kind: 'node:http',
    name,
    // The Agent gives a socket to one request at a time.
    inFlight: { watch: () => {}, take: () => 1 },
    request(path) {
      return new Promise((resolve, reject) => {
        const req = http.get({ agent, host: url.hostname, port: url.port, path }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(badStatus(name, res.statusCode ?? 0));
            return;
          }
          readStream(res, read).then(resolve, reject);
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

export async function nodeHttp2Client(origin: string, o: { ca: string; read?: BodyRead }): Promise<BenchClient> {
  const session = http2.connect(origin, { ca: o.ca });
  session.on('error', () => {});
  await once(session, 'connect');
  const name = 'node:http2 session (no client layer)';
  const read = o.read ?? 'stream';
  // Streams open on the one session: the requests in flight on the connection.
  const seen = new InFlightMax();
  let open = 0;
  return {
    kind: 'node:http2',
    name,
    inFlight: seen,
    request(path) {
      seen.see(++open);
      return new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': path, ':method': 'GET' });
        stream.once('response', (headers) => {
          const status = Number(headers[':status']);
          if (status !== 200) {
            stream.resume();
            reject(badStatus(name, status));
            return;
          }
          readStream(stream, read).then(resolve, reject);
        });
        stream.once('error', reject);
      }).finally(() => open--);
    },
    connections: () => 1,
    async close() {
      session.close();
      if (!session.closed) await once(session, 'close');
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

const multiLoaded = new Map<string, Promise<MultiCtor | Skipped>>();

/** hiper's Multi (or its ShardedMulti, one Multi per worker thread), or why it cannot be used yet. */
export function loadMulti(name: 'Multi' | 'ShardedMulti' = 'Multi'): Promise<MultiCtor | Skipped> {
  // A specifier in a variable: tsc neither follows nor checks it, so a missing export cannot break the build.
  const spec = '../src/multi/index.js';
  let loaded = multiLoaded.get(name);
  if (loaded === undefined) {
    loaded = import(spec).then(
      (mod: Record<string, unknown>) => (typeof mod[name] === 'function' ? (mod[name] as MultiCtor) : { skipped: `multi not built (src/multi/index.ts does not export ${name})` }),
      (e: Error) => ({ skipped: `multi not built (${e.message.split('\n')[0]})` }),
    );
    multiLoaded.set(name, loaded);
  }
  return loaded;
}

export interface HiperOptions {
  pipelining: number;
  connections: number;
  /** For https origins. */
  tls?: MultiOptions['tls'];
  httpVersion?: MultiOptions['httpVersion'];
  label?: string;
  /** 'stream' (default): onData, result.body stays empty; 'buffer': no onData, the body comes in result.body. */
  read?: BodyRead;
  /** A ShardedMulti with this many worker threads instead of a Multi. */
  workers?: number;
  /**
   * The GETs take turns over this many source addresses (127.0.0.1, 127.0.0.2...): as many pool keys,
   * `connections` shared among them (a ShardedMulti spreads pool keys over its workers).
   */
  sources?: number;
}

/** A hiper bench client and the Multi under it (for a probe transfer). */
async function makeHiper(origin: string, o: HiperOptions): Promise<{ client: BenchClient; multi: MultiLike } | Skipped> {
  const Multi = await loadMulti(o.workers !== undefined ? 'ShardedMulti' : 'Multi');
  if ('skipped' in Multi) return Multi;
  let multi: MultiLike;
  try {
    multi = new Multi({
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      pipelining: o.pipelining > 1,
      maxPipelineLength: o.pipelining,
      maxConnectionsPerHost: Math.ceil(o.connections / (o.sources ?? 1)),
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.httpVersion ? { httpVersion: o.httpVersion } : {}),
    });
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { skipped: `Multi refused the options (${err.code ?? 'error'}: ${err.message})` };
  }
  const name = o.label ?? (o.workers !== undefined
    ? `hiper ShardedMulti ${o.workers} worker${o.workers === 1 ? '' : 's'}, ${o.connections > 1 ? `${o.connections} connections` : `depth ${o.pipelining}`}${o.sources ? `, ${o.sources} sources` : ''}`
    : o.sources ? `hiper Multi ${o.connections} connections, ${o.sources} sources`
    : o.connections > 1
    ? `hiper Multi ${o.connections} connections${o.pipelining > 1 ? `, depth ${o.pipelining}` : ''}`
    : o.pipelining > 1 ? `hiper Multi pipelining depth ${o.pipelining}` : 'hiper Multi 1 connection');
  // Requests ahead of a transfer on its connection when it was written, plus itself.
  const seen = new InFlightMax();
  const sources = o.sources === undefined ? undefined : Array.from({ length: o.sources }, (_, i) => `127.0.0.${i + 1}`);
  let turn = 0;
  const get = (path: string, onData?: (c: Buffer) => void): TransferOptions => {
    const url = origin + path;
    if (sources === undefined) return onData === undefined ? { url } : { url, onData };
    const localAddress = sources[turn++ % sources.length]!;
    return onData === undefined ? { url, localAddress } : { url, localAddress, onData };
  };
  const client: BenchClient = {
    kind: 'hiper',
    name,
    inFlight: seen,
    request: (o.read ?? 'stream') === 'buffer'
      ? async (path) => {
          const r = await multi.add(get(path)).done;
          if (r.status !== 200) throw badStatus(name, r.status);
          seen.see(r.info.pipelinePosition + 1);
          return r.body.length;
        }
      : async (path) => {
          let bytes = 0;
          const r = await multi.add(get(path, (c) => (bytes += c.length))).done;
          if (r.status !== 200) throw badStatus(name, r.status);
          seen.see(r.info.pipelinePosition + 1);
          // With onData, result.body stays empty.
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
export async function hiperH2Client(origin: string, o: { ca: string; streams: number; path: string; read?: BodyRead }): Promise<BenchClient | Skipped> {
  const made = await makeHiper(origin, { pipelining: o.streams, connections: 1, tls: { ca: o.ca }, httpVersion: '2', label: `hiper Multi h2, ${o.streams} streams`, read: o.read ?? 'stream' });
  if ('skipped' in made) return made;
  let why: string | undefined;
  try {
    const r = await made.multi.add({ url: origin + o.path }).done;
    if (r.httpVersion !== '2' || r.info.httpVersion !== '2') why = `negotiated HTTP/${r.httpVersion}${r.info.alpn ? ` (ALPN ${r.info.alpn})` : ''}`;
    else if (r.status !== 200 || r.body.length !== bodyBytes(o.path)) why = `the probe got status ${r.status} and ${r.body.length} body bytes`;
  } catch (e) {
    const err = e as { code?: string; message: string };
    // OpenSSL's own error text after the first colon-separated part adds nothing to the reason.
    why = `${err.code ?? 'error'}: ${err.message.split('\n')[0]!.replace(/: [0-9A-F]{8,}:error:.*?:([^:]+):\.\..*$/, ': $1')}`;
  }
  if (why === undefined) return made.client;
  await made.client.close();
  return { skipped: `Multi does not speak h2 here (${why})` };
}
