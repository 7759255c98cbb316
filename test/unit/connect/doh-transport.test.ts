/**
 * httpsTransport (src/connect) against the loopback DoH fixture: egress in curl's spec syntax through
 * connect(), the connection facts it reports, strict, TLS trust, time limits, and its cache identity.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { deviceBinding } from '../../../src/bind/index.js';
import { httpsTransport, type HttpsTransportOptions } from '../../../src/connect/index.js';
import { Multi, multiDohTransport } from '../../../src/multi/index.js';
import { dohEndpoint, resolve, ResolveCache, type DohConnectionInfo, type DohTransport } from '../../../src/resolve/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { makeCert } from '../../helpers/cert.js';
import { useDohFixture } from '../resolve/doh-fixture.js';

const isCode = (code: string, mention?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (mention) assert.match(e.message, mention);
  return true;
};

describe('connect: httpsTransport, the DoH transport on connect()', function () {
  this.timeout(20_000);
  const doh = useDohFixture();
  const device = deviceBinding().available;

  /** One IPv4 lookup of www.hiper.test through a transport made with `options`; the connection it used. */
  async function lookup(options: HttpsTransportOptions): Promise<DohConnectionInfo> {
    const inner = httpsTransport({ ca: doh.cert.cert, ...options });
    let seen: DohConnectionInfo | undefined;
    const transport: DohTransport = async (req) => {
      const r = await inner(req);
      seen = r.connection;
      return r;
    };
    const records = await resolve('www.hiper.test', { doh: { url: doh.fixture.url, transport }, family: 4, cache: false });
    assert.deepEqual(records.map((r) => r.address), ['198.51.100.10']);
    assert.ok(seen, 'the transport reported its connection');
    return seen;
  }

  const specs: Array<[string, HttpsTransportOptions, Partial<DohConnectionInfo>]> = [
    ['interface "if!lo"', { interface: 'if!lo' }, { localAddress: '127.0.0.1', interface: 'lo', bindMethod: device ? 'device' : 'address', egressInterface: 'lo' }],
    ['a bare interface name "lo"', { interface: 'lo' }, { localAddress: '127.0.0.1', interface: 'lo', bindMethod: device ? 'device' : 'address' }],
    ['interface "host!127.0.0.2"', { interface: 'host!127.0.0.2' }, { localAddress: '127.0.0.2', bindMethod: 'address', egressInterface: 'lo' }],
    ['interface "ifhost!lo!127.0.0.3"', { interface: 'ifhost!lo!127.0.0.3' }, { localAddress: '127.0.0.3', interface: 'lo', bindMethod: device ? 'device' : 'address' }],
    ['localAddress 127.0.0.2', { localAddress: '127.0.0.2' }, { localAddress: '127.0.0.2', bindMethod: 'address' }],
    ['no egress', {}, { localAddress: '127.0.0.1', bindMethod: 'none', egressInterface: 'lo' }],
  ];
  for (const [what, options, expected] of specs) {
    it(`${what}: leaves as asked, and the connection info says how`, async () => {
      const before = doh.fixture.seen.length;
      const c = await lookup(options);
      for (const [k, v] of Object.entries(expected)) assert.equal(c[k as keyof DohConnectionInfo], v, `${k} of ${JSON.stringify(c)}`);
      assert.equal(c.remoteAddress, '127.0.0.1');
      assert.equal(c.egressWarning, undefined);
      assert.deepEqual(doh.fixture.seen.slice(before).map((s) => s.remoteAddress.replace(/^::ffff:/, '')), [expected.localAddress]);
    });
  }

  it('a local port range is used for the DoH connection', async () => {
    const c = await lookup({ interface: 'host!127.0.0.2', localPort: '47100-47120' });
    assert.ok(c.localPort! >= 47100 && c.localPort! <= 47120, `local port ${c.localPort}`);
  });

  it('an interface that does not exist: ERR_INTERFACE_NOT_FOUND, nothing sent', async () => {
    const before = doh.fixture.seen.length;
    await assert.rejects(lookup({ interface: 'if!no-such-if0' }), isCode('ERR_INTERFACE_NOT_FOUND', /no-such-if0/));
    await assert.rejects(lookup({ interface: 'ifhost!no-such-if0!127.0.0.1' }), isCode('ERR_INTERFACE_NOT_FOUND', /no-such-if0/));
    assert.equal(doh.fixture.seen.length, before);
  });

  it('an egress that cannot reach the server is an error naming why, not a silent fallback', async () => {
    await assert.rejects(lookup({ localAddress: '::1' }), isCode('ERR_INTERFACE_NO_ADDRESS', /::1 has no IPv4 address/));
    await assert.rejects(lookup({ family: 6 }), isCode('ERR_DNS_NOT_FOUND', /127\.0\.0\.1 is an IPv4 address/));
  });

  it('strict without device binding (HIPER_DEVICE_BINDING=off): refused before anything is sent', async () => {
    const child = fileURLToPath(new URL('../../helpers/doh-strict-child.js', import.meta.url));
    const before = doh.fixture.seen.length;
    // Asynchronously: the fixture in this process must go on answering.
    const run = async (spec: string): Promise<{ code: string; message?: string }> => {
      const p = spawn(process.execPath, [child, doh.fixture.url, doh.cert.certPath, spec], { env: { ...process.env, HIPER_DEVICE_BINDING: 'off' }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => (out += String(d)));
      const [status] = await once(p, 'close') as [number | null];
      assert.equal(status, 0, out);
      return JSON.parse(out) as { code: string; message?: string };
    };
    const refused = await run('if!lo');
    assert.equal(refused.code, 'ERR_DEVICE_BIND_UNAVAILABLE', refused.message);
    assert.match(refused.message!, /strict: "if!lo" needs device binding[^]*HIPER_DEVICE_BINDING=off/);
    assert.equal(doh.fixture.seen.length, before, 'no DoH request reached the server');
    // A local address needs no device: strict lets it through when the kernel's route agrees.
    assert.equal((await run('host!127.0.0.1')).code, 'resolved');
  });

  it('TLS: without the CA the server is refused (ERR_TLS); another CA too; -k style lets it through', async () => {
    await assert.rejects(lookup({ ca: undefined }), isCode('ERR_TLS', /TLS handshake with 127\.0\.0\.1 failed/));
    const other = makeCert(['127.0.0.1']);
    try {
      await assert.rejects(lookup({ ca: other.cert }), isCode('ERR_TLS'));
    } finally {
      other.cleanup();
    }
    await lookup({ ca: undefined, rejectUnauthorized: false });
  });

  it('nothing listening: ERR_DNS_FAILED naming the URL, with the attempt', async () => {
    const url = doh.fixture.url.replace(/:\d+\//, ':1/');
    const transport = httpsTransport({ ca: doh.cert.cert });
    await assert.rejects(resolve('www.hiper.test', { doh: { url, transport }, cache: false }), (e: unknown) => {
      isCode('ERR_DNS_FAILED', /DoH request to https:\/\/127\.0\.0\.1:1\/dns-query failed: could not connect.*ECONNREFUSED/)(e);
      assert.equal(((e as HiperError).details.attempts as unknown[]).length, 1);
      return true;
    });
  });

  it('timeout: a server that never answers is ERR_TIMEOUT from the transport, the connection closed', async () => {
    const transport = httpsTransport({ ca: doh.cert.cert, timeout: 200 });
    const before = doh.fixture.closedConnections;
    await assert.rejects(resolve('hang.hiper.test', { doh: { url: doh.fixture.url, transport }, family: 4, cache: false, timeout: 5_000 }), isCode('ERR_TIMEOUT', /DoH request to https:\/\/127\.0\.0\.1:\d+\/dns-query took longer than 200 ms/));
    for (let i = 0; i < 100 && doh.fixture.closedConnections === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(doh.fixture.closedConnections > before);
  });

  it('bad options are refused when the transport is made', () => {
    assert.throws(() => httpsTransport({ maxBodyBytes: 0 }), isCode('ERR_INVALID_ARGUMENT', /maxBodyBytes/));
    assert.throws(() => httpsTransport({ timeout: -1 }), isCode('ERR_INVALID_ARGUMENT', /timeout/));
    assert.throws(() => httpsTransport({ connectTimeout: Number.NaN }), isCode('ERR_INVALID_ARGUMENT', /connectTimeout/));
    assert.throws(() => httpsTransport({ family: 5 as 4 }), isCode('ERR_INVALID_ARGUMENT', /family/));
    assert.throws(() => httpsTransport({ interface: 'if!' }), isCode('ERR_INVALID_INTERFACE_SPEC', /if!/));
    assert.throws(() => httpsTransport({ localPort: 'many' }), (e: unknown) => e instanceof HiperError);
  });

  it('a zone id in the DoH URL travels beside the URL (WHATWG URL cannot hold it)', () => {
    const e = dohEndpoint('https://[fe80::1%25eth0]:8443/dns-query');
    assert.equal(e.url.href, 'https://[fe80::1]:8443/dns-query');
    assert.equal(e.zone, 'eth0');
    assert.equal(e.href, 'https://[fe80::1%25eth0]:8443/dns-query');
    assert.equal(dohEndpoint('https://[2001:db8::1]/dns-query').zone, undefined);
    assert.throws(() => dohEndpoint('http://[fe80::1%25eth0]/dns-query'), isCode('ERR_INVALID_URL', /must be https/));
  });

  it('a zone naming no interface is an error naming it', async () => {
    const transport = httpsTransport({ ca: doh.cert.cert });
    await assert.rejects(resolve('www.hiper.test', { doh: { url: 'https://[fe80::1%25no-such-if0]/dns-query', transport }, cache: false }), isCode('ERR_UNKNOWN_ZONE', /no-such-if0/));
  });

  describe('cache identity: egress and trust are part of the key', () => {
    const identity = (o: HttpsTransportOptions): string => httpsTransport(o).identity!;

    it('the same settings give the same identity; egress, CA, verification and strict each change it', () => {
      const ca = doh.cert.cert;
      assert.equal(identity({ interface: 'if!lo', ca }), identity({ interface: 'if!lo', ca: Buffer.from(ca) }));
      const variants = [
        identity({ ca }), identity({ interface: 'if!lo', ca }), identity({ interface: 'host!127.0.0.2', ca }), identity({ localAddress: '127.0.0.2', ca }),
        identity({ family: 4, ca }), identity({ strict: true, ca }), identity({ localPort: 4000, ca }),
        identity({}), identity({ ca: makeCertText() }), identity({ ca, rejectUnauthorized: false }), identity({ rejectUnauthorized: false }),
      ];
      assert.equal(new Set(variants).size, variants.length, variants.join('\n'));
      // Time limits and Happy Eyeballs change how long, not what: the same identity.
      assert.equal(identity({ ca, timeout: 100, connectTimeout: 50, happyEyeballsDelay: 10 }), identity({ ca }));
    });

    function makeCertText(): string {
      const c = makeCert(['127.0.0.1']);
      c.cleanup();
      return c.cert;
    }

    it('an answer fetched without verification is not served to a verifying lookup', async () => {
      const cache = new ResolveCache();
      const url = doh.fixture.url;
      const before = doh.fixture.seen.length;
      const insecure = await resolve('www.hiper.test', { doh: { url, transport: httpsTransport({ rejectUnauthorized: false }) }, family: 4, cache });
      assert.equal(insecure[0]!.source, 'doh');
      assert.equal(doh.fixture.seen.length, before + 1);
      // The same lookup, verifying with the system CAs: a miss, so the certificate is checked and refused.
      await assert.rejects(resolve('www.hiper.test', { doh: { url, transport: httpsTransport() }, family: 4, cache }), isCode('ERR_TLS'));
      // Verifying with the right CA: a miss again, a new request, then a hit for an equal transport.
      const verified = await resolve('www.hiper.test', { doh: { url, transport: httpsTransport({ ca: doh.cert.cert }) }, family: 4, cache });
      assert.equal(verified[0]!.source, 'doh');
      assert.equal(doh.fixture.seen.length, before + 2);
      const again = await resolve('www.hiper.test', { doh: { url, transport: httpsTransport({ ca: Buffer.from(doh.cert.cert) }) }, family: 4, cache });
      assert.equal(again[0]!.source, 'cache');
      assert.equal(doh.fixture.seen.length, before + 2);
      // Another egress, another method: misses.
      await resolve('www.hiper.test', { doh: { url, transport: httpsTransport({ ca: doh.cert.cert, interface: 'host!127.0.0.2' }) }, family: 4, cache });
      await resolve('www.hiper.test', { doh: { url, transport: httpsTransport({ ca: doh.cert.cert }), method: 'POST' }, family: 4, cache });
      assert.equal(doh.fixture.seen.length, before + 4);
    });

    it('a transport without an identity shares entries only with itself', async () => {
      const cache = new ResolveCache();
      const url = doh.fixture.url;
      const inner = httpsTransport({ ca: doh.cert.cert });
      const a: DohTransport = (req) => inner(req);
      const b: DohTransport = (req) => inner(req);
      const before = doh.fixture.seen.length;
      await resolve('www.hiper.test', { doh: { url, transport: a }, family: 4, cache });
      assert.equal((await resolve('www.hiper.test', { doh: { url, transport: a }, family: 4, cache }))[0]!.source, 'cache');
      assert.equal((await resolve('www.hiper.test', { doh: { url, transport: b }, family: 4, cache }))[0]!.source, 'doh');
      assert.equal(doh.fixture.seen.length, before + 2);
    });

    it('multiDohTransport: its egress and trust, and the Multi, are its identity', async () => {
      const m1 = new Multi();
      const m2 = new Multi();
      try {
        const id = (m: Multi, o: Parameters<typeof multiDohTransport>[1]): string => multiDohTransport(m, o).identity!;
        assert.equal(id(m1, { interface: 'if!lo', tls: { ca: doh.cert.cert } }), id(m1, { interface: 'if!lo', tls: { ca: doh.cert.cert } }));
        const variants = [
          id(m1, { interface: 'if!lo', tls: { ca: doh.cert.cert } }), id(m1, { tls: { ca: doh.cert.cert } }),
          id(m1, { interface: 'if!lo', tls: { ca: doh.cert.cert, rejectUnauthorized: false } }), id(m1, { interface: 'if!lo' }), id(m2, { interface: 'if!lo' }),
        ];
        assert.equal(new Set(variants).size, variants.length, variants.join('\n'));
        // It works as a transport, and reports its connection's egress.
        let seen: DohConnectionInfo | undefined;
        const inner = multiDohTransport(m1, { interface: 'if!lo', tls: { ca: doh.cert.cert } });
        await resolve('www.hiper.test', { doh: { url: doh.fixture.url, transport: async (r) => { const res = await inner(r); seen = res.connection; return res; } }, family: 4, cache: false });
        assert.equal(seen?.interface, 'lo');
        assert.equal(seen?.bindMethod, device ? 'device' : 'address');
      } finally {
        await m1.close();
        await m2.close();
      }
    });
  });
});
