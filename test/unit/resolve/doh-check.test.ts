import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { HiperError } from '../../../src/shared/index.js';
import { checkDohResponse, dohRequest, encodeQuery, MAX_CNAME_CHAIN, type DohAnswer, type DohResponse } from '../../../src/resolve/index.js';

const NAME = 'www.hiper.test';
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

interface Msg {
  id?: number;
  rcode?: keyof typeof RCODE;
  questions?: Array<{ name: string; type: string }>;
  answers?: Array<{ name: string; type: string; ttl?: number; data: string }>;
}

function wire(m: Msg = {}): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: m.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | RCODE[m.rcode ?? 'NOERROR'],
    questions: (m.questions ?? [{ name: NAME, type: 'A' }]).map((q) => ({ ...q, class: 'IN' })) as dnsPacket.Question[],
    answers: (m.answers ?? [{ name: NAME, type: 'A', ttl: 30, data: '198.51.100.10' }]).map((a) => ({ class: 'IN', ttl: 30, ...a })) as dnsPacket.Answer[],
  });
}

function http(body: Buffer, extra: Partial<DohResponse> = {}): DohResponse {
  return { status: 200, headers: { 'content-type': 'application/dns-message' }, body, ...extra };
}

function edit(buf: Buffer, f: (b: Buffer) => Buffer | void): Buffer {
  const copy = Buffer.from(buf);
  return f(copy) ?? copy;
}

const chain = (n: number, loopTo?: string): Msg['answers'] => {
  const out: NonNullable<Msg['answers']> = [];
  let name = NAME;
  for (let i = 1; i <= n; i++) {
    const next = i === n && loopTo ? loopTo : `c${i}.hiper.test`;
    out.push({ name, type: 'CNAME', ttl: 100 - i, data: next });
    name = next;
  }
  if (!loopTo) out.push({ name, type: 'A', ttl: 300, data: '198.51.100.11' });
  return out;
};

