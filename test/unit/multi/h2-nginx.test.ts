/**
 * HTTP/2 interop with Debian's nginx (TLS with a certificate made at test time, http2 on): an
 * H2Connection on its own, then a Multi choosing h2 by ALPN.
 */
import assert from 'node:assert/strict';
import { Multi } from '../../../src/multi/index.js';
import type { H2Connection } from '../../../src/multi/h2-connection.js';
import type { TransferImpl } from '../../../src/multi/transfer.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { needs } from '../../helpers/needs.js';
import { nginxH2Missing, startNginx, type Nginx } from '../../helpers/nginx.js';
import { mulberry32 } from '../../helpers/prng.js';
import { FakeOwner, connectH2, makeTransfer, patternBody } from './h2-helpers.js';
import { endOfTick } from '../../helpers/ticks.js';

/** nginx's http2_max_concurrent_streams on the main server, below the 200 transfers sent at once. */
const MAX_STREAMS = 50;
/** keepalive_requests on the second server: nginx sends GOAWAY after this many streams. */
const GOAWAY_AFTER = 20;

interface Servers {
  main: Nginx;
  goaway: Nginx;
  stop(): Promise<void>;
}

async function startServers(cert: TestCert, files: Record<string, Buffer>): Promise<Servers> {
  const common = { files, tls: cert, http2: true, locations: 'location = /post { return 200 "posted\\n"; }' };
  const main = await startNginx({ ...common, maxConcurrentStreams: MAX_STREAMS });
  const goaway = await startNginx({ ...common, keepaliveRequests: GOAWAY_AFTER }).catch(async (err) => {
    await main.stop();
    throw err;
  });
  return { main, goaway, stop: async () => { await Promise.all([main.stop(), goaway.stop()]); } };
}

/** 200 files, a tenth of them large (100-400 kB), seeded. */
function makeFiles(): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const prng = mulberry32(2024);
  for (let i = 0; i < 200; i++) {
    const size = prng.chance(0.1) ? prng.int(100_000, 400_000) : prng.int(0, 20_000);
    files[`f${i}`] = patternBody(i, size);
  }
  return files;
}

