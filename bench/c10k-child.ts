/**
 * One client of the c10k section, in a process of its own (run with --expose-gc and the open-file limit
 * raised): grows its pool to N idle keep-alive connections plus one, then times sequential requests,
 * which all go to one connection, and measures RSS growth per idle connection. Prints `RESULT {json}`.
 *   node --expose-gc c10k-child.js '{"kind":"hiper","origin":"http://127.0.0.1:PORT","levels":[10,1000],…}'
 */
import { hiperClient, isSkipped, nodeHttpClient, undiciClient, type BenchClient, type ClientKind } from './clients.js';
import { netClient } from './net-client.js';
import { drive } from './load.js';
import { BODY_PATH, checkBytes } from './body.js';
import { figure } from './stats.js';
import { nofileLimit } from './fdlimit.js';
import type { C10kClient, C10kLevel } from './results.js';

export interface C10kArgs {
  kind: ClientKind;
  origin: string;
  levels: number[];
  rounds: number;
  count: number;
  maxMs: number;
  warmup: number;
  /** Time limit for opening one level's connections, ms. */
  growMs: number;
  raisedBy: string;
}

const FD_HEADROOM = 64;

async function makeClient(a: C10kArgs, capacity: number): Promise<BenchClient | { skipped: string }> {
  switch (a.kind) {
    case 'hiper':
      return hiperClient(a.origin, { pipelining: 1, connections: capacity });
    case 'undici':
      // A Pool as large as the level, one request per connection (the load is sequential). The in-flight
      // watch is left off: it would hold a reference per connection, and memory per connection is measured here.
      return undiciClient(a.origin, { pipelining: 1, connections: capacity, watchInFlight: false });
    case 'node:http':
      return nodeHttpClient(a.origin, { maxSockets: capacity });
    case 'net':
      // Sequential keep-alive sockets, opened as the concurrent requests of a level need them.
      return netClient(a.origin, { connections: capacity, depth: 1, read: 'stream' });
    default:
      return { skipped: `no c10k variant for ${a.kind}` };
  }
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function memory(): { rss: number; heap: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
}

/** `n` requests at once: each takes an idle connection or, all being busy, opens one. */
async function grow(client: BenchClient, n: number, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${client.name}: ${n} concurrent requests did not finish within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([
      Promise.all(Array.from({ length: n }, async () => checkBytes(client.name, BODY_PATH, await client.request(BODY_PATH)))),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(a: C10kArgs): Promise<C10kClient> {
  const nofile = nofileLimit();
  const fits = (n: number): boolean => nofile === undefined || n + 1 + FD_HEADROOM <= nofile.soft;
  const levels = a.levels.filter(fits);
  const out: C10kClient = { kind: a.kind, name: a.kind, levels: [], nofile, raisedBy: a.raisedBy, skipped: [] };
  for (const n of a.levels.filter((n) => !fits(n))) {
    out.skipped.push({ name: `${a.kind} at ${n} idle`, reason: `open-file limit ${nofile?.soft} is too low for ${n} connections` });
  }
  const client = await makeClient(a, Math.max(1, ...levels) + 1);
  if (isSkipped(client)) {
    out.skipped.push({ name: a.kind, reason: client.skipped });
    return out;
  }
  out.name = client.name.replace(/, \d+ (connections|sockets)$/, '').replace(/ \d+ connections$/, '');
  try {
    await drive(client, BODY_PATH, { inflight: 1, count: a.warmup, maxMs: 1_000 });
    const base = memory();
    for (const idle of levels) {
      await grow(client, idle + 1, a.growMs);
      const m = memory();
      const open = client.connections();
      await drive(client, BODY_PATH, { inflight: 1, count: a.warmup, maxMs: 1_000 });
      const us: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < a.rounds; r++) {
        const run = await drive(client, BODY_PATH, { inflight: 1, count: a.count, maxMs: a.maxMs });
        us.push(1e6 / run.reqPerSec);
        cpu.push(run.cpuUsPerReq);
      }
      const level: C10kLevel = {
        idle,
        open,
        usPerRequest: figure(us),
        cpuUsPerRequest: figure(cpu),
        rssGrowth: m.rss - base.rss,
        heapGrowth: m.heap - base.heap,
        rssPerIdle: (m.rss - base.rss) / Math.max(1, (open ?? idle + 1) - 1),
      };
      out.levels.push(level);
    }
  } finally {
    await client.close();
  }
  return out;
}

const args = JSON.parse(process.argv[2] ?? '{}') as C10kArgs;
main(args).then(
  (r) => {
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e: Error) => {
    process.stdout.write(`RESULT ${JSON.stringify({ kind: args.kind, name: args.kind, levels: [], nofile: nofileLimit(), raisedBy: args.raisedBy, skipped: [{ name: args.kind, reason: e.message, failed: true }] })}\n`);
    process.exit(0);
  },
);
