/**
 * A seeded campaign of pipelined GETs against a server that breaks each connection after 0-8 responses,
 * in every way: FIN, RST, Connection: close, a response cut off in its body. Every transfer must end
 * exactly once, and nearly all must come through: a GET whose response did not reach the caller is sent
 * again while the server keeps making progress (retry.ts).
 */
import assert from 'node:assert/strict';
import { HiperError } from '../../../src/shared/index.js';
import { startFaultServer, expectedBody } from '../../helpers/fault-server.js';
import { mulberry32 } from '../../helpers/prng.js';
import { IMPLEMENTATIONS } from './implementations.js';

const ROUNDS = 25;
const PER_ROUND = 200;

for (const impl of IMPLEMENTATIONS) describe(`${impl.name} fault campaign: ${((impl.sharded ? 12 : ROUNDS) * PER_ROUND).toLocaleString('en')} pipelined GETs through breaking connections`, function () {
  this.timeout(120_000);

  // Against a ShardedMulti, the first rounds only: the added test time stays small.
  const rounds = impl.sharded ? 12 : ROUNDS;
  it(`${rounds} seeded rounds × ${PER_ROUND} GETs, depth 4-10, 1-3 connections: each ends once, at least ${impl.sharded ? '97.5' : '99'}% succeed`, async () => {
    let ok = 0;
    let total = 0;
    const failures = new Map<string, number>();
    for (let round = 1; round <= rounds; round++) {
      const rng = mulberry32(round * 104729);
      const server = await startFaultServer({
        seed: round, closeAfter: [0, 8], connectionCloseRate: 0.03, truncateRate: 0.03, resetRate: 0.5, split: 'random', maxPiece: 4096,
      });
      const multi = impl.make({ pipelining: true, maxPipelineLength: rng.int(4, 10), maxConnectionsPerHost: rng.int(1, 3) });
      try {
        const paths = Array.from({ length: PER_ROUND }, () => `/body/${rng.int(1, 1000)}/${rng.int(0, 8000)}`);
        const ends = new Array<number>(PER_ROUND).fill(0);
        const settled = await Promise.allSettled(paths.map((path, i) => {
          const done = multi.add({ url: `http://127.0.0.1:${server.port}${path}` }).done;
          done.then(() => ends[i]!++, () => ends[i]!++);
          return done;
        }));
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(ends, ends.map(() => 1), `round ${round}: every transfer ends exactly once`);
        settled.forEach((r, i) => {
          total++;
          if (r.status === 'fulfilled') {
            assert.ok(r.value.body.equals(expectedBody(paths[i]!)), `round ${round}, ${paths[i]}: body`);
            ok++;
          } else {
            assert.ok(r.reason instanceof HiperError, String(r.reason));
            failures.set(r.reason.code, (failures.get(r.reason.code) ?? 0) + 1);
          }
        });
      } finally {
        await multi.close();
        await server.close();
      }
    }
    const rate = ok / total;
    // With client and server on different threads more requests are in flight when a connection breaks,
    // so more run out of tries: one Multi against this server run in another thread came to 98.46%.
    const minRate = impl.sharded ? 0.975 : 0.99;
    assert.ok(rate >= minRate, `${ok} of ${total} succeeded (${(rate * 100).toFixed(2)}%); failures: ${JSON.stringify([...failures])}`);
  });
});
