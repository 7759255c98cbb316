import assert from 'node:assert/strict';
import net, { type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { Agent, Client, fetch as undiciFetch, request } from 'undici';
import { hiperConnector, traceOf, UNDICI_CONNECT_TIMEOUT, type HiperConnectorOptions } from '../../../src/adapters/index.js';
import { HiperError, isHiperError } from '../../../src/shared/index.js';
import type { ConnectOptions, ConnectTrace, Connector } from '../../../src/connect/index.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { deadPort, h2Server, httpServer, httpsServer, pinned, watchChannels, type Running } from './servers.js';

/** A connector that records what it was asked and fails (no socket is opened). */
function recordingConnector(): { connector: Connector; calls: ConnectOptions[] } {
  const calls: ConnectOptions[] = [];
  return { calls, connector: async (o) => { calls.push(o); throw new HiperError('ERR_ABORTED', 'recorded'); } };
}

function connectOnce(options: HiperConnectorOptions, params: Parameters<ReturnType<typeof hiperConnector>>[0]): Promise<Error | Socket> {
  return new Promise((resolve) => hiperConnector(options)(params, (err, socket) => resolve(err ?? socket!)));
}

describe('adapters: undici connector on loopback', function () {
  let server: Running;
  let cert: TestCert;
  let secure: Running;
  before(async () => {
    cert = makeCert(['localhost', '127.0.0.1']);
    server = await httpServer();
    secure = await httpsServer(cert);
  });
  after(async () => {
    await server.close();
    await secure.close();
    cert.cleanup();
  });

  for (const [name, fetchImpl] of [['undici fetch', undiciFetch], ['global fetch', globalThis.fetch]] as const) {
    it(`${name} with a dispatcher: the connection is hiper's, its trace reachable`, async () => {
      const traces: Array<[ConnectTrace, Socket]> = [];
      const dispatcher = new Agent({ connect: hiperConnector({ resolver: pinned('127.0.0.1'), onConnect: (t, s) => traces.push([t, s]) }) });
      try {
        const res = await fetchImpl(`http://svc.test:${server.port}/`, { dispatcher } as never);
        const [address, port] = (await res.text()).split(' ');
        assert.equal(address, '127.0.0.1');
        assert.equal(traces.length, 1);
        const [trace, socket] = traces[0]!;
        assert.equal(trace.host, 'svc.test');
        assert.equal(trace.local.port, Number(port));
        assert.equal(trace.remote.address, '127.0.0.1');
        assert.equal(traceOf(socket), trace);
      } finally {
        await dispatcher.close();
      }
    });
  }

  it('keep-alive stays undici\'s: a Client reuses its connection', async () => {
    let opened = 0;
    const client = new Client(`http://127.0.0.1:${server.port}`, { connect: hiperConnector({ onConnect: () => opened++ }) });
    try {
      const a = await (await client.request({ path: '/a', method: 'GET' })).body.text();
      const b = await (await client.request({ path: '/b', method: 'GET' })).body.text();
      assert.equal(a.split(' ')[1], b.split(' ')[1]);
      assert.equal(opened, 1);
    } finally {
      await client.close();
    }
  });

  it('https: TLS with the CA given, SNI from the URL, ALPN http/1.1 by default', async () => {
    const traces: ConnectTrace[] = [];
    const dispatcher = new Agent({ connect: hiperConnector({ tls: { ca: cert.cert }, resolver: pinned('127.0.0.1'), onConnect: (t) => traces.push(t) }) });
    try {
      const body = await (await undiciFetch(`https://localhost:${secure.port}/`, { dispatcher })).text();
      assert.match(body, /^127\.0\.0\.1 \d+ 1\.1$/);
      assert.equal(traces[0]!.alpn, 'http/1.1');
      assert.match(traces[0]!.tlsVersion ?? '', /^TLSv1\.[23]$/);
      assert.ok(traces[0]!.timings.appconnect !== undefined);
    } finally {
      await dispatcher.close();
    }
  });

  it('https: allowH2 on the Agent offers h2 by ALPN, and undici speaks h2', async () => {
    const h2 = await h2Server(cert);
    const traces: ConnectTrace[] = [];
    const dispatcher = new Agent({ allowH2: true, connect: hiperConnector({ tls: { ca: cert.cert }, onConnect: (t) => traces.push(t) }) });
    try {
      const body = await (await undiciFetch(`https://127.0.0.1:${h2.port}/`, { dispatcher })).text();
      assert.match(body, / 2\.0$/);
      assert.equal(traces[0]!.alpn, 'h2');
    } finally {
      await dispatcher.close();
      await h2.close();
    }
  });

  it('https: a certificate that does not verify is ERR_TLS', async () => {
    const dispatcher = new Agent({ connect: hiperConnector() });
    try {
      await assert.rejects(request(`https://127.0.0.1:${secure.port}/`, { dispatcher }), (e: unknown) => isHiperError(e, 'ERR_TLS'));
    } finally {
      await dispatcher.close();
    }
  });

  it('https: a name the certificate does not carry is ERR_TLS, also when connectTo sends it to an address the certificate has', async () => {
    const cases: HiperConnectorOptions[] = [{ resolver: pinned('127.0.0.1') }, { connectTo: [`other.test:${secure.port}:127.0.0.1:${secure.port}`] }];
    for (const options of cases) {
      const dispatcher = new Agent({ connect: hiperConnector({ tls: { ca: cert.cert }, ...options }) });
      try {
        await assert.rejects(request(`https://other.test:${secure.port}/`, { dispatcher }), (e: unknown) => isHiperError(e, 'ERR_TLS'));
      } finally {
        await dispatcher.close();
      }
    }
  });

  it('https over a socket undici already has (httpSocket): TLS on it, no new connection', async () => {
    const tcp = net.connect(secure.port, '127.0.0.1');
    await once(tcp, 'connect');
    const got = await connectOnce({ tls: { ca: cert.cert } }, { hostname: 'localhost', protocol: 'https:', port: '', httpSocket: tcp });
    assert.ok(got instanceof TLSSocket, String(got));
    assert.equal(got.authorized, true);
    assert.equal(got.alpnProtocol, 'http/1.1');
    got.destroy();
  });

  describe('errors reach undici as the HiperError', function () {
    const cases: Array<{ what: string; options: HiperConnectorOptions; port?: () => Promise<number>; code: string }> = [
      { what: 'unknown interface', options: { interface: 'if!nosuch0' }, code: 'ERR_INTERFACE_NOT_FOUND' },
      { what: 'nobody listening', options: {}, port: deadPort, code: 'ERR_CONNECT_ALL_FAILED' },
      { what: 'a local address of the wrong family', options: { localAddress: '::1' }, code: 'ERR_INTERFACE_NO_ADDRESS' },
    ];
    for (const c of cases) {
      it(`${c.what}: ${c.code} (fetch: as the cause; request: as is)`, async () => {
        const port = c.port ? await c.port() : server.port;
        const dispatcher = new Agent({ connect: hiperConnector(c.options) });
        try {
          await assert.rejects(undiciFetch(`http://127.0.0.1:${port}/`, { dispatcher }), (e: Error) => isHiperError(e.cause, c.code as never));
          await assert.rejects(request(`http://127.0.0.1:${port}/`, { dispatcher }), (e: unknown) => isHiperError(e, c.code as never));
        } finally {
          await dispatcher.close();
        }
      });
    }
  });

  it('publishes the connect diagnostics channels', async () => {
    const dispatcher = new Agent({ connect: hiperConnector() });
    try {
      const ok = await watchChannels(async () => (await undiciFetch(`http://127.0.0.1:${server.port}/`, { dispatcher })).text());
      assert.deepEqual(ok.seen, ['start', 'attempt', 'success']);
      const port = await deadPort();
      const failed = await watchChannels(() => undiciFetch(`http://127.0.0.1:${port}/`, { dispatcher }).catch(() => undefined));
      assert.deepEqual(failed.seen, ['start', 'attempt', 'failure']);
    } finally {
      await dispatcher.close();
    }
  });

  describe('what the connector asks connect() for', function () {
    const cases: Array<{ what: string; options?: HiperConnectorOptions; params: Parameters<ReturnType<typeof hiperConnector>>[0]; expect: Partial<ConnectOptions> }> = [
      { what: 'http: host, default port, undici\'s connect timeout', params: { hostname: 'example.test', protocol: 'http:', port: '' },
        expect: { host: 'example.test', port: 80, timeout: UNDICI_CONNECT_TIMEOUT } },
      { what: 'https: SNI from the host name, ALPN http/1.1', params: { hostname: 'example.test', protocol: 'https:', port: '8443' },
        expect: { port: 8443, tls: { servername: 'example.test', ALPNProtocols: ['http/1.1'] } } },
      { what: 'https: SNI from undici\'s servername', params: { hostname: '198.51.100.1', protocol: 'https:', port: '', servername: 'name.test' },
        expect: { host: '198.51.100.1', port: 443, tls: { servername: 'name.test', ALPNProtocols: ['http/1.1'] } } },
      { what: 'https to an IP literal: no SNI', params: { hostname: '2001:db8::1', protocol: 'https:', port: '443' },
        expect: { host: '2001:db8::1', tls: { ALPNProtocols: ['http/1.1'] } } },
      { what: 'allowH2 from the Client', params: { hostname: 'a.test', protocol: 'https:', port: '', allowH2: true },
        expect: { tls: { servername: 'a.test', ALPNProtocols: ['http/1.1', 'h2'] } } },
      { what: 'preferH2 and the CA', options: { allowH2: true, preferH2: true, tls: { ca: 'PEM', rejectUnauthorized: true } }, params: { hostname: 'a.test', protocol: 'https:', port: '' },
        expect: { tls: { ca: 'PEM', rejectUnauthorized: true, servername: 'a.test', ALPNProtocols: ['h2', 'http/1.1'] } } },
      { what: 'the zone option on a link-local literal', options: { zone: 'eth9' }, params: { hostname: 'fe80::1', protocol: 'http:', port: '8080' },
        expect: { host: 'fe80::1%eth9', port: 8080 } },
      { what: 'the zone option leaves a global address alone', options: { zone: 'eth9' }, params: { hostname: '2001:db8::1', protocol: 'http:', port: '8080' },
        expect: { host: '2001:db8::1' } },
      { what: 'undici\'s localAddress, when hiper has none', params: { hostname: 'a.test', protocol: 'http:', port: '', localAddress: '127.0.0.2' },
        expect: { localAddress: '127.0.0.2' } },
      { what: 'hiper\'s egress options pass through', options: { interface: 'if!eth9', family: 6, happyEyeballsDelay: 100, connectTimeout: 5, strict: true, connectTo: ['a.test:80:b.test:81'], localPort: '4000-4010' },
        params: { hostname: 'a.test', protocol: 'http:', port: '', localAddress: '127.0.0.2' },
        expect: { interface: 'if!eth9', family: 6, happyEyeballsDelay: 100, timeout: 5, strict: true, connectTo: ['a.test:80:b.test:81'], localPort: '4000-4010', localAddress: '127.0.0.2' } },
    ];
    for (const c of cases) {
      it(c.what, async () => {
        const { connector, calls } = recordingConnector();
        await connectOnce({ ...c.options, connector }, c.params);
        const got = calls[0]!;
        for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(got[key as keyof ConnectOptions], value, key);
        if (!c.expect.tls) assert.equal(got.tls, undefined);
      });
    }

    it('a unix socket path is refused with ERR_INVALID_ARGUMENT', async () => {
      const err = await connectOnce({}, { hostname: 'a.test', protocol: 'http:', port: '', socketPath: '/tmp/x.sock' });
      assert.ok(isHiperError(err, 'ERR_INVALID_ARGUMENT'));
    });
  });

  describe('bad options throw when the connector is built', function () {
    const cases: Array<[string, unknown, string]> = [
      ['a malformed interface spec', { interface: 'ifhost!eth0' }, 'ERR_INVALID_INTERFACE_SPEC'],
      ['an unknown option', { iface: 'eth0' }, 'ERR_INVALID_ARGUMENT'],
      ['a TLS option outside tls', { ca: 'PEM' }, 'ERR_INVALID_ARGUMENT'],
      ['a bad family', { family: 5 }, 'ERR_INVALID_ARGUMENT'],
      ['a bad local port', { localPort: '9-1' }, 'ERR_INVALID_ARGUMENT'],
      ['a negative connect timeout', { connectTimeout: -1 }, 'ERR_INVALID_ARGUMENT'],
      ['a zone with a space', { zone: 'eth 0' }, 'ERR_INVALID_ARGUMENT'],
      ['onConnect not a function', { onConnect: 1 }, 'ERR_INVALID_ARGUMENT'],
      ['allowH2 not a boolean', { allowH2: 'yes' }, 'ERR_INVALID_ARGUMENT'],
    ];
    for (const [what, options, code] of cases) {
      it(`${what}: ${code}`, () => {
        assert.throws(() => hiperConnector(options as HiperConnectorOptions), (e: unknown) => isHiperError(e, code as never));
      });
    }
    it('the ca hint names where it belongs', () => {
      assert.throws(() => hiperConnector({ ca: 'PEM' } as HiperConnectorOptions), /tls: \{ ca \}/);
    });
  });
});
