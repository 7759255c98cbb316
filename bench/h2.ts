/**
 * HTTP/2 over TLS: 100 concurrent streams on one connection, hiper's Multi beside undici (allowH2) and a
 * bare node:http2 session (a floor for any client built on node:http2), against the same server.
 */
import { hiperH2Client, isSkipped, nodeHttp2Client, undiciClient, type BenchClient } from './clients.js';
import { compare } from './load.js';
import { BODY_PATH } from './body.js';
import { measuredOrFailed, type LoadPlan } from './throughput.js';
import type { Scenario, ScenarioResult, Skip } from './results.js';

export const H2_STREAMS = 100;
export const H2_SCENARIO: Scenario = { id: 'h2x100', label: `h2 over TLS, 1 connection, ${H2_STREAMS} concurrent streams`, connections: 1, depth: H2_STREAMS };

export async function benchH2(server: { name: string; port: number }, ca: string, plan: LoadPlan, log: (line: string) => void): Promise<ScenarioResult> {
  const origin = `https://127.0.0.1:${server.port}`;
  const clients: BenchClient[] = [];
  const skipped: Skip[] = [];
  try {
    const hiper = await hiperH2Client(origin, { ca, streams: H2_STREAMS, path: BODY_PATH });
    if (isSkipped(hiper)) skipped.push({ name: 'hiper', reason: hiper.skipped });
    else clients.push(hiper);
    // undici takes its h2 concurrency from `pipelining` (default 1), so it is set to the stream count.
    clients.push(undiciClient(origin, { pipelining: H2_STREAMS, allowH2: true, ca }));
    clients.push(await nodeHttp2Client(origin, { ca }));
    const compared = await compare(clients, BODY_PATH, { ...plan, inflight: H2_STREAMS });
    const measured = measuredOrFailed(clients, compared, skipped);
    log(`  ${server.name}, ${H2_SCENARIO.label}: ${measured.map((m) => `${m.name} ${Math.round(m.reqPerSec.median)}`).join(', ')} req/s`);
    return { protocol: 'h2', server: server.name, scenario: H2_SCENARIO, measured, skipped };
  } finally {
    for (const c of clients) await c.close();
  }
}