describe('HTTP/2 with nginx', function () {
  this.timeout(30_000);
  let cert: TestCert | undefined;
  let servers: Servers | undefined;
  const files = makeFiles();
  const names = Object.keys(files);

  before(async function () {
    const missing = nginxH2Missing();
    needs(this, missing === undefined, missing ?? '');
    cert = makeCert();
    servers = await startServers(cert, files);
  });
  after(async () => {
    await servers?.stop();
    cert?.cleanup();
  });

  describe('H2Connection', () => {
    const conns: H2Connection[] = [];
    after(() => {
      for (const c of conns) c.close();
    });

    async function open(port: number, owner: FakeOwner, id = 1): Promise<H2Connection> {
      const conn = await connectH2(port, cert!.cert, owner, id);
      conns.push(conn);
      return conn;
    }

    it(`200 GETs at once share one connection; beyond nginx's ${MAX_STREAMS} streams they queue; bodies byte-exact`, async () => {
      const owner = new FakeOwner();
      const conn = await open(servers!.main.port, owner);
      const names = Object.keys(files);
      const ts = names.map((n) => makeTransfer({ url: `https://127.0.0.1:${servers!.main.port}/${n}` }));
      conn.send(ts[0]!);
      owner.queue.push(...ts.slice(1));
      const results = await Promise.all(ts.map((t) => t.done));
      results.forEach((r, i) => {
        assert.equal(r.status, 200);
        assert.equal(r.httpVersion, '2');
        assert.ok(r.body.equals(files[names[i]!]!), `${names[i]} byte-exact`);
        assert.equal(r.info.connectionId, 1);
      });
      assert.equal(conn.maxConcurrentStreams, MAX_STREAMS);
      assert.equal(owner.peakDepth, MAX_STREAMS);
      assert.equal(owner.sawFull, true);
      assert.equal(conn.requests, 200);
      assert.equal(conn.refusedRetries, 0);
      assert.ok(results[0]!.headers.some(([n, v]) => n === 'server' && v.startsWith('nginx')));
      let total = 0;
      for (const b of Object.values(files)) total += b.length;
      console.log(`      200 streams, ${(total / 1e6).toFixed(1)} MB, peak ${owner.peakDepth} open`);
    });

    it('POST with a body of several Buffers; HEAD and a 404', async () => {
      const owner = new FakeOwner();
      const conn = await open(servers!.main.port, owner);
      const base = `https://127.0.0.1:${servers!.main.port}`;
      const post = makeTransfer({ url: `${base}/post`, method: 'POST', body: [Buffer.alloc(70_000, 1), Buffer.alloc(5, 2)], headers: { 'Content-Type': 'application/octet-stream' } });
      const head = makeTransfer({ url: `${base}/f1`, method: 'HEAD' });
      const missing = makeTransfer({ url: `${base}/nothing` });
      for (const t of [post, head, missing]) conn.send(t);
      const [p, h, m] = await Promise.all([post.done, head.done, missing.done]);
      assert.equal(p.status, 200);
      assert.equal(String(p.body), 'posted\n');
      assert.equal(h.status, 200);
      assert.equal(h.body.length, 0);
      assert.equal(h.headers.find(([n]) => n === 'content-length')?.[1], String(files['f1']!.length));
      assert.equal(m.status, 404);
    });

    it(`nginx's GOAWAY after ${GOAWAY_AFTER} requests: the rest come back unprocessed and complete on a new connection`, async () => {
      const owner = new FakeOwner();
      const conn = await open(servers!.goaway.port, owner);
      const names = Object.keys(files).slice(0, 40);
      const ts = names.map((n) => makeTransfer({ url: `https://127.0.0.1:${servers!.goaway.port}/${n}` }));
      conn.send(ts[0]!);
      owner.queue.push(...ts.slice(1));
      await owner.until(() => owner.closedCalls.length > 0);
      const handedBack = owner.closedCalls[0]!;
      const completed = ts.filter((t) => t.completed);
      assert.equal(completed.length + handedBack.length, ts.length, 'each transfer either completed or came back');
      assert.equal(completed.length, GOAWAY_AFTER);
      for (const t of handedBack) {
        assert.equal(t.ended, false);
        assert.ok(conn.unprocessed.has(t), 'above the GOAWAY last stream id');
      }
      // As the Multi does: once more, on a new connection.
      const retryOwner = new FakeOwner();
      const second = await open(servers!.goaway.port, retryOwner, 2);
      await retryOwner.until(() => second.pipelinable);
      for (const t of handedBack) second.send(t);
      await Promise.all(handedBack.map((t) => t.done));
      for (const t of ts) {
        const r = await t.done;
        assert.ok(r.body.equals(files[names[ts.indexOf(t as TransferImpl)]!]!));
      }
      console.log(`      ${completed.length} answered before GOAWAY, ${handedBack.length} handed back and retried`);
    });
  });

  describe('Multi', () => {
    it(`200 transfers at once share one h2 connection; beyond nginx's ${MAX_STREAMS} streams they queue; byte-exact`, async () => {
      const multi = new Multi({ tls: { ca: cert!.cert } });
      const ts = names.map((n) => multi.add({ url: `https://127.0.0.1:${servers!.main.port}/${n}` }));
      const results = await Promise.all(ts.map((t) => t.done));
      results.forEach((r, i) => {
        assert.equal(r.status, 200);
        assert.equal(r.httpVersion, '2');
        assert.ok(r.body.equals(files[names[i]!]!), `${names[i]} byte-exact`);
      });
      assert.equal(new Set(results.map((r) => r.info.connectionId)).size, 1);
      assert.equal(multi.stats().connectionsOpened, 1);
      const first = results[0]!.info;
      assert.equal(first.alpn, 'h2');
      assert.equal(first.numConnects, 1);
      assert.ok(first.timings.appconnect >= first.timings.connect && first.timings.appconnect > 0, 'TLS time measured');
      assert.ok(Math.max(...results.map((r) => r.info.pipelinePosition)) <= MAX_STREAMS - 1, 'never more streams than the server allows');
      await multi.close();
    });

    it('broadside: 20 transfers of mixed methods added before the first handshake completes use one connection', async () => {
      const multi = new Multi({ tls: { ca: cert!.cert } });
      const base = `https://127.0.0.1:${servers!.main.port}`;
      const ts = Array.from({ length: 20 }, (_, i) => {
        if (i % 5 === 1) return multi.add({ url: `${base}/post`, method: 'POST', body: Buffer.alloc(1000, i) });
        if (i % 5 === 2) return multi.add({ url: `${base}/f${i}`, method: 'HEAD' });
        return multi.add({ url: `${base}/f${i}` });
      });
      await endOfTick();
      assert.equal(multi.stats().transfersQueued, 19, 'all but the leader wait for its handshake');
      const results = await Promise.all(ts.map((t) => t.done));
      assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));
      assert.equal(new Set(results.map((r) => r.info.connectionId)).size, 1);
      assert.equal(results.filter((r) => r.info.numConnects === 1).length, 1);
      assert.equal(String(results[1]!.body), 'posted\n');
      await multi.close();
    });

    it('httpVersion "1.1" offers only http/1.1: pipelined over TLS instead', async () => {
      const multi = new Multi({ tls: { ca: cert!.cert }, httpVersion: '1.1', pipelining: true, maxConnectionsPerHost: 1, maxPipelineLength: 20 });
      const results = await Promise.all(names.slice(0, 40).map((n) => multi.add({ url: `https://127.0.0.1:${servers!.main.port}/${n}` }).done));
      results.forEach((r, i) => {
        assert.equal(r.httpVersion, '1.1');
        assert.equal(r.info.alpn, 'http/1.1');
        assert.ok(r.body.equals(files[names[i]!]!));
      });
      assert.equal(multi.stats().connectionsOpened, 1);
      await multi.close();
    });

    it(`GOAWAY after ${GOAWAY_AFTER} requests: unprocessed streams, POSTs too, go once more on a new connection`, async () => {
      const multi = new Multi({ tls: { ca: cert!.cert } });
      const base = `https://127.0.0.1:${servers!.goaway.port}`;
      const ts = names.slice(0, 60).map((n, i) => (i % 10 === 9
        ? multi.add({ url: `${base}/post`, method: 'POST', body: 'x' })
        : multi.add({ url: `${base}/${n}` })));
      const results = await Promise.all(ts.map((t) => t.done));
      results.forEach((r, i) => {
        assert.equal(r.status, 200);
        if (i % 10 !== 9) assert.ok(r.body.equals(files[names[i]!]!));
      });
      const stats = multi.stats();
      assert.ok(stats.connectionsOpened >= 3, `${stats.connectionsOpened} connections for 60 requests at ${GOAWAY_AFTER} each`);
      assert.ok(stats.retries > 0);
      assert.ok(results.some((r, i) => i % 10 === 9 && r.info.tries === 2), 'a POST the server never processed was sent again');
      await multi.close();
    });
  });
});
