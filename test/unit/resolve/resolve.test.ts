import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { LookupAddress } from 'node:dns';
import dnsPacket from 'dns-packet';
import { HiperError } from '../../../src/shared/index.js';
import { interfaceTable } from '../../../src/bind/index.js';
import { parseDnsServer, parseDnsServerList, planDnsServers, resolve, systemLookup, type LookupFunction } from '../../../src/resolve/index.js';
import { fakeTable } from '../../helpers/fake-table.js';

const isCode = (code: string, mention?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (mention) assert.match(e.message, mention);
  return true;
};

describe('resolve: literals, names and options', function () {
  const literals: Array<[string, Record<string, unknown>]> = [
    ['198.51.100.7', { address: '198.51.100.7', family: 4, source: 'literal' }],
    ['2001:DB8:0::7', { address: '2001:db8::7', family: 6, source: 'literal' }],
    ['[2001:db8::7]', { address: '2001:db8::7', family: 6, source: 'literal' }],
    ['fe80::1%h1', { address: 'fe80::1', family: 6, scopeId: 2, source: 'literal' }],
    ['[fe80::1%25h2]', { address: 'fe80::1', family: 6, scopeId: 3, source: 'literal' }],
    ['fe80::1%3', { address: 'fe80::1', family: 6, scopeId: 3, source: 'literal' }],
  ];
  for (const [host, record] of literals) {
    it(`${host} answers at once`, async () => {
      assert.deepEqual(await resolve(host, { table: fakeTable(), lookup: () => assert.fail('no lookup for a literal') }), [record]);
    });
  }

  it('a literal of the other family is ERR_DNS_NOT_FOUND naming host and family', async () => {
    await assert.rejects(resolve('198.51.100.7', { family: 6 }), isCode('ERR_DNS_NOT_FOUND', /198\.51\.100\.7 is an IPv4 address, but IPv6 was asked for/));
    await assert.rejects(resolve('2001:db8::7', { family: 4 }), isCode('ERR_DNS_NOT_FOUND', /IPv4 was asked for/));
  });

  it('zone ids are checked', async () => {
    await assert.rejects(resolve('fe80::1%nope0', { table: fakeTable() }), isCode('ERR_UNKNOWN_ZONE', /nope0/));
    await assert.rejects(resolve('2001:db8::1%h1', { table: fakeTable() }), isCode('ERR_INVALID_ADDRESS', /not a link-local/));
  });

  const badHosts: Array<[unknown, RegExp]> = [
    ['', /non-empty string/],
    [42, /non-empty string/],
    ['exa mple.test', /" " is not allowed/],
    ['www.hiper.test:443', /":" is not allowed \(give the port separately/],
    ['http://www.hiper.test/', /":" is not allowed/],
    ['a..hiper.test', /empty label/],
    ['.', /it is empty/],
    [`${'a'.repeat(64)}.test`, /longer than 63/],
    [`${'abcdefghi.'.repeat(26)}test`, /longer than 253/],
    ['[www.hiper.test]', /"\[" is not allowed/],
  ];
  for (const [host, message] of badHosts) {
    it(`refuses host ${JSON.stringify(host)}`, async () => {
      await assert.rejects(resolve(host as string, { cache: false, lookup: () => assert.fail('no lookup') }), isCode('ERR_INVALID_ARGUMENT', message));
    });
  }

  it('international names are looked up in their ASCII form', async () => {
    const asked: string[] = [];
    await resolve('Bücher.hiper.test', { cache: false, lookup: async ({ name }) => { asked.push(name); return [{ address: '198.51.100.1', family: 4, source: 'dns' }]; } });
    assert.deepEqual(asked, ['xn--bcher-kva.hiper.test']);
  });

  const badOptions: Array<[string, Record<string, unknown>, RegExp]> = [
    ['family', { family: 5 }, /family must be/],
    ['firstFamilyCount', { firstFamilyCount: 0 }, /firstFamilyCount/],
    ['timeout', { timeout: -1 }, /timeout/],
    ['cache', { cache: {} }, /cache must be a ResolveCache or false/],
    ['lookup', { lookup: 'x' }, /lookup must be a function/],
  ];
  for (const [what, options, message] of badOptions) {
    it(`refuses a bad ${what}`, async () => {
      await assert.rejects(resolve('www.hiper.test', { cache: false, ...options } as never), isCode('ERR_INVALID_ARGUMENT', message));
    });
  }

  it('an aborted signal stops the lookup at once', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(resolve('www.hiper.test', { signal: ac.signal }), isCode('ERR_ABORTED'));
  });

  it('the system resolver answers localhost', async () => {
    const records = await resolve('localhost', { cache: false });
    assert.ok(records.length > 0);
    for (const r of records) {
      assert.equal(r.source, 'system');
      assert.ok(r.address === '127.0.0.1' || r.address === '::1', r.address);
    }
  });

  describe('system resolver errors (injected getaddrinfo)', function () {
    const fail = (code: string): LookupFunction => async () => { throw Object.assign(new Error(`getaddrinfo ${code}`), { code }); };
    const table: Array<[string, string, RegExp]> = [
      ['ENOTFOUND', 'ERR_DNS_NOT_FOUND', /nx\.hiper\.test has no IPv6 address/],
      ['ENODATA', 'ERR_DNS_NOT_FOUND', /nx\.hiper\.test has no IPv6 address/],
      ['EAI_AGAIN', 'ERR_DNS_FAILED', /EAI_AGAIN/],
      ['ESERVFAIL', 'ERR_DNS_SERVFAIL', /SERVFAIL/],
    ];
    for (const [errno, code, message] of table) {
      it(`${errno} -> ${code}`, async () => {
        await assert.rejects(resolve('nx.hiper.test', { family: 6, cache: false, lookup: systemLookup({ lookup: fail(errno) }) }), isCode(code, message));
      });
    }

    it('passes the family to getaddrinfo and keeps only that family', async () => {
      const calls: unknown[] = [];
      const fake: LookupFunction = async (host, o) => {
        calls.push([host, o.family]);
        return [{ address: '198.51.100.1', family: 4 }, { address: '2001:db8::1', family: 6 }] as LookupAddress[];
      };
      const records = await resolve('dual.hiper.test', { family: 4, cache: false, lookup: systemLookup({ lookup: fake }) });
      assert.deepEqual(records, [{ address: '198.51.100.1', family: 4, source: 'system' }]);
      assert.deepEqual(calls, [['dual.hiper.test', 4]]);
    });
  });
});

