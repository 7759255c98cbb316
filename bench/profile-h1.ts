/**
 * One HTTP/1.1 client on one scenario, alone, for profiling (node --cpu-prof) and for checking how the
 * client spreads its requests: against the bench's node:http server (started here as a child) or a
 * given origin. Prints req/s, CPU µs per request and, for hiper, requests per connection id.
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist-test/bench/profile-h1.js hiper 10x1 [ms] [origin]
 * Clients: hiper, undici, node:http, net. Scenarios: CONNECTIONSxDEPTH (1x1, 1x10, 10x1, …). Each client is
 * set up as in the benchmark (client-spec.ts): undici pipelines with blocking: false when the depth is
 * above 1. Also prints the most requests the client had in flight on one connection.
 */
import { isSkipped, loadMulti, type BenchClient, type ClientKind } from './clients.js';
import { makeClient } from './client-spec.js';
import { drive } from './load.js';
import { BODY_PATH } from './body.js';
import { startNodeServer } from './servers/node-server.js';

const [kind = 'hiper', scenario = '10x1', msArg = '3000', originArg] = process.argv.slice(2);
const [connections, depth] = scenario.split('x').map(Number) as [number, number];
const ms = Number(msArg);
const KINDS: ClientKind[] = ['hiper', 'undici', 'node:http', 'net'];
if (!(KINDS.includes(kind as ClientKind) && connections >= 1 && depth >= 1 && ms > 0)) throw new Error('usage: profile-h1.js hiper|undici|node:http|net CxD [ms] [origin]');

const server = originArg ? undefined : await startNodeServer();
const origin = originArg ?? `http://127.0.0.1:${server!.h1Port}`;

async function make(): Promise<BenchClient> {
  const c = await makeClient({ kind: kind as ClientKind, origin, connections, depth, read: 'stream' });
  if (isSkipped(c)) throw new Error(c.skipped);
  return c;
}

try {
  const client = await make();
  const inflight = connections * depth;
  await drive(client, BODY_PATH, { inflight, count: 2_000, maxMs: 1_000 });
  const run = await drive(client, BODY_PATH, { inflight, count: 10_000_000, maxMs: ms });
  console.log(`${client.name}, ${scenario}: ${run.reqPerSec.toFixed(0)} req/s, ${run.cpuUsPerReq.toFixed(1)} µs CPU per request, ${run.requests} requests, ` +
    `${client.connections() ?? '?'} connections open, at most ${run.maxInFlight ?? '?'} in flight on a connection`);
  await client.close();

  if (kind === 'hiper') {
    // Where the requests went: transfer info of a short run on a fresh Multi with the same options.
    const Multi = await loadMulti();
    if (!('skipped' in Multi)) {
      const multi = new Multi({ pipelining: depth > 1, maxPipelineLength: depth, maxConnectionsPerHost: connections });
      const byConnection = new Map<number, number>();
      const positions = new Map<number, number>();
      let issued = 0;
      const worker = async (): Promise<void> => {
        while (issued++ < 5_000) {
          const r = await multi.add({ url: origin + BODY_PATH, onData: () => {} }).done;
          byConnection.set(r.info.connectionId ?? -1, (byConnection.get(r.info.connectionId ?? -1) ?? 0) + 1);
          positions.set(r.info.pipelinePosition, (positions.get(r.info.pipelinePosition) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: inflight }, worker));
      console.log(`requests per connection id: ${[...byConnection].sort((a, b) => a[0] - b[0]).map(([id, n]) => `${id}:${n}`).join(' ')}`);
      console.log(`pipeline positions: ${[...positions].sort((a, b) => a[0] - b[0]).map(([p, n]) => `${p}:${n}`).join(' ')}`);
      console.log(`stats: ${JSON.stringify(multi.stats?.())}`);
      await multi.close();
    }
  }
} finally {
  await server?.stop();
}
