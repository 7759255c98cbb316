/**
 * connectTo sends a connection to another place, but the server is still the URL's host: SNI and the
 * certificate check use the URL's host (as curl does). A certificate that covers only the connectTo
 * target must be refused; one for the URL's host passes, and the server sees that name as SNI.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { connect } from '../../../src/connect/index.js';
import { isHiperError } from '../../../src/shared/errors.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { runCli } from '../../helpers/cli.js';

interface Served {
  port: number;
  sni: string[];
  close(): Promise<void>;
}

async function tlsServer(cert: TestCert): Promise<Served> {
  const sni: string[] = [];
  const context = tls.createSecureContext({ key: cert.key, cert: cert.cert });
  // The name is recorded as the handshake starts: a client that then refuses the certificate still sent it.
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    sni.push(name);
    cb(null, context);
  };
  const server = tls.createServer({ key: cert.key, cert: cert.cert, ALPNProtocols: ['http/1.1'], SNICallback }, (socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, sni, close: () => new Promise((r) => server.close(() => r())) };
}

const CASES = [
  { why: 'a certificate for the connectTo target only is refused (exit 35)', names: ['target.test'], exit: 35 },
  { why: "a certificate for the URL's host passes, and the server sees that name as SNI", names: ['origin.test'], exit: 0 },
];

describe('connectTo and TLS names: the URL host is verified and sent as SNI, never the connectTo target', () => {
  for (const c of CASES) {
    it(`hiper get --connect-to: ${c.why}`, async () => {
      const cert = makeCert(c.names);
      const server = await tlsServer(cert);
      try {
        const r = await runCli(['get', '-s', '-S', '-v', '--cacert', cert.certPath, '--resolve', `target.test:${server.port}:127.0.0.1`,
          '--connect-to', `origin.test:443:target.test:${server.port}`, 'https://origin.test/']);
        assert.equal(r.code, c.exit, r.err);
        if (c.exit === 0) {
          assert.equal(r.out, 'ok');
          // -v names both: where the connection went, for which host, and the name TLS checked.
          assert.match(r.err, new RegExp(`\\* connect-to: origin\\.test:443 sent to target\\.test:${server.port}\n`));
          assert.match(r.err, /tls name origin\.test \(SNI and certificate check\)/);
        }
        assert.deepEqual(server.sni, ['origin.test']);
      } finally {
        await server.close();
        cert.cleanup();
      }
    });
  }

  it('connect(): the trace names the place asked for, the place connected to and the TLS name', async () => {
    const cert = makeCert(['origin.test']);
    const server = await tlsServer(cert);
    try {
      const { socket, trace } = await connect({
        host: 'origin.test', port: 443, connectTo: [`origin.test:443:127.0.0.1:${server.port}`], tls: { ca: cert.cert },
      });
      socket.destroy();
      assert.deepEqual(trace.requested, { host: 'origin.test', port: 443 });
      assert.equal(trace.host, '127.0.0.1');
      assert.equal(trace.port, server.port);
      assert.equal(trace.tlsName, 'origin.test');
      const bad = makeCert(['127.0.0.1']);
      const other = await tlsServer(bad);
      try {
        await assert.rejects(connect({ host: 'origin.test', port: 443, connectTo: [`origin.test:443:127.0.0.1:${other.port}`], tls: { ca: bad.cert } }),
          (err: unknown) => isHiperError(err, 'ERR_TLS'));
      } finally {
        await other.close();
        bad.cleanup();
      }
    } finally {
      await server.close();
      cert.cleanup();
    }
  });
});