/** A DNS server on loopback UDP that answers a fixed zone and records who asked. */
async function miniDns(host: string): Promise<{ port: number; seen: Array<{ from: string; name: string; type: string }>; close: () => Promise<void> }> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const seen: Array<{ from: string; name: string; type: string }> = [];
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    seen.push({ from: rinfo.address, name: question.name, type: question.type });
    const rcodes: Record<string, number> = { 'sf.hiper.test': 2, 'nx.hiper.test': 3, 'ref.hiper.test': 5 };
    const answers: dnsPacket.Answer[] = [];
    let name = question.name;
    if (name === 'alias.hiper.test') {
      answers.push({ name, type: 'CNAME', class: 'IN', ttl: 50, data: 'www.hiper.test' });
      name = 'www.hiper.test';
    }
    if (name === 'www.hiper.test') {
      if (question.type === 'A') answers.push({ name, type: 'A', class: 'IN', ttl: 42, data: '198.51.100.10' });
      if (question.type === 'AAAA') answers.push({ name, type: 'AAAA', class: 'IN', ttl: 42, data: '2001:db8::10' });
    }
    if (name === 'v4only.hiper.test' && question.type === 'A') answers.push({ name, type: 'A', class: 'IN', ttl: 42, data: '198.51.100.11' });
    const reply = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (rcodes[question.name] ?? 0), questions: q.questions!, answers });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  socket.bind(0, host);
  await once(socket, 'listening');
  return { port: socket.address().port, seen, close: () => new Promise((r) => socket.close(() => r())) };
}

