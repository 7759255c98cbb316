import assert from 'node:assert/strict';
import { HiperError } from '../../../src/shared/index.js';
import { httpsTransport } from '../../../src/connect/index.js';
import { resolve, ResolveCache, type DohTransport } from '../../../src/resolve/index.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { DohFixture } from './doh-fixture.js';

const isCode = (code: string, mention?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (mention) assert.match(e.message, mention);
  return true;
};

describe('resolve: DNS-over-HTTPS against a loopback server', function () {
  let cert: TestCert;
  let fixture: DohFixture;
  let transport: DohTransport;
  const doh = (extra: Record<string, unknown> = {}) => ({ doh: { url: fixture.url, transport, ...extra }, cache: false as const });

  before(async () => {
    cert = makeCert(['localhost', '127.0.0.1']);
    fixture = await DohFixture.start(cert);
    transport = httpsTransport({ ca: cert.cert });
  });
  after(async () => {
    await fixture?.close();
    cert?.cleanup();
  });

  it('asks A and AAAA by GET (base64url, no padding, ID 0) and orders the answer', async () => {
    fixture.seen.length = 0;
    const records = await resolve('www.hiper.test', { ...doh(), table: undefined });
    assert.deepEqual(new Set(records.map((r) => `${r.address} ${r.family} ${r.ttl} ${r.source}`)), new Set(['198.51.100.10 4 30 doh', '2001:db8::10 6 30 doh']));
    assert.deepEqual(fixture.seen.map((s) => s.query.questions![0]!.type).sort(), ['A', 'AAAA']);
    for (const s of fixture.seen) {
      assert.equal(s.method, 'GET');
      assert.match(s.url, /^\/dns-query\?dns=[A-Za-z0-9_-]+$/);
      assert.equal(s.query.id, 0);
    }
  });

  it('POST sends application/dns-message', async () => {
    fixture.seen.length = 0;
    const records = await resolve('www.hiper.test', { ...doh({ method: 'POST' }), family: 4 });
    assert.deepEqual(records, [{ address: '198.51.100.10', family: 4, ttl: 30, source: 'doh' }]);
    assert.deepEqual(fixture.seen.map((s) => [s.method, s.url, s.contentType]), [['POST', '/dns-query', 'application/dns-message']]);
  });

  it('follows a CNAME inside the answer', async () => {
    const records = await resolve('alias.hiper.test', { ...doh(), family: 6 });
    assert.deepEqual(records, [{ address: '2001:db8::10', family: 6, ttl: 30, source: 'doh' }]);
  });

  it('NXDOMAIN is ERR_DNS_NOT_FOUND; no address of the family names host and family', async () => {
    await assert.rejects(resolve('nx.hiper.test', doh()), isCode('ERR_DNS_NOT_FOUND', /nx\.hiper\.test does not exist/));
    await assert.rejects(resolve('v4only.hiper.test', { ...doh(), family: 6 }), isCode('ERR_DNS_NOT_FOUND', /v4only\.hiper\.test has no IPv6 address/));
  });

  const broken: Array<[string, string, RegExp]> = [
    ['html.hiper.test', 'ERR_DOH_BAD_RESPONSE', /content type "text\/html"/],
    ['status.hiper.test', 'ERR_DOH_BAD_RESPONSE', /HTTP status 502/],
    ['big.hiper.test', 'ERR_DOH_BAD_RESPONSE', /larger than 65536 bytes/],
    ['chunked-big.hiper.test', 'ERR_DOH_BAD_RESPONSE', /larger than 65536 bytes/],
    ['truncated.hiper.test', 'ERR_DOH_BAD_RESPONSE', /TC bit/],
    ['cut.hiper.test', 'ERR_DNS_FAILED', /DoH request to .* failed/],
  ];
  for (const [name, code, message] of broken) {
    it(`${name} over the wire -> ${code}`, async () => {
      const before = fixture.closedConnections;
      await assert.rejects(resolve(name, { ...doh(), family: 4, timeout: 5_000 }), isCode(code, message));
      // The connection does not linger.
      for (let i = 0; i < 100 && fixture.closedConnections === before; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(fixture.closedConnections > before);
    });
  }

  it('a server that never answers: ERR_TIMEOUT, and the request is abandoned', async () => {
    const before = fixture.closedConnections;
    await assert.rejects(resolve('hang.hiper.test', { ...doh(), family: 4, timeout: 200 }), isCode('ERR_TIMEOUT', /hang\.hiper\.test.*200 ms/));
    for (let i = 0; i < 100 && fixture.closedConnections === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(fixture.closedConnections > before, 'the abandoned DoH connection was closed');
  });

  it('a certificate from another CA is ERR_TLS', async () => {
    const other = makeCert(['127.0.0.1']);
    try {
      await assert.rejects(resolve('www.hiper.test', { doh: { url: fixture.url, transport: httpsTransport({ ca: other.cert }) }, cache: false }), isCode('ERR_TLS', /TLS handshake/));
    } finally {
      other.cleanup();
    }
  });

  it('nothing listening is ERR_DNS_FAILED naming the URL', async () => {
    const url = fixture.url.replace(/:\d+\//, ':1/');
    await assert.rejects(resolve('www.hiper.test', { doh: { url, transport }, cache: false }), isCode('ERR_DNS_FAILED', /127\.0\.0\.1:1\/dns-query failed.*ECONNREFUSED/));
  });

  it('answers are cached under the DoH URL', async () => {
    const cache = new ResolveCache();
    fixture.seen.length = 0;
    await resolve('www.hiper.test', { doh: { url: fixture.url, transport }, cache });
    const again = await resolve('www.hiper.test', { doh: { url: fixture.url, transport }, cache });
    assert.ok(again.every((r) => r.source === 'cache'));
    assert.equal(fixture.seen.length, 2, 'one A and one AAAA query in all');
  });

  it('bad DoH options are refused', async () => {
    await assert.rejects(resolve('www.hiper.test', { doh: { url: 'http://127.0.0.1/dns-query', transport }, cache: false }), isCode('ERR_INVALID_URL', /must be https/));
    await assert.rejects(resolve('www.hiper.test', { doh: { url: 'not a url', transport }, cache: false }), isCode('ERR_INVALID_URL'));
    await assert.rejects(resolve('www.hiper.test', { doh: { url: fixture.url, transport }, dnsServers: ['127.0.0.1'], cache: false }), isCode('ERR_INVALID_ARGUMENT', /cannot be combined/));
    await assert.rejects(resolve('www.hiper.test', { doh: { url: fixture.url, transport: 5 as unknown as DohTransport }, cache: false }), isCode('ERR_INVALID_ARGUMENT', /transport/));
    await assert.rejects(resolve('www.hiper.test', { doh: { url: fixture.url, transport, method: 'PUT' as 'GET' }, cache: false }), isCode('ERR_INVALID_ARGUMENT', /GET or POST/));
    await assert.rejects(resolve('www.hiper.test', { doh: { url: fixture.url, transport, maxResponseBytes: 4 }, cache: false }), isCode('ERR_INVALID_ARGUMENT', /maxResponseBytes/));
    assert.throws(() => httpsTransport({ maxBodyBytes: 0 }), isCode('ERR_INVALID_ARGUMENT', /maxBodyBytes/));
  });

  it('the size limit is configurable', async () => {
    await assert.rejects(resolve('www.hiper.test', { doh: { url: fixture.url, transport, maxResponseBytes: 40 }, family: 4, cache: false }), isCode('ERR_DOH_BAD_RESPONSE', /more than the limit of 40/));
    const small = httpsTransport({ ca: cert.cert, maxBodyBytes: 40 });
    await assert.rejects(resolve('www.hiper.test', { doh: { url: fixture.url, transport: small }, family: 4, cache: false }), isCode('ERR_DOH_BAD_RESPONSE', /larger than 40 bytes/));
  });

  it('an aborted lookup abandons its DoH request', async () => {
    const ac = new AbortController();
    const before = fixture.closedConnections;
    fixture.seen.length = 0;
    const p = resolve('hang.hiper.test', { ...doh(), family: 4, signal: ac.signal });
    // Abort once the server holds the request.
    for (let i = 0; i < 100 && fixture.seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fixture.seen[0]?.query.questions?.[0]?.name, 'hang.hiper.test');
    ac.abort();
    await assert.rejects(p, isCode('ERR_ABORTED', /hang\.hiper\.test/));
    for (let i = 0; i < 100 && fixture.closedConnections === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(fixture.closedConnections > before);
  });
});
