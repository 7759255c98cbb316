/**
 * HTTP/1.1 GET throughput: hiper's Multi, undici, node:http and a bare net.Socket client (the Node floor)
 * side by side against the same server in the same run, each in its own process, one scenario
 * (connections × pipeline depth × body) at a time, with wrk and autocannon as the native ceilings.
 * Bodies of 1 MiB and more are the large-body section's (large-body.ts).
 */
import type { ClientKind, Skipped } from './clients.js';
import type { ClientSpec } from './client-spec.js';
import { measureClients, type RoundsPlan } from './measure-clients.js';
import { autocannonReqPerSec, wrkReqPerSec } from './ceilings.js';
import { BODY_PATH, bodyBytes } from './body.js';
import { bodyLabel } from './report.js';
import { figure } from './stats.js';
import type { Measured, Scenario, ScenarioResult, Skip } from './results.js';

const scenario = (id: string, label: string, connections: number, depth: number, path: string, read: Scenario['read']): Scenario =>
  ({ id, label, connections, depth, path, bodyBytes: bodyBytes(path), read });

export const H1_SCENARIOS: Scenario[] = [
  scenario('1x1', '1 connection, no pipelining', 1, 1, BODY_PATH, 'stream'),
  scenario('1x10', '1 connection, pipelined depth 10', 1, 10, BODY_PATH, 'stream'),
  scenario('1x100', '1 connection, pipelined depth 100', 1, 100, BODY_PATH, 'stream'),
  scenario('10x1', '10 connections, no pipelining', 10, 1, BODY_PATH, 'stream'),
  scenario('1x1-buffered', '1 connection, no pipelining', 1, 1, BODY_PATH, 'buffer'),
];

export interface LoadPlan extends RoundsPlan {
  /** Runs of each native tool per scenario, and seconds per run (wrk counts whole seconds). */
  ceilingRuns: number;
  ceilingSeconds: number;
  /** Scenarios that get native ceilings (all, or only the first in quick mode). */
  ceilingScenarios: 'all' | 'first';
}

export interface Tools {
  wrk: { path: string } | { skipped: string };
  autocannon: { path: string } | { skipped: string };
}

/** The clients of a scenario; node:http does not pipeline, so it is measured where no pipelining is asked for. */
function h1Specs(origin: string, s: Scenario): ClientSpec[] {
  const kinds: ClientKind[] = s.depth === 1 ? ['hiper', 'undici', 'node:http', 'net'] : ['hiper', 'undici', 'net'];
  return kinds.map((kind) => ({ kind, origin, connections: s.connections, depth: s.depth, read: s.read }));
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
    const { measured, skipped } = await measureClients(h1Specs(origin, s), s.path, plan, { inflight: s.connections * s.depth, depth: s.depth });
    if (plan.ceilingScenarios === 'all' || i === 0) {
      const o = { connections: s.connections, depth: s.depth, seconds: plan.ceilingSeconds };
      for (const [name, tool, fn] of [
        ['wrk', tools.wrk, (p: string) => wrkReqPerSec(p, origin + s.path, o)],
        ['autocannon', tools.autocannon, (p: string) => autocannonReqPerSec(p, origin + s.path, o)],
      ] as const) {
        const c = await ceiling(tool, name, fn, plan);
        if ('reqPerSec' in c) measured.push(c);
        else skipped.push(c);
      }
    }
    results.push({ protocol: 'h1', server: server.name, scenario: s, measured, skipped });
    const cpu = (m: Measured) => (m.cpuUsPerReq ? ` ${m.cpuUsPerReq.median.toFixed(1)} µs CPU` : '');
    log(`  ${server.name}, ${s.label}, ${bodyLabel(s)}: ${measured.map((m) => `${m.name} ${Math.round(m.reqPerSec.median)} req/s${cpu(m)}`).join('; ')}`);
  }
  return results;
}
