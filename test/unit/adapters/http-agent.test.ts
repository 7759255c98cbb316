import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { HiperAgent, HiperHttpsAgent, traceOf, type HiperAgentOptions } from '../../../src/adapters/index.js';
import { connect, type ConnectOptions, type Connector } from '../../../src/connect/index.js';
import { isHiperError } from '../../../src/shared/index.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { deadPort, get, httpServer, httpsServer, pinned, watchChannels, type Running } from './servers.js';

/** connect(), counting calls and how many are open at once. */
function countingConnector(): { connector: Connector; calls: ConnectOptions[]; maxInFlight: number } {
  const state = { calls: [] as ConnectOptions[], maxInFlight: 0, connector: undefined as unknown as Connector };
  let inFlight = 0;
  state.connector = async (o) => {
    state.calls.push(o);
    state.maxInFlight = Math.max(state.maxInFlight, ++inFlight);
    try {
      return await connect(o);
    } finally {
      inFlight--;
    }
  };
  return state;
}

describe('adapters: HiperAgent (node:http) on loopback', function () {
  let server: Running;
  before(async () => {
    server = await httpServer();
  });
  after(() => server.close());

  it('http.get through the agent: hiper\'s connection, its trace on the socket', async () => {
    const agent = new HiperAgent({ resolver: pinned('127.0.0.1') });
    try {
      const { body, socket } = await get(http, `http://svc.test:${server.port}/`, { agent });
      const [address, port] = body.split(' ');
      assert.equal(address, '127.0.0.1');
      const trace = traceOf(socket)!;
      assert.equal(trace.host, 'svc.test');
      assert.equal(trace.local.port, Number(port));
      assert.equal(trace.attempts.length, 1);
    } finally {
      agent.destroy();
    }
  });

  it('keep-alive: two requests, one connection', async () => {
    const counting = countingConnector();
    const agent = new HiperAgent({ keepAlive: true, connector: counting.connector });
    try {
      const before = server.connections;
      const a = await get(http, `http://127.0.0.1:${server.port}/a`, { agent });
      const b = await get(http, `http://127.0.0.1:${server.port}/b`, { agent });
      assert.equal(a.socket, b.socket);
      assert.equal(a.body.split(' ')[1], b.body.split(' ')[1]);
      assert.equal(counting.calls.length, 1);
      assert.equal(server.connections - before, 1);
    } finally {
      agent.destroy();
    }
  });

  it('maxSockets holds while connections are being opened: 5 requests, 1 connection at a time', async () => {
    const counting = countingConnector();
    const agent = new HiperAgent({ keepAlive: true, maxSockets: 1, connector: counting.connector });
    try {
      const bodies = await Promise.all(Array.from({ length: 5 }, (_, i) => get(http, `http://127.0.0.1:${server.port}/${i}`, { agent })));
      assert.equal(new Set(bodies.map((b) => b.body.split(' ')[1])).size, 1);
      assert.equal(counting.calls.length, 1);
      assert.equal(counting.maxInFlight, 1);
    } finally {
      agent.destroy();
    }
  });

  it('maxSockets: 1 and every connection failing: each waiting request gets its error, none hangs', async () => {
    const port = await deadPort();
    const agent = new HiperAgent({ maxSockets: 1 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => get(http, `http://127.0.0.1:${port}/`, { agent })));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok(isHiperError((r as PromiseRejectedResult).reason, 'ERR_CONNECT_ALL_FAILED'));
      }
      assert.equal((agent as unknown as { totalSocketCount: number }).totalSocketCount, 0);
      assert.deepEqual(Object.keys(agent.sockets), []);
    } finally {
      agent.destroy();
    }
  });

  it('per-request localAddress and family are honoured', async () => {
    const agent = new HiperAgent();
    try {
      const { body } = await get(http, `http://127.0.0.1:${server.port}/`, { agent, localAddress: '127.0.0.2', family: 4 });
      assert.equal(body.split(' ')[0], '127.0.0.2');
    } finally {
      agent.destroy();
    }
  });

  it('agent.destroy() aborts a connection being opened: ERR_ABORTED', async () => {
    let started!: () => void;
    const opening = new Promise<void>((r) => (started = r));
    const slow: Connector = (o) => new Promise((_, reject) => {
      started();
      o.signal!.addEventListener('abort', () => reject(o.signal!.reason));
    });
    const agent = new HiperAgent({ connector: slow });
    const failed = get(http, `http://127.0.0.1:${server.port}/`, { agent });
    await opening;
    assert.equal((agent as unknown as { totalSocketCount: number }).totalSocketCount, 1);
    agent.destroy();
    await assert.rejects(failed, (e: unknown) => isHiperError(e, 'ERR_ABORTED'));
  });

  describe('errors from connect are request errors with their code', function () {
    const cases: Array<{ what: string; options: HiperAgentOptions; port?: () => Promise<number>; code: string }> = [
      { what: 'unknown interface', options: { interface: 'if!nosuch0' }, code: 'ERR_INTERFACE_NOT_FOUND' },
      { what: 'nobody listening', options: {}, port: deadPort, code: 'ERR_CONNECT_ALL_FAILED' },
      { what: 'a local address of the wrong family', options: { localAddress: '::1' }, code: 'ERR_INTERFACE_NO_ADDRESS' },
      { what: 'a connect time limit', options: { connectTimeout: 1, connector: (o) => connect({ ...o, resolver: () => new Promise(() => {}) }) }, code: 'ERR_TIMEOUT' },
    ];
    for (const c of cases) {
      it(`${c.what}: ${c.code}`, async () => {
        const port = c.port ? await c.port() : server.port;
        const agent = new HiperAgent(c.options);
        try {
          await assert.rejects(get(http, `http://127.0.0.1:${port}/`, { agent }), (e: unknown) => isHiperError(e, c.code as never));
        } finally {
          agent.destroy();
        }
      });
    }

    it('a malformed interface spec throws when the agent is built', () => {
      assert.throws(() => new HiperAgent({ interface: 'if!' }), (e: unknown) => isHiperError(e, 'ERR_INVALID_INTERFACE_SPEC'));
      assert.throws(() => new HiperHttpsAgent({ connectTimeout: 0 }), (e: unknown) => isHiperError(e, 'ERR_INVALID_ARGUMENT'));
    });

    it('createConnection without its callback is refused', () => {
      const agent = new HiperAgent();
      assert.throws(() => agent.createConnection({ host: '127.0.0.1', port: server.port }), (e: unknown) => isHiperError(e, 'ERR_INVALID_ARGUMENT'));
    });
  });

  it('publishes the connect diagnostics channels, once per new connection', async () => {
    const agent = new HiperAgent({ keepAlive: true });
    try {
      const { seen } = await watchChannels(async () => {
        await get(http, `http://127.0.0.1:${server.port}/`, { agent });
        await get(http, `http://127.0.0.1:${server.port}/`, { agent });
      });
      assert.deepEqual(seen, ['start', 'attempt', 'success']);
    } finally {
      agent.destroy();
    }
  });

  it('the egress options are not passed on to Node\'s Agent', () => {
    const agent = new HiperAgent({ interface: 'if!lo', keepAlive: true, maxSockets: 3 });
    assert.equal(agent.egress.interface, 'if!lo');
    assert.equal((agent as unknown as { options: Record<string, unknown> }).options.interface, undefined);
    assert.equal(agent.maxSockets, 3);
  });
});

