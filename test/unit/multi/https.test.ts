/**
 * A Multi over TLS without nginx: to a server that speaks only HTTP/1.1 (the broadside wait ends and
 * transfers spread as on plain http), and to a node:http2 server (removal and timeouts of streams).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Multi } from '../../../src/multi/index.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { endOfTick } from '../../helpers/ticks.js';

describe('Multi over https to an http/1.1-only server', function () {
  let cert: TestCert;
  let server: https.Server;
  let port: number;

  before(async () => {
    cert = makeCert();
    server = https.createServer({ key: cert.key, cert: cert.cert, ALPNProtocols: ['http/1.1'] }, (req, res) => {
      res.end(`${req.url}`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    cert.cleanup();
  });

  it('transfers wait for the first handshake, then spread over connections within the per-host limit', async () => {
    const multi = new Multi({ tls: { ca: cert.cert }, maxConnectionsPerHost: 4 });
    const ts = Array.from({ length: 12 }, (_, i) => multi.add({ url: `https://127.0.0.1:${port}/t${i}` }));
    await endOfTick();
    assert.equal(multi.stats().transfersQueued, 11, 'waiting: the protocol is not known yet');
    const results = await Promise.all(ts.map((t) => t.done));
    results.forEach((r, i) => {
      assert.equal(String(r.body), `/t${i}`);
      assert.equal(r.httpVersion, '1.1');
      assert.equal(r.info.alpn, 'http/1.1');
    });
    const opened = multi.stats().connectionsOpened;
    assert.ok(opened > 1 && opened <= 4, `${opened} connections`);
    await multi.close();
  });
});

describe('Multi over HTTP/2 to a node:http2 server', function () {
  let cert: TestCert;
  let server: http2.Http2SecureServer;
  let port: number;
  /** Streams the server holds open: /slow/N answers its head and then waits. */
  const held: http2.ServerHttp2Stream[] = [];

  before(async () => {
    cert = makeCert();
    server = http2.createSecureServer({ key: cert.key, cert: cert.cert, settings: { maxConcurrentStreams: 5 } });
    server.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      if (path.startsWith('/slow')) {
        stream.respond({ ':status': 200 });
        stream.write('partial');
        held.push(stream);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end(path);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const s of held) s.destroy();
    server.close();
    cert.cleanup();
  });

  it('a transfer removed mid-response cancels its stream; 30 more then share the session of 5 streams', async () => {
    const multi = new Multi({ tls: { ca: cert.cert } });
    const slow = multi.add({ url: `https://127.0.0.1:${port}/slow/1` });
    const slowHead = new Promise<void>((resolve) => {
      const check = (): void => (held.length > 0 ? resolve() : void setImmediate(check));
      check();
    });
    await slowHead;
    const serverSawCancel = once(held[0]!, 'close');
    assert.equal(multi.remove(slow), true);
    await assert.rejects(slow.done, (e: { code?: string }) => e.code === 'ERR_ABORTED');
    // node:http2's server counts a cancelled stream against its limit until its own 'close' (and refuses
    // a new one with ENHANCE_YOUR_CALM meanwhile, on Node 24): the rest go once it has let go.
    await serverSawCancel;
    const rest = Array.from({ length: 30 }, (_, i) => multi.add({ url: `https://127.0.0.1:${port}/r${i}` }));
    const results = await Promise.all(rest.map((t) => t.done));
    results.forEach((r, i) => assert.equal(String(r.body), `/r${i}`));
    assert.equal(new Set(results.map((r) => r.info.connectionId)).size, 1);
    assert.ok(Math.max(...results.map((r) => r.info.pipelinePosition)) < 5);
    assert.equal(multi.stats().connectionsOpened, 1);
    await multi.close();
  });

  it('a transfer timeout ends only that stream; the session carries on', async () => {
    const multi = new Multi({ tls: { ca: cert.cert } });
    const slow = multi.add({ url: `https://127.0.0.1:${port}/slow/2`, timeout: 200 });
    const fast = multi.add({ url: `https://127.0.0.1:${port}/fast` });
    await assert.rejects(slow.done, (e: { code?: string }) => e.code === 'ERR_TIMEOUT');
    assert.equal(String((await fast.done).body), '/fast');
    const after = await multi.add({ url: `https://127.0.0.1:${port}/after` }).done;
    assert.equal(after.info.reused, true);
    await multi.close();
  });
});
