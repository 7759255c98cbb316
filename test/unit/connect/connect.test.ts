import assert from 'node:assert/strict';
import { freePort as deadPort } from '../../helpers/ports.js';
import net from 'node:net';
import tls from 'node:tls';
import dc from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect } from '../../../src/connect/index.js';
import { pendingDeadlines } from '../../../src/connect/deadlines.js';
import { HiperError, type AddressRecord } from '../../../src/shared/index.js';
import type { Resolver } from '../../../src/resolve/types.js';
import { deviceBinding } from '../../../src/bind/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { openFds, fdsSettle } from '../../helpers/fds.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { needs } from '../../helpers/needs.js';

const pinned = (...addresses: string[]): Resolver => async () =>
  addresses.map((address): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, source: 'pinned' }));

async function listen(server: net.Server, host = '127.0.0.1', port = 0): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

async function readAll(socket: net.Socket): Promise<string> {
  let text = '';
  for await (const chunk of socket) text += String(chunk);
  return text;
}

/** A port on which nothing listens (bound and closed at once). */

describe('connect on loopback', function () {
  let server: net.Server;
  let port: number;
  before(async () => {
    server = net.createServer((s) => s.on('error', () => {}).end(`${s.remoteAddress}:${s.remotePort}`));
    port = await listen(server);
  });
  after(() => server.close());

  it('connects and traces the winner', async () => {
    const { socket, trace } = await connect({ host: 'svc.test', port, resolver: pinned('127.0.0.1') });
    socket.destroy();
    assert.equal(trace.remote.address, '127.0.0.1');
    assert.equal(trace.local.address, '127.0.0.1');
    assert.ok(trace.local.port > 0);
    assert.equal(trace.bindMethod, 'none');
    assert.equal(trace.attempts.length, 1);
    assert.equal(trace.attempts[0]!.outcome, 'connected');
    assert.ok(trace.timings.namelookup >= 0 && trace.timings.connect >= trace.timings.namelookup);
  });

  it('moves on at once when an attempt fails, without waiting for the attempt delay', async () => {
    const { socket, trace } = await connect({ host: 'svc.test', port, resolver: pinned('::1', '127.0.0.1'), happyEyeballsDelay: 60_000 });
    socket.destroy();
    assert.deepEqual(trace.attempts.map((a) => [a.remote.address, a.outcome, a.error]), [['::1', 'failed', 'ECONNREFUSED'], ['127.0.0.1', 'connected', undefined]]);
  });

  it('publishes start, skip, attempt and success on diagnostics channels', async () => {
    const seen: string[] = [];
    const names = ['start', 'skip', 'attempt', 'success', 'failure'];
    const subs = names.map((n) => {
      const fn = (m: unknown): void => { seen.push(`${n}:${(m as { host: string }).host}`); };
      dc.subscribe(`hiper:connect:${n}`, fn);
      return () => dc.unsubscribe(`hiper:connect:${n}`, fn);
    });
    try {
      const { socket } = await connect({ host: 'svc.test', port, interface: 'host!127.0.0.1', resolver: pinned('::1', '127.0.0.1') });
      socket.destroy();
    } finally {
      subs.forEach((u) => u());
    }
    assert.deepEqual(seen, ['start:svc.test', 'skip:svc.test', 'attempt:svc.test', 'success:svc.test']);
  });

  it('binds a local address (host!127.0.0.2)', async () => {
    const { socket, trace } = await connect({ host: '127.0.0.1', port, interface: 'host!127.0.0.2', resolver: pinned('127.0.0.1') });
    socket.destroy();
    assert.equal(trace.local.address, '127.0.0.2');
    assert.equal(trace.bindMethod, 'address');
  });

  it('binds the device with if!lo', async function () {
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
    const { socket, trace } = await connect({ host: '127.0.0.1', port, interface: 'if!lo', resolver: pinned('127.0.0.1') });
    socket.destroy();
    assert.equal(trace.bindMethod, 'device');
    assert.equal(trace.interface, 'lo');
    assert.equal(trace.local.address, '127.0.0.1');
  });

  it('walks a local port range past a port in use', async () => {
    const taken = net.createServer();
    const first = await listen(taken, '127.0.0.1');
    try {
      const { socket, trace } = await connect({ host: '127.0.0.1', port, localPort: `${first}-${Math.min(first + 20, 65535)}`, resolver: pinned('127.0.0.1') });
      socket.destroy();
      assert.ok(trace.local.port > first && trace.local.port <= first + 20, `local port ${trace.local.port} after ${first}`);
    } finally {
      taken.close();
    }
  });

  it('says when the whole port range is in use', async () => {
    const taken = net.createServer();
    const only = await listen(taken, '127.0.0.1');
    const before = openFds();
    try {
      await assert.rejects(connect({ host: '127.0.0.1', port, localPort: only, resolver: pinned('127.0.0.1') }), (e: unknown) => {
        // Nothing reached the network: a local failure, curl's 45 rather than 7.
        assert.ok(e instanceof HiperError && e.code === 'ERR_LOCAL_PORT_EXHAUSTED' && e.exitCode === 45);
        const attempts = e.details.attempts as Array<{ error: string; failedAt: string }>;
        assert.equal(attempts[0]!.error, 'ERR_LOCAL_PORT_EXHAUSTED');
        assert.equal(attempts[0]!.failedAt, 'bind');
        return true;
      });
      assert.equal(await fdsSettle(before), before);
    } finally {
      taken.close();
    }
  });

  it('fails with every attempt listed, leaking no socket', async () => {
    const dead = await deadPort();
    const before = openFds();
    await assert.rejects(connect({ host: 'svc.test', port: dead, resolver: pinned('::1', '127.0.0.1', '127.0.0.2') }), (e: unknown) => {
      assert.ok(e instanceof HiperError);
      assert.equal(e.code, 'ERR_CONNECT_ALL_FAILED');
      assert.equal(e.input, 'svc.test');
      const attempts = e.details.attempts as Array<{ remote: { address: string }; error: string; outcome: string }>;
      assert.deepEqual(attempts.map((a) => [a.remote.address, a.outcome, a.error]),
        [['::1', 'failed', 'ECONNREFUSED'], ['127.0.0.1', 'failed', 'ECONNREFUSED'], ['127.0.0.2', 'failed', 'ECONNREFUSED']]);
      assert.match(e.message, /::1:\d+ failed \(ECONNREFUSED\)/);
      return true;
    });
    assert.equal(await fdsSettle(before), before);
  });

  it('times out with ERR_TIMEOUT on the injected clock', async () => {
    const clock = new FakeClock();
    const never: Resolver = () => new Promise(() => {});
    const p = connect({ host: 'slow.test', port, resolver: never, clock, timeout: 5_000 });
    clock.advance(4_999);
    clock.advance(1);
    await assert.rejects(p, (e: unknown) => e instanceof HiperError && e.code === 'ERR_TIMEOUT' && e.input === 'slow.test' && /5000 ms/.test(e.message));
    assert.equal(clock.pending, 0);
  });

  it('aborts through a signal', async () => {
    const ac = new AbortController();
    const p = connect({ host: 'slow.test', port, resolver: () => new Promise(() => {}), signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (e: unknown) => e instanceof HiperError && e.code === 'ERR_ABORTED');
  });

  it('answers an address literal itself with the default resolver, and leaves no time limit behind', async () => {
    const { socket, trace } = await connect({ host: '127.0.0.1', port });
    socket.destroy();
    assert.deepEqual(trace.addresses, [{ address: '127.0.0.1', family: 4, source: 'literal' }]);
    assert.deepEqual(trace.attempts.map((a) => [a.remote.address, a.outcome, a.method]), [['127.0.0.1', 'connected', 'none']]);
    assert.ok(trace.local.port > 0);
    assert.equal(pendingDeadlines(), 0);
  });

  it('answers an IPv6 literal in its canonical form', async function () {
    const v6 = net.createServer((s) => s.on('error', () => {}).end('six'));
    try {
      let v6port: number;
      try {
        v6port = await listen(v6, '::1');
      } catch {
        console.log('      skipped: no IPv6 loopback here');
        return this.skip();
      }
      for (const host of ['0:0:0:0:0:0:0:1', '::1']) {
        const { socket, trace } = await connect({ host, port: v6port });
        assert.equal(await readAll(socket), 'six');
        assert.deepEqual(trace.addresses, [{ address: '::1', family: 6, source: 'literal' }]);
      }
    } finally {
      v6.close();
    }
  });

  it('leaves the resolver to answer what is not a plain literal', async () => {
    // A pinned entry may name a literal host.
    const pinnedLiteral = await connect({ host: '127.0.0.9', port, resolve: { pinned: [`127.0.0.9:${port}:127.0.0.1`] } });
    pinnedLiteral.socket.destroy();
    assert.equal(pinnedLiteral.trace.remote.address, '127.0.0.1');
    assert.equal(pinnedLiteral.trace.addresses[0]!.source, 'pinned');
    // The wrong family for a literal is the resolver's error.
    await assert.rejects(connect({ host: '127.0.0.1', port, family: 6 }), (e: unknown) => e instanceof HiperError && e.code === 'ERR_DNS_NOT_FOUND');
    // A resolver given is asked even for a literal.
    const asked: string[] = [];
    const { socket } = await connect({ host: '127.0.0.2', port, resolver: async (host) => { asked.push(host); return [{ address: '127.0.0.1', family: 4, source: 'pinned' }]; } });
    socket.destroy();
    assert.deepEqual(asked, ['127.0.0.2']);
  });

  it('does nothing for a signal aborted before the call', async () => {
    const asked: string[] = [];
    const before = openFds();
    await assert.rejects(connect({ host: 'a.test', port, signal: AbortSignal.abort(), resolver: async (h) => { asked.push(h); return []; } }),
      (e: unknown) => e instanceof HiperError && e.code === 'ERR_ABORTED');
    assert.deepEqual(asked, []);
    assert.equal(openFds(), before);
    assert.equal(pendingDeadlines(), 0);
  });

  it('times out with ERR_TIMEOUT on the process clock', async () => {
    await assert.rejects(connect({ host: 'slow.test', port, resolver: () => new Promise(() => {}), timeout: 20 }),
      (e: unknown) => e instanceof HiperError && e.code === 'ERR_TIMEOUT' && /20 ms/.test(e.message));
    assert.equal(pendingDeadlines(), 0);
  });

  it('refuses a device-bound attempt whose only port is taken, at once and without a leak', async function () {
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
    const taken = net.createServer();
    const only = await listen(taken, '127.0.0.1');
    const before = openFds();
    try {
      await assert.rejects(connect({ host: '127.0.0.1', port, interface: 'if!lo', localPort: only }), (e: unknown) => {
        assert.ok(e instanceof HiperError && e.code === 'ERR_LOCAL_PORT_EXHAUSTED');
        assert.deepEqual((e.details.attempts as Array<{ method: string; error: string }>).map((a) => [a.method, a.error]), [['device', 'ERR_LOCAL_PORT_EXHAUSTED']]);
        return true;
      });
      assert.equal(await fdsSettle(before), before);
      assert.equal(pendingDeadlines(), 0);
    } finally {
      taken.close();
    }
  });

  const refusals: Array<[string, Parameters<typeof connect>[0], string, RegExp]> = [
    ['an empty host', { host: '', port: 80 }, 'ERR_INVALID_ARGUMENT', /host must be/],
    ['port 0', { host: 'a.test', port: 0 }, 'ERR_INVALID_ARGUMENT', /port must be/],
    ['a negative attempt delay', { host: 'a.test', port: 80, happyEyeballsDelay: -1 }, 'ERR_INVALID_ARGUMENT', /happyEyeballsDelay/],
    ['an unknown interface', { host: 'a.test', port: 80, interface: 'if!nosuch0' }, 'ERR_INTERFACE_NOT_FOUND', /"nosuch0".*interfaces: .*lo/],
    ['a malformed spec', { host: 'a.test', port: 80, interface: 'if!' }, 'ERR_INVALID_INTERFACE_SPEC', /if!/],
    ['a bad port range', { host: 'a.test', port: 80, localPort: '9-1' }, 'ERR_INVALID_ARGUMENT', /9-1/],
    ['an interface that cannot reach any address', { host: 'a.test', port: 80, interface: 'host!127.0.0.1', resolver: pinned('::1') }, 'ERR_INTERFACE_NO_ADDRESS', /has no IPv6 address/],
  ];
  for (const [what, options, code, message] of refusals) {
    it(`refuses ${what} with ${code}`, async () => {
      await assert.rejects(connect({ resolver: pinned('127.0.0.1'), ...options }), (e: unknown) => e instanceof HiperError && e.code === code && message.test(e.message));
    });
  }
});

describe('connect with TLS', function () {
  let cert: TestCert;
  let server: tls.Server;
  let port: number;
  const seen: Array<string | false> = [];
  before(async () => {
    cert = makeCert(['hiper.test', '127.0.0.1']);
    server = tls.createServer({ key: cert.key, cert: cert.cert, ALPNProtocols: ['h2', 'http/1.1'] }, (s) => {
      s.on('error', () => {});
      seen.push(s.servername ?? false);
      s.end('hello');
    });
    port = await listen(server);
  });
  after(() => {
    server.close();
    cert.cleanup();
  });

  it('verifies by default: a self-signed certificate is refused with ERR_TLS', async () => {
    const before = openFds();
    await assert.rejects(connect({ host: 'hiper.test', port, resolver: pinned('127.0.0.1'), tls: true }),
      (e: unknown) => e instanceof HiperError && e.code === 'ERR_TLS' && e.input === 'hiper.test');
    assert.equal(await fdsSettle(before), before);
  });

  it('sends SNI for a name, negotiates ALPN and times the handshake', async () => {
    const { socket, trace } = await connect({ host: 'hiper.test', port, resolver: pinned('127.0.0.1'), tls: { ca: cert.cert, ALPNProtocols: ['h2', 'http/1.1'] } });
    assert.equal(await readAll(socket), 'hello');
    assert.equal(trace.alpn, 'h2');
    assert.match(trace.tlsVersion ?? '', /^TLSv1\.[23]$/);
    assert.ok(trace.timings.appconnect! >= trace.timings.connect);
    assert.equal(seen.at(-1), 'hiper.test');
  });

  it('runs TLS over a device-bound and over an address-bound socket', async function () {
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
    for (const spec of ['if!lo', 'host!127.0.0.1']) {
      const { socket, trace } = await connect({ host: 'hiper.test', port, interface: spec, resolver: pinned('127.0.0.1'), tls: { ca: cert.cert } });
      assert.equal(await readAll(socket), 'hello');
      assert.equal(trace.bindMethod, spec === 'if!lo' ? 'device' : 'address');
      assert.ok(trace.timings.appconnect! >= trace.timings.connect);
    }
  });

  it('sends no SNI for an IP literal', async () => {
    const { socket } = await connect({ host: '127.0.0.1', port, tls: { ca: cert.cert } });
    assert.equal(await readAll(socket), 'hello');
    assert.equal(seen.at(-1), false);
  });
});
