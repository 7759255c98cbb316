/**
 * Seeded runs against the fault-injecting server: closes after a random number of responses, responses
 * split at every byte boundary or at random, Connection: close mid-pipeline, close-delimited and
 * truncated bodies. Every transfer must end exactly once, with the right body or a typed error.
 */
import assert from 'node:assert/strict';
import type { TransferResult } from '../../../src/multi/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { startFaultServer, expectedBody, expectedStatus, type FaultServerOptions } from '../../helpers/fault-server.js';
import { mulberry32 } from '../../helpers/prng.js';
import { IMPLEMENTATIONS } from './implementations.js';

/** Errors a transfer may end with when the server misbehaves on purpose. */
const ALLOWED = new Set(['ERR_PIPELINE_ABORTED', 'ERR_CONNECTION_CLOSED', 'ERR_HTTP_PARSE', 'ERR_ABORTED']);

interface Profile {
  name: string;
  server: FaultServerOptions;
  multi: { pipelining: boolean; maxPipelineLength: number; maxConnectionsPerHost: number };
  seeds: number;
  transfers: number;
  removeRate: number;
  /** Largest body, bytes. */
  maxBody?: number;
}

const PROFILES: Profile[] = [
  { name: 'closes after 1-6 responses, random splits', server: { closeAfter: [1, 6], split: 'random' }, multi: { pipelining: true, maxPipelineLength: 8, maxConnectionsPerHost: 2 }, seeds: 12, transfers: 40, removeRate: 0 },
  { name: 'every byte its own write', server: { split: 'bytes', closeAfter: [2, 5] }, multi: { pipelining: true, maxPipelineLength: 4, maxConnectionsPerHost: 1 }, seeds: 4, transfers: 12, removeRate: 0, maxBody: 1500 },
  { name: 'Connection: close mid-pipeline', server: { connectionCloseRate: 0.2, split: 'random' }, multi: { pipelining: true, maxPipelineLength: 10, maxConnectionsPerHost: 3 }, seeds: 12, transfers: 40, removeRate: 0 },
  { name: 'close-delimited and truncated bodies', server: { closeDelimitedRate: 0.15, truncateRate: 0.1, informationalRate: 0.1 }, multi: { pipelining: true, maxPipelineLength: 6, maxConnectionsPerHost: 2 }, seeds: 12, transfers: 30, removeRate: 0 },
  { name: 'all faults, with removals, no pipelining', server: { closeAfter: [1, 4], connectionCloseRate: 0.1, truncateRate: 0.05, split: 'random' }, multi: { pipelining: false, maxPipelineLength: 1, maxConnectionsPerHost: 4 }, seeds: 8, transfers: 30, removeRate: 0.1 },
  { name: 'all faults, with removals, pipelining', server: { closeAfter: [1, 8], connectionCloseRate: 0.1, closeDelimitedRate: 0.05, truncateRate: 0.05, split: 'random' }, multi: { pipelining: true, maxPipelineLength: 5, maxConnectionsPerHost: 2 }, seeds: 12, transfers: 40, removeRate: 0.1 },
];

for (const impl of IMPLEMENTATIONS) describe(`${impl.name} under injected faults (seeded)`, function () {
  this.timeout(60_000);
  for (const p of PROFILES) {
    // Against a ShardedMulti, half the seeds: the added test time stays small.
    const seeds = impl.sharded ? Math.ceil(p.seeds / 2) : p.seeds;
    it(`${p.name}: ${seeds} seeds × ${p.transfers} transfers end exactly once`, async () => {
      for (let seed = 1; seed <= seeds; seed++) {
        const server = await startFaultServer({ seed, ...p.server });
        const multi = impl.make(p.multi);
        const rng = mulberry32(seed * 7919);
        try {
          const paths = Array.from({ length: p.transfers }, () => rng.chance(0.1) ? '/status/204' : `/body/${rng.int(1, 1000)}/${rng.int(0, p.maxBody ?? 20_000)}`);
          const settledCount = new Array<number>(paths.length).fill(0);
          const ts = paths.map((path, i) => {
            const t = multi.add({ url: `http://127.0.0.1:${server.port}${path}`, ...(rng.chance(0.1) ? { method: 'HEAD' } : {}) });
            t.done.then(() => settledCount[i]!++, () => settledCount[i]!++);
            return t;
          });
          for (const t of ts) if (rng.chance(p.removeRate)) multi.remove(t);
          const results = await Promise.allSettled(ts.map((t) => t.done));
          await new Promise((r) => setImmediate(r));
          assert.deepEqual(settledCount, settledCount.map(() => 1), `seed ${seed}: every transfer settles once`);
          results.forEach((r, i) => {
            const where = `seed ${seed}, transfer ${i} ${paths[i]}`;
            if (r.status === 'rejected') {
              assert.ok(r.reason instanceof HiperError, `${where}: ${String(r.reason)}`);
              assert.ok(ALLOWED.has(r.reason.code), `${where}: ${r.reason.code} ${r.reason.message}`);
              return;
            }
            const v: TransferResult = r.value;
            assert.equal(v.status, expectedStatus(paths[i]!), where);
            const body = v.info.method === 'HEAD' ? Buffer.alloc(0) : expectedBody(paths[i]!);
            assert.ok(v.body.equals(body), `${where}: body of ${v.body.length} bytes, expected ${body.length}`);
          });
          assert.equal(multi.stats().transfersRunning, 0);
        } finally {
          await multi.close();
          await server.close();
        }
      }
    });
  }
});
