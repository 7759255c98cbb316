/**
 * One Multi per core: hiper's Multi against a ShardedMulti with 1 and 2 worker threads, on the
 * pipelined workload (1 connection, depth 10), the 10-connection workload, and the 10 connections
 * spread over 10 source addresses (10 pool keys: a ShardedMulti shards by pool key, so one origin with
 * one egress is one worker's whatever the worker count). Each client in its own process, as in the
 * throughput section; CPU per request first (process.cpuUsage counts every thread of the process).
 */
import type { ClientSpec } from './client-spec.js';
import { measureClients, type RoundsPlan } from './measure-clients.js';
import { BODY_PATH, bodyBytes } from './body.js';
import { bodyLabel } from './report.js';
import { ratio, withSpread, type Table } from './table.js';
import type { Measured, Scenario, ScenarioResult } from './results.js';

export interface ShardedScenario extends Scenario {
  /** Source addresses the GETs take turns over (pool keys). */
  sources?: number;
}

export const SHARDED_SCENARIOS: ShardedScenario[] = [
  { id: '1x10', label: '1 connection, pipelined depth 10', connections: 1, depth: 10, path: BODY_PATH, bodyBytes: bodyBytes(BODY_PATH), read: 'stream' },
  { id: '10x1', label: '10 connections, no pipelining', connections: 10, depth: 1, path: BODY_PATH, bodyBytes: bodyBytes(BODY_PATH), read: 'stream' },
  { id: '10x1-10src', label: '10 connections over 10 source addresses', connections: 10, depth: 1, path: BODY_PATH, bodyBytes: bodyBytes(BODY_PATH), read: 'stream', sources: 10 },
];

/** The ShardedMulti worker counts compared with one Multi. */
export const SHARDED_WORKERS = [1, 2] as const;

export async function benchSharded(server: { name: string; port: number }, plan: RoundsPlan, log: (line: string) => void): Promise<ScenarioResult[]> {
  const origin = `http://127.0.0.1:${server.port}`;
  const results: ScenarioResult[] = [];
  for (const s of SHARDED_SCENARIOS) {
    const base: ClientSpec = { kind: 'hiper', origin, connections: s.connections, depth: s.depth, read: s.read, ...(s.sources ? { sources: s.sources } : {}) };
    const specs: ClientSpec[] = [base, ...SHARDED_WORKERS.map((workers) => ({ ...base, workers }))];
    const { measured, skipped } = await measureClients(specs, s.path, plan, { inflight: s.connections * s.depth, depth: s.depth });
    results.push({ protocol: 'h1', server: server.name, scenario: s, measured, skipped });
    const cpu = (m: Measured): string => (m.cpuUsPerReq ? ` ${m.cpuUsPerReq.median.toFixed(1)} µs CPU` : '');
    log(`  ${server.name}, ${s.label}, ${bodyLabel(s)}: ${measured.map((m) => `${m.name} ${Math.round(m.reqPerSec.median)} req/s${cpu(m)}`).join('; ')}`);
  }
  return results;
}

/** The measured client of one implementation: 0 workers is the Multi. */
function client(r: ScenarioResult, workers: number): Measured | undefined {
  return r.measured.find((m) => (workers === 0 ? m.name.startsWith('hiper Multi') : m.name.includes(`ShardedMulti ${workers} worker${workers === 1 ? '' : 's'},`)));
}

export function shardedTable(results: ScenarioResult[]): Table {
  const cpu = (r: ScenarioResult, w: number): string => { const f = client(r, w)?.cpuUsPerReq; return f ? withSpread(f, 1) : '–'; };
  const rate = (r: ScenarioResult, w: number): string => { const f = client(r, w)?.reqPerSec; return f ? withSpread(f) : '–'; };
  return {
    title: 'One Multi per core: hiper Multi vs ShardedMulti with 1 and 2 worker threads, HTTP/1.1 GET streamed (onData); client CPU µs per request first ' +
      '(every thread of the client\'s process; lower is better), then requests per second, median ±half-range',
    headers: ['server', 'scenario', 'Multi CPU', 'Sharded 1 CPU', 'Sharded 2 CPU', 'Sharded 2 ÷ Multi CPU', 'Multi req/s', 'Sharded 1 req/s', 'Sharded 2 req/s', 'Sharded 2 ÷ 1 req/s'],
    rows: results.map((r) => [
      r.server, r.scenario.label,
      cpu(r, 0), cpu(r, 1), cpu(r, 2), ratio(client(r, 2)?.cpuUsPerReq?.median, client(r, 0)?.cpuUsPerReq?.median),
      rate(r, 0), rate(r, 1), rate(r, 2), ratio(client(r, 2)?.reqPerSec.median, client(r, 1)?.reqPerSec.median),
    ]),
  };
}

export const SHARDED_NOTE =
  'One Multi per core (ShardedMulti): transfers go to the worker their pool key (scheme, host, port, egress) hashes to, so one origin with one egress ' +
  'is one worker\'s whatever the worker count; the third scenario spreads the GETs over 10 source addresses (10 pool keys) so that 2 workers can share ' +
  'them. Client and server share the machine: on 2 cores the server takes about one, so a second worker has little CPU to scale into; the figure that ' +
  'shows the scaling is measured on a machine with more cores than workers plus the server\'s (e.g. 16 cores: workers 1, 2, 4, 8 against a server ' +
  'pinned to other cores with taskset, many origins or source addresses, req/s per worker and CPU per request).';
