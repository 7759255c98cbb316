/**
 * A local end that cannot be bound (an address that is not on this host, a local port already taken)
 * is a local failure: curl exits 45 (CURLE_INTERFACE_FAILED), not 7 as for a remote that refuses.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { runCli } from '../helpers/cli.js';

const CASES: Array<{ why: string; args: (port: number, taken: number) => string[]; code: string }> = [
  { why: 'host! with an address that is not on this host', args: (port) => ['--interface', 'host!192.0.2.99', `http://127.0.0.1:${port}/`], code: 'EADDRNOTAVAIL' },
  { why: '--local-port taken by a listener', args: (port, taken) => ['--local-port', String(taken), `http://127.0.0.1:${port}/`], code: 'ERR_LOCAL_PORT_EXHAUSTED' },
];

describe('local bind failures exit 45, as curl', () => {
  let server: net.Server;
  let taken: net.Server;
  let port: number;
  let takenPort: number;
  before(async () => {
    server = net.createServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).listen(0, '127.0.0.1');
    taken = net.createServer().listen(0, '127.0.0.1');
    await Promise.all([once(server, 'listening'), once(taken, 'listening')]);
    port = (server.address() as AddressInfo).port;
    takenPort = (taken.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    taken.close();
  });

  for (const c of CASES) {
    it(`${c.why}: exit 45, the attempt says it failed binding`, async () => {
      const r = await runCli(['connect', '--json', ...c.args(port, takenPort).slice(0, -1), '127.0.0.1', String(port)]);
      assert.equal(r.code, 45, r.err);
      const out = JSON.parse(r.out || r.err) as { error?: { attempts?: Array<{ error: string; failedAt: string }> }; attempts?: Array<{ error: string; failedAt: string }> };
      const attempts = out.error?.attempts ?? out.attempts ?? [];
      assert.deepEqual(attempts.map((a) => [a.error, a.failedAt]), [[c.code, 'bind']], r.out + r.err);
      const g = await runCli(['get', '-s', '-S', ...c.args(port, takenPort)]);
      assert.equal(g.code, 45, g.err);
      assert.match(g.err, /could not bind the local end/);
    });
  }
});
