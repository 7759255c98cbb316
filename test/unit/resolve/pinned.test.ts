import assert from 'node:assert/strict';
import { HiperError } from '../../../src/shared/index.js';
import { applyConnectTo, findPinned, parseConnectToEntry, parseResolveEntry, resolve } from '../../../src/resolve/index.js';
import { fakeTable } from '../../helpers/fake-table.js';

const isCode = (code: string, mention?: string) => (e: unknown): boolean => {
  assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (mention !== undefined) assert.ok(e.message.includes(mention), `"${e.message}" does not mention "${mention}"`);
  return true;
};

describe('resolve: --resolve entries', function () {
  const good: Array<[string, Record<string, unknown>]> = [
    ['example.test:443:198.51.100.7', { host: 'example.test', port: 443, addresses: [{ address: '198.51.100.7', family: 4 }], remove: false, transient: false }],
    ['Example.TEST:80:198.51.100.7,198.51.100.8', { host: 'example.test', port: 80, addresses: [{ address: '198.51.100.7', family: 4 }, { address: '198.51.100.8', family: 4 }] }],
    ['example.test:443:[2001:db8::1],198.51.100.7', { addresses: [{ address: '2001:db8::1', family: 6 }, { address: '198.51.100.7', family: 4 }] }],
    ['example.test:443:2001:db8:0::1', { addresses: [{ address: '2001:db8::1', family: 6 }] }],
    ['[2001:db8::5]:443:198.51.100.7', { host: '2001:db8::5', port: 443 }],
    ['+example.test:443:198.51.100.7', { transient: true, remove: false }],
    ['-example.test:443', { host: 'example.test', port: 443, addresses: [], remove: true }],
    ['*:443:198.51.100.9', { host: '*', port: 443 }],
    ['example.test:443:[fe80::1%h1]', { addresses: [{ address: 'fe80::1', family: 6, scopeId: 2 }] }],
  ];
  for (const [entry, expected] of good) {
    it(`parses ${entry}`, () => {
      const parsed = parseResolveEntry(entry, fakeTable()) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(parsed[k], v, k);
    });
  }

  const bad: Array<[string, string]> = [
    ['', 'the host is empty'],
    ['example.test', 'expected HOST:PORT:ADDRESS'],
    ['example.test:443', 'expected HOST:PORT:ADDRESS'],
    ['example.test:443:', 'no address'],
    [':443:198.51.100.7', 'the host is empty'],
    ['example.test::198.51.100.7', 'port ""'],
    ['example.test:http:198.51.100.7', 'port "http"'],
    ['example.test:70000:198.51.100.7', 'port "70000"'],
    ['example.test:0:198.51.100.7', 'port "0"'],
    ['example.test:443:198.51.100.7,', 'an address is empty'],
    ['example.test:443:host.test', '"host.test" is not an IP address'],
    ['example.test:443:198.51.100.300', 'is not an IP address'],
    ['[2001:db8::5:443:198.51.100.7', 'not closed'],
    ['[nothost]:443:198.51.100.7', 'is not an IPv6 address'],
    ['-example.test:443:198.51.100.7', 'no addresses'],
    ['exa mple.test:443:198.51.100.7', 'white space'],
    ['example.test:443:[2001:db8::1%h1]', 'not a link-local address'],
  ];
  for (const [entry, mention] of bad) {
    it(`refuses ${JSON.stringify(entry)}`, () => {
      assert.throws(() => parseResolveEntry(entry, fakeTable()), isCode('ERR_INVALID_RESOLVE_ENTRY', mention));
      assert.throws(() => parseResolveEntry(entry, fakeTable()), (e: unknown) => (e as HiperError).input === entry && (e as HiperError).message.includes(JSON.stringify(entry)));
    });
  }

  it('an unknown zone names the entry', () => {
    assert.throws(() => parseResolveEntry('example.test:443:fe80::1%nope0', fakeTable()), isCode('ERR_UNKNOWN_ZONE', 'example.test:443:fe80::1%nope0'));
  });

  it('the last entry for host:port wins, a removal forgets it, a specific host beats "*"', () => {
    const list = ['a.test:443:198.51.100.1', '*:443:198.51.100.9', 'a.test:443:198.51.100.2', 'b.test:443:198.51.100.3', '-b.test:443'];
    assert.deepEqual(findPinned(list, 'A.test', 443)?.addresses.map((a) => a.address), ['198.51.100.2']);
    assert.deepEqual(findPinned(list, 'b.test', 443)?.addresses.map((a) => a.address), ['198.51.100.9']);
    assert.deepEqual(findPinned(list, 'c.test', 443)?.addresses.map((a) => a.address), ['198.51.100.9']);
    assert.equal(findPinned(list, 'a.test', 80), undefined);
    assert.deepEqual(findPinned(list, 'a.test', undefined)?.addresses.map((a) => a.address), ['198.51.100.2'], 'no port: any port matches');
  });

  it('resolve answers pinned hosts in the order written, filtered by family, with source "pinned"', async () => {
    const pinned = ['svc.test:443:198.51.100.7,[2001:db8::7],198.51.100.8'];
    assert.deepEqual(await resolve('svc.test', { pinned, port: 443, cache: false }), [
      { address: '198.51.100.7', family: 4, source: 'pinned' },
      { address: '2001:db8::7', family: 6, source: 'pinned' },
      { address: '198.51.100.8', family: 4, source: 'pinned' },
    ]);
    assert.deepEqual((await resolve('svc.test', { pinned, port: 443, family: 6 })).map((r) => r.address), ['2001:db8::7']);
    await assert.rejects(resolve('svc.test', { pinned: ['svc.test:443:198.51.100.7'], port: 443, family: 6 }), isCode('ERR_DNS_NOT_FOUND', 'svc.test has no IPv6 address'));
  });

  it('a pinned entry overrides an address literal host, as in curl', async () => {
    assert.deepEqual(await resolve('198.51.100.1', { pinned: ['198.51.100.1:443:203.0.113.5'], port: 443 }), [{ address: '203.0.113.5', family: 4, source: 'pinned' }]);
    assert.deepEqual(await resolve('[2001:db8::1]', { pinned: ['[2001:db8:0::1]:443:203.0.113.5'], port: 443 }), [{ address: '203.0.113.5', family: 4, source: 'pinned' }]);
  });

  it('a bad entry fails the lookup naming the entry', async () => {
    await assert.rejects(resolve('svc.test', { pinned: ['svc.test:443'], port: 443 }), isCode('ERR_INVALID_RESOLVE_ENTRY', 'svc.test:443'));
  });
});