describe('resolve: explicit DNS servers (c-ares) on loopback', function () {
  let dns: Awaited<ReturnType<typeof miniDns>>;
  let server: string;
  before(async () => {
    dns = await miniDns('127.0.0.1');
    server = `127.0.0.1:${dns.port}`;
  });
  after(async () => dns?.close());

  it('answers A and AAAA with their TTL, source "dns"', async () => {
    const records = await resolve('www.hiper.test', { dnsServers: [server], cache: false });
    assert.deepEqual(new Set(records.map((r) => `${r.address} ${r.ttl} ${r.source}`)), new Set(['198.51.100.10 42 dns', '2001:db8::10 42 dns']));
  });

  it('follows CNAMEs', async () => {
    assert.deepEqual(await resolve('alias.hiper.test', { dnsServers: [server], family: 4, cache: false }), [{ address: '198.51.100.10', family: 4, ttl: 42, source: 'dns' }]);
  });

  const failures: Array<[string, string, RegExp]> = [
    ['nx.hiper.test', 'ERR_DNS_NOT_FOUND', /nx\.hiper\.test does not exist \(NXDOMAIN\)/],
    ['sf.hiper.test', 'ERR_DNS_SERVFAIL', /SERVFAIL/],
    ['ref.hiper.test', 'ERR_DNS_REFUSED', /REFUSED/],
  ];
  for (const [name, code, message] of failures) {
    it(`${name} -> ${code}`, async () => {
      await assert.rejects(resolve(name, { dnsServers: [server], family: 4, cache: false }), isCode(code, message));
    });
  }

  it('a name with no address of the family names host and family', async () => {
    await assert.rejects(resolve('v4only.hiper.test', { dnsServers: [server], family: 6, cache: false }), isCode('ERR_DNS_NOT_FOUND', /v4only\.hiper\.test has no IPv6 address/));
    assert.deepEqual((await resolve('v4only.hiper.test', { dnsServers: [server], cache: false })).map((r) => r.address), ['198.51.100.11']);
  });

  it('queries leave from dnsLocalAddress4', async () => {
    dns.seen.length = 0;
    await resolve('www.hiper.test', { dnsServers: [server], dnsLocalAddress4: '127.0.0.2', family: 4, cache: false });
    assert.deepEqual(dns.seen.map((s) => s.from), ['127.0.0.2']);
  });

  it('queries leave from dnsInterface\'s address', async () => {
    dns.seen.length = 0;
    await resolve('www.hiper.test', { dnsServers: [server], dnsInterface: 'lo', family: 4, cache: false });
    assert.deepEqual(dns.seen.map((s) => s.from), ['127.0.0.1']);
  });

  it('a dead server is ERR_DNS_FAILED or ERR_TIMEOUT, never a hang', async () => {
    const dead = await miniDns('127.0.0.1');
    await dead.close();
    await assert.rejects(resolve('www.hiper.test', { dnsServers: [`127.0.0.1:${dead.port}`], family: 4, cache: false, timeout: 3_000 }), (e: unknown) =>
      e instanceof HiperError && (e.code === 'ERR_DNS_FAILED' || e.code === 'ERR_TIMEOUT'));
  });

  it('egress options are checked', async () => {
    await assert.rejects(resolve('www.hiper.test', { dnsServers: [server], dnsInterface: 'no-such-if0', cache: false }), isCode('ERR_INTERFACE_NOT_FOUND', /no-such-if0/));
    await assert.rejects(resolve('www.hiper.test', { dnsServers: [server], dnsLocalAddress4: '::1', cache: false }), isCode('ERR_INVALID_ARGUMENT', /dnsLocalAddress4 must be an IPv4 address/));
    await assert.rejects(resolve('www.hiper.test', { dnsServers: [server], dnsLocalAddress4: '203.0.113.99', cache: false }), isCode('ERR_INVALID_ARGUMENT', /203\.0\.113\.99 is not an address of this host/));
    await assert.rejects(resolve('www.hiper.test', { dnsServers: ['dns.hiper.test'], cache: false }), isCode('ERR_INVALID_ARGUMENT', /invalid DNS server "dns\.hiper\.test"/));
  });
});

