/** -v's connect lines: their words for each kind of attempt, and their order against a real connect. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Attempt } from '../../../src/connect/index.js';
import { VerboseConnectLog, attemptFailedLine, tryingLine } from '../../../src/cli/verbose.js';

const base: Attempt = { remote: { address: '198.51.100.1', port: 80, family: 4 }, method: 'none', startedAt: 0, durationMs: 0, outcome: 'pending' };

describe('cli -v connect lines', () => {
  const lines: Array<[string, Attempt, string]> = [
    ['unbound', base, '*   Trying 198.51.100.1:80...'],
    ['bound to a device with its address', { ...base, method: 'device', interface: 'eth1', local: { address: '198.51.100.2' } }, '*   Trying 198.51.100.1:80 from 198.51.100.2 via eth1 (device)...'],
    ['bound to an address and port', { ...base, method: 'address', local: { address: '198.51.100.2', port: 4000 } }, '*   Trying 198.51.100.1:80 from 198.51.100.2 port 4000 (address)...'],
    ['IPv6 in brackets', { ...base, remote: { address: '2001:db8::1', port: 443, family: 6 } }, '*   Trying [2001:db8::1]:443...'],
  ];
  for (const [what, a, text] of lines) it(`Trying: ${what}`, () => assert.equal(tryingLine(a), text));

  it('a failed attempt: where it failed and the errno', () => {
    assert.equal(attemptFailedLine({ ...base, outcome: 'failed', error: 'ECONNREFUSED', failedAt: 'connect' }), '* connect to 198.51.100.1 port 80 failed: ECONNREFUSED');
    assert.equal(attemptFailedLine({ ...base, outcome: 'failed', error: 'EADDRNOTAVAIL', failedAt: 'bind' }), '* bind for 198.51.100.1 port 80 failed: EADDRNOTAVAIL');
  });

  it('against real sockets: refused, then connected, each line when it happens; nothing after close()', async () => {
    const said: string[] = [];
    const log = new VerboseConnectLog((l) => said.push(l));
    await assert.rejects(connect({ host: '127.0.0.1', port: 1 }));
    assert.deepEqual(said, ['*   Trying 127.0.0.1:1...', '* connect to 127.0.0.1 port 1 failed: ECONNREFUSED', '* Failed to connect to 127.0.0.1 port 1: ERR_CONNECT_ALL_FAILED']);
    const server = http.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      said.length = 0;
      const c = await connect({ host: '127.0.0.1', port });
      c.socket.destroy();
      assert.equal(said[0], `*   Trying 127.0.0.1:${port}...`);
      assert.match(said[1]!, new RegExp(`^\\* Connected to 127\\.0\\.0\\.1 \\(127\\.0\\.0\\.1\\) port ${port} from 127\\.0\\.0\\.1:\\d+ \\(unbound`));
      log.close();
      said.length = 0;
      (await connect({ host: '127.0.0.1', port })).socket.destroy();
      assert.deepEqual(said, []);
    } finally {
      log.close();
      server.close();
    }
  });
});