describe('adapters: HiperHttpsAgent (node:https) on loopback', function () {
  let cert: TestCert;
  let server: Running;
  before(async () => {
    cert = makeCert(['localhost', '127.0.0.1']);
    server = await httpsServer(cert);
  });
  after(async () => {
    await server.close();
    cert.cleanup();
  });

  it('https.get by name: TLS with the CA, the certificate checked against the name, keep-alive reuse', async () => {
    const agent = new HiperHttpsAgent({ ca: cert.cert, keepAlive: true, resolver: pinned('127.0.0.1') });
    try {
      const a = await get(https, `https://localhost:${server.port}/`, { agent });
      const b = await get(https, `https://localhost:${server.port}/`, { agent });
      assert.match(a.body, /^127\.0\.0\.1 \d+ 1\.1$/);
      assert.equal(a.socket, b.socket);
      const trace = traceOf(a.socket)!;
      assert.equal(trace.host, 'localhost');
      assert.match(trace.tlsVersion ?? '', /^TLSv1\.[23]$/);
      assert.ok(trace.timings.appconnect! >= trace.timings.connect);
    } finally {
      agent.destroy();
    }
  });

  it('https to an IP literal; ALPN when asked', async () => {
    const agent = new HiperHttpsAgent({ ca: cert.cert, ALPNProtocols: ['http/1.1'] });
    try {
      const { body, socket } = await get(https, `https://127.0.0.1:${server.port}/`, { agent });
      assert.match(body, /^127\.0\.0\.1 /);
      assert.equal(traceOf(socket)!.alpn, 'http/1.1');
    } finally {
      agent.destroy();
    }
  });

  it('a certificate that does not verify is ERR_TLS, with the TLS error as its cause', async () => {
    const agent = new HiperHttpsAgent();
    try {
      await assert.rejects(get(https, `https://127.0.0.1:${server.port}/`, { agent }), (e: unknown) => {
        assert.ok(isHiperError(e, 'ERR_TLS'));
        assert.ok((e.cause as { code?: string }).code);
        return true;
      });
    } finally {
      agent.destroy();
    }
  });

  it('a name not in the certificate is ERR_TLS', async () => {
    const agent = new HiperHttpsAgent({ ca: cert.cert, resolver: pinned('127.0.0.1') });
    try {
      await assert.rejects(get(https, `https://other.test:${server.port}/`, { agent }), (e: unknown) => isHiperError(e, 'ERR_TLS'));
    } finally {
      agent.destroy();
    }
  });
});
