import assert from 'node:assert/strict';
import { httpServer, runExample, type Running } from './servers.js';

describe('adapters: examples/pin-fetch-egress on loopback', function () {
  let server: Running;
  before(async () => {
    server = await httpServer();
  });
  after(() => server.close());

  it('fetches from the pinned local address and says so', async () => {
    const { out, code } = await runExample([`http://127.0.0.1:${server.port}/`, 'host!127.0.0.2']);
    assert.equal(code, 0, out);
    assert.match(out, /^GET http:\/\/127\.0\.0\.1:\d+\/ via host!127\.0\.0\.2$/m);
    assert.match(out, /^connected from 127\.0\.0\.2 port \d+ to 127\.0\.0\.1 port \d+ \(bound by address, 1 attempt\(s\)\)$/m);
    assert.match(out, /^status 200: 127\.0\.0\.2 \d+ 1\.1$/m);
  });

  it('takes the URL and interface from the environment, a name through --resolve', async () => {
    const { out, code } = await runExample(['--resolve', `svc.test:${server.port}:127.0.0.1`], { HIPER_URL: `http://svc.test:${server.port}/`, HIPER_INTERFACE: 'host!127.0.0.3' });
    assert.equal(code, 0, out);
    assert.match(out, /^status 200: 127\.0\.0\.3 /m);
  });

  it('reports a failure with its hiper code and exits 1', async () => {
    const { out, code } = await runExample([`http://127.0.0.1:${server.port}/`, 'if!nosuch0']);
    assert.equal(code, 1);
    assert.match(out, /^failed: ERR_INTERFACE_NOT_FOUND: /m);
  });
});
