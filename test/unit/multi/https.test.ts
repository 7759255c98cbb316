/** A Multi over TLS to a server that speaks only HTTP/1.1: the broadside wait ends, transfers spread as on plain http. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Multi } from '../../../src/multi/index.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';

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
