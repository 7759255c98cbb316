/**
 * HTTP/2 over TLS: 100 concurrent streams on one connection, hiper's Multi beside undici (allowH2) and a
 * bare node:http2 session (a floor for any client built on node:http2), against the same server, each
 * client in its own process.
 */
import type { ClientKind } from './clients.js';
import { measureClients } from './measure-clients.js';
import { BODY_PATH, bodyBytes } from './body.js';
import type { LoadPlan } from './throughput.js';
import type { Scenario, ScenarioResult } from './results.js';

export const H2_STREAMS = 100;
export const H2_SCENARIO: Scenario = {
  id: 'h2x100', label: `h2 over TLS, 1 connection, ${H2_STREAMS} concurrent streams`, connections: 1, depth: H2_STREAMS,
  path: BODY_PATH, bodyBytes: bodyBytes(BODY_PATH), read: 'stream',
};
const KINDS: ClientKind[] = ['hiper', 'undici', 'node:http2'];

export async function benchH2(server: { name: string; port: number }, ca: string, plan: LoadPlan, log: (line: string) => void): Promise<ScenarioResult> {
  const origin = `https://127.0.0.1:${server.port}`;
  const s = H2_SCENARIO;
  const specs = KINDS.map((kind) => ({ kind, origin, connections: 1, depth: s.depth, read: s.read, h2: { ca, probePath: s.path } }));
  const { measured, skipped } = await measureClients(specs, s.path, plan, { inflight: s.depth, depth: s.depth });
  log(`  ${server.name}, ${s.label}: ${measured.map((m) => `${m.name} ${Math.round(m.reqPerSec.median)} req/s ${m.cpuUsPerReq?.median.toFixed(1)} µs CPU`).join('; ')}`);
  return { protocol: 'h2', server: server.name, scenario: s, measured, skipped };
}
