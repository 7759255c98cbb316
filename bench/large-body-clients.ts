/**
 * The clients of the large-body section, each reading a body the way its users would:
 *   buffered  hiper `(await t.done).body`, undici `body.arrayBuffer()`, the net floor joining the slices;
 *   streamed  hiper `for await` over `r.body` (stream: true), undici `body.dump()` and `for await` over
 *             its body, the net floor counting the slices.
 * Bytes are counted or taken from the result; nothing else is done with them. No pipelining: a 1 MiB or
 * larger body leaves nothing for it to win.
 */
import type { Dispatcher } from 'undici';
import { loadMulti, type BenchClient, type Skipped } from './clients.js';
import { netClient } from './net-client.js';
import type { MultiApi, MultiOptions } from '../src/multi/types.js';

/** How a body is read: whole, iterated, or (undici only) dumped. */
export type LargeRead = 'buffer' | 'iterate' | 'dump';

export interface LargeSpec {
  kind: 'hiper' | 'undici' | 'net';
  read: LargeRead;
  connections: number;
}

/** The row a client belongs to in the report: one per kind and read. */
export function largeVariant(s: Pick<LargeSpec, 'kind' | 'read'>): string {
  return `${s.kind} ${s.read}`;
}

const READS: Record<LargeSpec['kind'], Partial<Record<LargeRead, string>>> = {
  hiper: { buffer: 'await t.done', iterate: 'for await over r.body' },
  undici: { buffer: 'body.arrayBuffer()', iterate: 'for await over body', dump: 'body.dump()' },
  net: { buffer: 'slices joined', iterate: 'bytes counted' },
};

/** The name a client is shown with; also how the parent finds its figures among a scenario's. */
export function largeName(s: LargeSpec): string {
  const n = s.connections;
  const who = s.kind === 'hiper' ? `hiper Multi${n > 1 ? `, maxConnectionsPerHost ${n}` : ''}`
    : s.kind === 'undici' ? (n > 1 ? `undici Pool, connections ${n}` : 'undici Client')
    : `net.Socket floor${n > 1 ? `, ${n} sockets` : ''}`;
  return `${who}: ${READS[s.kind][s.read] ?? s.read}`;
}

function badStatus(name: string, status: number): Error {
  return new Error(`${name}: status ${status}, expected 200`);
}

async function hiper(origin: string, s: LargeSpec, name: string): Promise<BenchClient | Skipped> {
  const Multi = await loadMulti();
  if ('skipped' in Multi) return Multi;
  const multi = new (Multi as unknown as new (o: MultiOptions) => MultiApi)({ maxConnectionsPerHost: s.connections });
  const buffered = async (path: string): Promise<number> => {
    const r = await multi.add({ url: origin + path }).done;
    if (r.status !== 200) throw badStatus(name, r.status);
    return r.body.length;
  };
  const iterated = async (path: string): Promise<number> => {
    const t = multi.add({ url: origin + path, stream: true });
    const r = await t.response;
    if (r.status !== 200) {
      await r.body.dump();
      throw badStatus(name, r.status);
    }
    let bytes = 0;
    for await (const chunk of r.body) bytes += chunk.length;
    await t.done;
    return bytes;
  };
  return {
    kind: 'hiper',
    name,
    request: s.read === 'buffer' ? buffered : iterated,
    connections: () => multi.stats().connections,
    close: () => multi.close(),
  };
}

/**
 * undici keeps the bytes a body has read under a symbol of its own; dump() gives no count, so the count is
 * read there (dump() also settles when a body broke off). Without it the figures could not be checked.
 */
function bytesRead(body: object): number {
  const key = Object.getOwnPropertySymbols(body).find((k) => k.description === 'kBytesRead');
  const n = key === undefined ? undefined : (body as Record<symbol, unknown>)[key];
  if (typeof n !== 'number') throw new Error('undici body without kBytesRead: the bytes body.dump() read cannot be counted');
  return n;
}

async function undici(origin: string, s: LargeSpec, name: string): Promise<BenchClient> {
  const { Client, Pool } = await import('undici');
  const common = { keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 };
  const d: Dispatcher = s.connections > 1 ? new Pool(origin, { ...common, connections: s.connections }) : new Client(origin, common);
  const read = {
    buffer: async (body: Dispatcher.ResponseData['body']) => (await body.arrayBuffer()).byteLength,
    iterate: async (body: Dispatcher.ResponseData['body']) => {
      let bytes = 0;
      for await (const chunk of body) bytes += (chunk as Buffer).length;
      return bytes;
    },
    // dump()'s default limit is 128 KiB: past it the body is destroyed and the connection with it, not read.
    dump: async (body: Dispatcher.ResponseData['body']) => {
      await body.dump({ limit: Number.MAX_SAFE_INTEGER });
      return bytesRead(body);
    },
  }[s.read];
  return {
    kind: 'undici',
    name,
    async request(path) {
      const { statusCode, body } = await d.request({ path, method: 'GET' });
      if (statusCode !== 200) {
        await body.dump();
        throw badStatus(name, statusCode);
      }
      return read(body);
    },
    connections: () => (d instanceof Pool ? d.stats.connected : undefined),
    close: () => d.close(),
  };
}

export async function largeBodyClient(origin: string, s: LargeSpec): Promise<BenchClient | Skipped> {
  const name = largeName(s);
  if (READS[s.kind][s.read] === undefined) return { skipped: `${s.kind} has no ${s.read} read here` };
  switch (s.kind) {
    case 'hiper':
      return hiper(origin, s, name);
    case 'undici':
      return undici(origin, s, name);
    case 'net':
      return { ...netClient(origin, { connections: s.connections, depth: 1, read: s.read === 'buffer' ? 'buffer' : 'stream' }), name };
  }
}