describe('resolve: DoH response checks', function () {
  const ok: Array<[string, DohResponse, 'A' | 'AAAA', DohAnswer[]]> = [
    ['an A answer', http(wire()), 'A', [{ address: '198.51.100.10', ttl: 30 }]],
    ['an AAAA answer', http(wire({ questions: [{ name: NAME, type: 'AAAA' }], answers: [{ name: NAME, type: 'AAAA', ttl: 20, data: '2001:db8::10' }] })), 'AAAA', [{ address: '2001:db8::10', ttl: 20 }]],
    ['NODATA (no record of the type)', http(wire({ answers: [] })), 'A', []],
    ['a CNAME chain, followed, with the smallest TTL', http(wire({ answers: chain(3) })), 'A', [{ address: '198.51.100.11', ttl: 97 }]],
    ['a CNAME chain at the limit', http(wire({ answers: chain(MAX_CNAME_CHAIN) })), 'A', [{ address: '198.51.100.11', ttl: 100 - MAX_CNAME_CHAIN }]],
    ['a CNAME to a name without addresses (NODATA)', http(wire({ answers: [{ name: NAME, type: 'CNAME', data: 'gone.hiper.test' }] })), 'A', []],
    ['records of other names are ignored', http(wire({ answers: [{ name: 'other.hiper.test', type: 'A', data: '203.0.113.9' }] })), 'A', []],
    ['the question name in another case, with a trailing dot', http(wire({ questions: [{ name: 'WWW.Hiper.Test.', type: 'A' }], answers: [{ name: 'WWW.HIPER.TEST', type: 'A', ttl: 5, data: '198.51.100.10' }] })), 'A', [{ address: '198.51.100.10', ttl: 5 }]],
    ['a content type with parameters and capitals', http(wire(), { headers: { 'content-type': 'Application/DNS-Message; charset=binary' } }), 'A', [{ address: '198.51.100.10', ttl: 30 }]],
    ['a content type given as a list', http(wire(), { headers: { 'content-type': ['application/dns-message'] } }), 'A', [{ address: '198.51.100.10', ttl: 30 }]],
    ['status 203', http(wire(), { status: 203 }), 'A', [{ address: '198.51.100.10', ttl: 30 }]],
  ];
  for (const [what, response, type, expected] of ok) {
    it(`accepts ${what}`, () => assert.deepEqual(checkDohResponse(response, { name: NAME, type }), expected));
  }

  const good = wire();
  const bad: Array<[string, DohResponse, string, string?]> = [
    ['HTTP 500', http(good, { status: 500 }), 'ERR_DOH_BAD_RESPONSE', 'status'],
    ['HTTP 404', http(good, { status: 404 }), 'ERR_DOH_BAD_RESPONSE', 'status'],
    ['HTTP 301', http(good, { status: 301 }), 'ERR_DOH_BAD_RESPONSE', 'status'],
    ['content type text/html', http(good, { headers: { 'content-type': 'text/html' } }), 'ERR_DOH_BAD_RESPONSE', 'content-type'],
    ['no content type', http(good, { headers: {} }), 'ERR_DOH_BAD_RESPONSE', 'content-type'],
    ['application/dns-json', http(good, { headers: { 'content-type': 'application/dns-json' } }), 'ERR_DOH_BAD_RESPONSE', 'content-type'],
    ['a body over the size limit', http(Buffer.concat([good, Buffer.alloc(70_000)])), 'ERR_DOH_BAD_RESPONSE', 'too-large'],
    ['an empty body', http(Buffer.alloc(0)), 'ERR_DOH_BAD_RESPONSE', 'short'],
    ['a body shorter than a header', http(good.subarray(0, 11)), 'ERR_DOH_BAD_RESPONSE', 'short'],
    ['a query echoed back (QR clear)', http(encodeQuery(NAME, 'A')), 'ERR_DOH_BAD_RESPONSE', 'not-a-response'],
    ['the TC bit set', http(edit(good, (b) => { b[2]! |= 0x02; })), 'ERR_DOH_BAD_RESPONSE', 'truncated'],
    ['a packet cut inside the answer', http(good.subarray(0, good.length - 3)), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['a packet cut inside the question', http(good.subarray(0, 20)), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['a header promising more answers', http(edit(good, (b) => { b.writeUInt16BE(3, 6); })), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['a bad label type (0x40)', http(edit(good, (b) => { b[12] = 0x43; })), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['a label running past the end', http(edit(good, (b) => { b[12] = 0x3f; })), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['a forward compression pointer', http(edit(good, (b) => { b[12] = 0xc0; b[13] = 0xff; })), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['trailing bytes', http(Buffer.concat([good, Buffer.from([0, 0, 0])])), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['an A record with 16 bytes of data', http(edit(good, (b) => { b.writeUInt16BE(16, b.length - 6); return Buffer.concat([b, Buffer.alloc(12)]); })), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['an A record with 2 bytes of data', http(edit(good, (b) => { b.writeUInt16BE(2, b.length - 6); return b.subarray(0, b.length - 2); })), 'ERR_DOH_BAD_RESPONSE', 'malformed'],
    ['ID 4660 instead of 0', http(wire({ id: 0x1234 })), 'ERR_DOH_BAD_RESPONSE', 'id'],
    ['an answer to another name', http(wire({ questions: [{ name: 'evil.hiper.test', type: 'A' }] })), 'ERR_DOH_BAD_RESPONSE', 'question'],
    ['an answer to another type', http(wire({ questions: [{ name: NAME, type: 'MX' }] })), 'ERR_DOH_BAD_RESPONSE', 'question'],
    ['two questions', http(wire({ questions: [{ name: NAME, type: 'A' }, { name: NAME, type: 'A' }] })), 'ERR_DOH_BAD_RESPONSE', 'question'],
    ['no question with NOERROR', http(wire({ questions: [] })), 'ERR_DOH_BAD_RESPONSE', 'question'],
    ['a CNAME loop', http(wire({ answers: chain(3, NAME) })), 'ERR_DOH_BAD_RESPONSE', 'cname-loop'],
    ['a CNAME to itself', http(wire({ answers: [{ name: NAME, type: 'CNAME', data: `${NAME}.` }] })), 'ERR_DOH_BAD_RESPONSE', 'cname-loop'],
    ['a CNAME chain over the limit', http(wire({ answers: chain(MAX_CNAME_CHAIN + 1) })), 'ERR_DOH_BAD_RESPONSE', 'cname-chain'],
    ['NXDOMAIN', http(wire({ rcode: 'NXDOMAIN', answers: [] })), 'ERR_DNS_NOT_FOUND'],
    ['SERVFAIL', http(wire({ rcode: 'SERVFAIL', answers: [] })), 'ERR_DNS_SERVFAIL'],
    ['SERVFAIL without a question', http(wire({ rcode: 'SERVFAIL', questions: [], answers: [] })), 'ERR_DNS_SERVFAIL'],
    ['REFUSED', http(wire({ rcode: 'REFUSED', answers: [] })), 'ERR_DNS_REFUSED'],
    ['NOTIMP', http(wire({ rcode: 'NOTIMP', answers: [] })), 'ERR_DNS_FAILED'],
  ];
  for (const [what, response, code, reason] of bad) {
    it(`${what} -> ${code}${reason ? ` (${reason})` : ''}`, () => {
      assert.throws(() => checkDohResponse(response, { name: NAME, type: 'A', url: 'https://doh.hiper.test/dns-query' }), (e: unknown) => {
        assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
        assert.equal(e.code, code, e.message);
        if (reason) assert.equal(e.details.reason, reason, e.message);
        assert.match(e.message, /www\.hiper\.test/);
        return true;
      });
    });
  }

  it('random and mutated bodies only ever give HiperErrors or answers (seeded)', () => {
    const base = wire({ answers: chain(2) });
    fc.assert(fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
          const b = Buffer.from(base);
          for (const [i, v] of edits) b[i] = v;
          return new Uint8Array(b);
        }),
      ),
      (bytes) => {
        try {
          const out = checkDohResponse(http(Buffer.from(bytes)), { name: NAME, type: 'A' });
          assert.ok(Array.isArray(out));
        } catch (e) {
          assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
        }
      },
    ), { seed: 8484, numRuns: 2000 });
  });
});

describe('resolve: DoH requests', function () {
  it('GET carries the query as base64url without padding, ID 0, RD set', () => {
    const q = encodeQuery(NAME, 'AAAA');
    assert.equal(q.readUInt16BE(0), 0);
    assert.equal(q[2]! & 0x01, 0x01);
    const r = dohRequest(new URL('https://doh.hiper.test/dns-query?ct=x'), 'GET', q);
    const dns = r.url.searchParams.get('dns')!;
    assert.doesNotMatch(dns, /[=+/]/);
    assert.deepEqual(Buffer.from(dns, 'base64url'), q);
    assert.equal(r.url.searchParams.get('ct'), 'x');
    assert.equal(r.headers.accept, 'application/dns-message');
    assert.equal(r.body, undefined);
    const decoded = dnsPacket.decode(q);
    assert.deepEqual(decoded.questions, [{ name: NAME, type: 'AAAA', class: 'IN' }]);
  });

  it('POST sends the message as application/dns-message', () => {
    const q = encodeQuery(NAME, 'A');
    const r = dohRequest(new URL('https://doh.hiper.test/dns-query'), 'POST', q);
    assert.equal(r.url.search, '');
    assert.equal(r.headers['content-type'], 'application/dns-message');
    assert.deepEqual(r.body, q);
  });
});
