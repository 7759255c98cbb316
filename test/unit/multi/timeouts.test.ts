/**
 * Timeouts that free what they held: a stalled pipelined response closes its connection, so the
 * transfers behind it move to a new one at once instead of waiting for their own timeouts.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { IMPLEMENTATIONS } from './implementations.js';
import type { HiperError } from '../../../src/shared/index.js';

for (const impl of IMPLEMENTATIONS) describe(`${impl.name}: timeouts free the connection they held`, function () {
  let server: http.Server;
  let origin: string;
  const connections: number[] = [];
  before(async () => {
    // /stall is never answered; node:http answers a connection's pipelined requests in order, so
    // everything written behind it on the same connection waits too.
    server = http.createServer((req, res) => {
      if (req.url !== '/stall') res.end(`ok ${req.url}`);
    });
    server.on('connection', (s) => connections.push(s.remotePort ?? 0));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('a pipelined response stalls and times out: the two behind it complete on a new connection right after, later ones unaffected', async () => {
    const multi = impl.make({ pipelining: true, maxPipelineLength: 5, maxConnectionsPerHost: 1 });
    try {
      // A first answer makes the connection pipelinable.
      assert.equal((await multi.add({ url: `${origin}/warm` }).done).info.connectionId, 1);
      const stalled = multi.add({ url: `${origin}/stall`, timeout: 200 });
      const behind = [multi.add({ url: `${origin}/b`, timeout: 10_000 }), multi.add({ url: `${origin}/c`, timeout: 10_000 })];
      await assert.rejects(stalled.done, (e: HiperError) => e.code === 'ERR_TIMEOUT');
      const timedOutAt = performance.now();
      const results = await Promise.all(behind.map((t) => t.done));
      const after = performance.now() - timedOutAt;
      assert.deepEqual(results.map((r) => [r.body.toString(), r.info.connectionId, r.info.tries]), [['ok /b', 2, 2], ['ok /c', 2, 2]]);
      // They were pipelined behind the stalled one on connection 1, then sent again.
      assert.ok(behind.every((t) => t.info.numConnects <= 1));
      assert.ok(after < 5_000, `completed ${after.toFixed(0)} ms after the timeout, not at their own timeouts`);
      const later = await multi.add({ url: `${origin}/later` }).done;
      assert.deepEqual([later.body.toString(), later.info.connectionId], ['ok /later', 2]);
    } finally {
      await multi.close();
    }
  });
});
