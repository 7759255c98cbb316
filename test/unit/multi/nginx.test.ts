/** Interop with Debian's nginx: pipelined GETs over one connection, byte-exact. */
import assert from 'node:assert/strict';
import { Multi } from '../../../src/multi/index.js';
import { hasNginx, startNginx, type Nginx } from '../../helpers/nginx.js';
import { needs } from '../../helpers/needs.js';
import { mulberry32 } from '../../helpers/prng.js';

describe('Multi with nginx (HTTP/1.1)', function () {
  this.timeout(60_000);
  let nginx: Nginx | undefined;
  const files: Record<string, Buffer> = {};
  const rng = mulberry32(1000);
  for (let i = 0; i < 50; i++) files[`f${i}.bin`] = rng.bytes(rng.chance(0.2) ? rng.int(20_000, 200_000) : rng.int(0, 4000));

  before(async function () {
    needs(this, hasNginx(), 'nginx is not installed (apt-get install nginx-light)');
    nginx = await startNginx({ files });
  });
  after(() => nginx?.stop());

  it('1,000 pipelined GETs over one connection, bodies of varied sizes, byte-exact', async () => {
    const multi = new Multi({ pipelining: true, maxPipelineLength: 1000, maxConnectionsPerHost: 1 });
    const names = Array.from({ length: 1000 }, (_, i) => `f${(i * 7) % 50}.bin`);
    const results = await Promise.all(names.map((n) => multi.add({ url: `http://127.0.0.1:${nginx!.port}/${n}` }).done));
    results.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(files[names[i]!]!), `transfer ${i} (${names[i]}): ${r.body.length} bytes`);
    });
    assert.equal(multi.stats().connectionsOpened, 1);
    assert.ok(Math.max(...results.map((r) => r.info.pipelinePosition)) > 100, 'pipelined deep');
    await multi.close();
  });

  it('HEAD and 404 pipelined among GETs', async () => {
    const multi = new Multi({ pipelining: true, maxPipelineLength: 10, maxConnectionsPerHost: 1 });
    const base = `http://127.0.0.1:${nginx!.port}`;
    const [a, b, c] = await Promise.all([
      multi.add({ url: `${base}/f1.bin`, method: 'HEAD' }).done,
      multi.add({ url: `${base}/missing` }).done,
      multi.add({ url: `${base}/f2.bin` }).done,
    ]);
    assert.deepEqual([a.status, a.body.length, b.status, c.status], [200, 0, 404, 200]);
    assert.equal(Number(a.headers.find(([n]) => n.toLowerCase() === 'content-length')![1]), files['f1.bin']!.length);
    assert.ok(c.body.equals(files['f2.bin']!));
    await multi.close();
  });
});