describe('resolve: --connect-to entries', function () {
  const good: Array<[string, Record<string, unknown>]> = [
    ['a.test:443:b.test:8443', { host: 'a.test', port: 443, connectHost: 'b.test', connectPort: 8443 }],
    ['::b.test:', { connectHost: 'b.test' }],
    ['::b.test', { connectHost: 'b.test' }],
    [':443::8443', { port: 443, connectPort: 8443 }],
    ['A.TEST:::', { host: 'a.test' }],
    ['[2001:db8::1]:443:[2001:db8::2]:8443', { host: '2001:db8::1', port: 443, connectHost: '2001:db8::2', connectPort: 8443 }],
    ['a.test:443:198.51.100.7:80', { host: 'a.test', port: 443, connectHost: '198.51.100.7', connectPort: 80 }],
  ];
  for (const [entry, expected] of good) {
    it(`parses ${entry}`, () => assert.deepEqual(parseConnectToEntry(entry), expected));
  }

  const bad: Array<[string, string]> = [
    ['a.test', 'expected HOST:PORT:CONNECT_HOST:CONNECT_PORT'],
    ['a.test:443', 'expected HOST:PORT:CONNECT_HOST:CONNECT_PORT'],
    ['a.test:x:b.test:1', 'the port "x"'],
    ['a.test:443:b.test:99999', 'the connect port "99999"'],
    ['a.test:443:2001:db8::2:80', 'too many ":"'],
    ['[2001:db8::1:443:b.test:1', 'not closed'],
    ['[zz]:443:b.test:1', 'is not an IPv6 address'],
    ['a.test:443:b.test]:1', 'stray bracket'],
  ];
  for (const [entry, mention] of bad) {
    it(`refuses ${JSON.stringify(entry)}`, () => assert.throws(() => parseConnectToEntry(entry), isCode('ERR_INVALID_RESOLVE_ENTRY', mention)));
  }

  it('the first matching entry applies; empty parts mean any / unchanged', () => {
    const list = ['other.test:443:x.test:1', 'a.test:80:b.test:', 'a.test::c.test:9443', '::d.test:'];
    assert.deepEqual(applyConnectTo(list, 'a.test', 80), { host: 'b.test', port: 80 });
    assert.deepEqual(applyConnectTo(list, 'A.Test', 443), { host: 'c.test', port: 9443 });
    assert.deepEqual(applyConnectTo(list, 'z.test', 8080), { host: 'd.test', port: 8080 });
    assert.deepEqual(applyConnectTo(['[2001:db8::1]:443:[2001:db8::2]:'], '[2001:db8:0::1]', 443), { host: '2001:db8::2', port: 443 });
    assert.deepEqual(applyConnectTo([], 'a.test', 1), { host: 'a.test', port: 1 });
    assert.throws(() => applyConnectTo(['bad'], 'a.test', 1), isCode('ERR_INVALID_RESOLVE_ENTRY', '"bad"'));
  });
});
