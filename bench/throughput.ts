/**
 * HTTP/1.1 GET throughput: hiper's Multi, undici and node:http side by side against the same server in
 * the same run, one scenario (connections × pipeline depth) at a time, with wrk and autocannon as the
 * native ceilings of that scenario.
 */
import { hiperClient, isSkipped, nodeHttpClient, undiciClient, type BenchClient, type Skipped } from './clients.js';
import { compare, type Compared, type Failed } from './load.js';
import { autocannonReqPerSec, wrkReqPerSec } from './ceilings.js';
import { BODY_PATH } from './body.js';
import { figure } from './stats.js';
import type { Measured, Scenario, ScenarioResult, Skip } from './results.js';

export const H1_SCENARIOS: Scenario[] = [
  { id: '1x1', label: '1 connection, no pipelining', connections: 1, depth: 1 },
  { id: '1x10', label: '1 connection, pipelined depth 10', connections: 1, depth: 10 },
  { id: '1x100', label: '1 connection, pipelined depth 100', connections: 1, depth: 100 },
  { id: '10x1', label: '10 connections, no pipelining', connections: 10, depth: 1 },
];

export interface LoadPlan {
  rounds: number;
  warmup: number;
  count: number;
  maxMs: number;
  /** Runs of each native tool per scenario, and seconds per run (wrk counts whole seconds). */
  ceilingRuns: number;
  ceilingSeconds: number;
  /** Scenarios that get native ceilings (all, or only the first in quick mode). */
  ceilingScenarios: 'all' | 'first';
  /** See Bounds.stallMs. */
  stallMs: number;
}

export interface Tools {
  wrk: { path: string } | { skipped: string };
  autocannon: { path: string } | { skipped: string };
}

async function h1Clients(origin: string, s: Scenario): Promise<{ clients: BenchClient[]; skipped: Skip[] }> {
  const clients: BenchClient[] = [];
  const skipped: Skip[] = [];
  const hiper = await hiperClient(origin, { pipelining: s.depth, connections: s.connections });
  if (isSkipped(hiper)) skipped.push({ name: 'hiper', reason: hiper.skipped });
  else clients.push(hiper);
  clients.push(undiciClient(origin, { pipelining: s.depth, connections: s.connections }));
  // node:http does not pipeline: it is measured where no pipelining is asked for.
  if (s.depth === 1) clients.push(nodeHttpClient(origin, { maxSockets: s.connections }));
  return { clients, skipped };
}

/** The figures of the clients that ran; the others are recorded in `skipped` as failed. */
export function measuredOrFailed(clients: BenchClient[], compared: Array<Compared | Failed>, skipped: Skip[]): Measured[] {
  const measured: Measured[] = [];
  compared.forEach((c, k) => {
    if ('failed' in c) skipped.push({ name: clients[k]!.kind, reason: c.failed, failed: true });
    else measured.push({ kind: clients[k]!.kind, ...c });
  });
  return measured;
}

/** Runs of a native tool, as one figure; or why there is none. */
export async function ceiling(
  tool: { path: string } | Skipped,
  name: 'wrk' | 'autocannon',
  run: (path: string) => Promise<number>,
  plan: LoadPlan,
): Promise<Measured | Skip> {
  if ('skipped' in tool) return { name, reason: tool.skipped };
  const samples: number[] = [];
  try {
    for (let i = 0; i < plan.ceilingRuns; i++) samples.push(await run(tool.path));
  } catch (e) {
    return { name, reason: (e as Error).message.split('\n')[0]! };
  }
  return { kind: name, name: name === 'wrk' ? 'wrk, 1 thread' : 'autocannon', reqPerSec: figure(samples), seconds: plan.ceilingSeconds };
}

export async function benchThroughput(server: { name: string; port: number }, plan: LoadPlan, tools: Tools, log: (line: string) => void): Promise<ScenarioResult[]> {
  const origin = `http://127.0.0.1:${server.port}`;
  const results: ScenarioResult[] = [];
  for (const [i, s] of H1_SCENARIOS.entries()) {
    const { clients, skipped } = await h1Clients(origin, s);
    let measured: Measured[];
    try {
      const compared = await compare(clients, BODY_PATH, { ...plan, inflight: s.connections * s.depth });
      measured = measuredOrFailed(clients, compared, skipped);
    } finally {
      for (const c of clients) await c.close();
    }
    if (plan.ceilingScenarios === 'all' || i === 0) {
      const o = { connections: s.connections, depth: s.depth, seconds: plan.ceilingSeconds };
      for (const [name, tool, fn] of [
        ['wrk', tools.wrk, (p: string) => wrkReqPerSec(p, origin + BODY_PATH, o)],
        ['autocannon', tools.autocannon, (p: string) => autocannonReqPerSec(p, origin + BODY_PATH, o)],
      ] as const) {
        const c = await ceiling(tool, name, fn, plan);
        if ('reqPerSec' in c) measured.push(c);
        else skipped.push(c);
      }
    }
    results.push({ protocol: 'h1', server: server.name, scenario: s, measured, skipped });
    log(`  ${server.name}, ${s.label}: ${measured.map((m) => `${m.name} ${Math.round(m.reqPerSec.median)}`).join(', ')} req/s`);
  }
  return results;
}