describe('resolve: DNS server lists', function () {
  const good: Array<[string, Record<string, unknown>]> = [
    ['198.51.100.1', { address: '198.51.100.1', port: 53, family: 4, text: '198.51.100.1' }],
    ['198.51.100.1:5353', { address: '198.51.100.1', port: 5353, text: '198.51.100.1:5353' }],
    ['2001:db8::1', { address: '2001:db8::1', port: 53, family: 6, text: '[2001:db8::1]:53' }],
    ['[2001:db8::1]:5353', { address: '2001:db8::1', port: 5353, text: '[2001:db8::1]:5353' }],
    ['[2001:db8::1]', { port: 53 }],
  ];
  for (const [text, expected] of good) {
    it(`parses ${text}`, () => {
      const s = parseDnsServer(text) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.equal(s[k], v, k);
    });
  }
  const bad: Array<[string, RegExp]> = [
    ['', /empty/], ['dns.hiper.test', /not an IP address/], ['198.51.100.1:0', /port "0"/], ['[2001:db8::1]:x', /port "x"/],
    ['fe80::1%h1', /link-local/], ['198.51.100.1:53:53', /not an IP address/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseDnsServer(text), isCode('ERR_INVALID_ARGUMENT', message)));
  }

  it('a comma-separated list, as curl --dns-servers', () => {
    assert.deepEqual(parseDnsServerList('198.51.100.1, [2001:db8::1]:53'), ['198.51.100.1', '[2001:db8::1]:53']);
    assert.throws(() => parseDnsServerList('198.51.100.1,,'), isCode('ERR_INVALID_ARGUMENT'));
  });

  it('an interface picks one local address per family and skips servers it cannot reach', () => {
    const table = fakeTable();
    const plan = planDnsServers({ servers: ['203.0.113.1', '[2001:db8:1::1]:53'], interface: 'h2', table });
    assert.equal(plan.localAddress4, '203.0.113.2');
    assert.equal(plan.localAddress6, undefined);
    assert.deepEqual(plan.servers.map((s) => s.address), ['203.0.113.1']);
    assert.deepEqual(plan.skipped, [{ server: '[2001:db8:1::1]:53', reason: 'h2 has no IPv6 address usable for 2001:db8:1::1 (only link-local)' }]);
    const h1 = planDnsServers({ servers: ['198.51.100.1', '2001:db8:1::1'], interface: 'h1', table });
    assert.deepEqual([h1.localAddress4, h1.localAddress6], ['198.51.100.2', '2001:db8:1::2']);
    assert.throws(() => planDnsServers({ servers: ['2001:db8:1::1'], interface: 'h2', table }), isCode('ERR_INTERFACE_NO_ADDRESS', /h2 can reach none of the DNS servers/));
    assert.throws(() => planDnsServers({ servers: ['198.51.100.1'], interface: 'down0', table }), isCode('ERR_INTERFACE_NO_ADDRESS', /down0 has no IPv4 address/));
  });

  it('without servers, the system\'s are used', () => {
    const plan = planDnsServers({ interface: 'lo', table: interfaceTable() }, () => ['127.0.0.53']);
    assert.deepEqual(plan.servers.map((s) => s.address), ['127.0.0.53']);
    assert.equal(plan.localAddress4, '127.0.0.1');
  });
});
