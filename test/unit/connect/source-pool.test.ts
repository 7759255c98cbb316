/**
 * Source address pools: parsing (lists, { v4, v6 }, prefixes with freebind), each policy as vectors
 * (round-robin turns, a seeded random source, hash by destination host), the bad inputs and their codes,
 * and the pool on real loopback sockets: 16 parallel transfers of a Multi and of `hiper get -Z` spread
 * over a four-address pool, and the source each transfer reports is the one the server saw.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { SourcePool, type RandomSource } from '../../../src/connect/source-pool.js';
import { sourcePoolFor, MAX_KEPT_POOLS } from '../../../src/connect/source-pools.js';
import { planEgress, type Egress } from '../../../src/connect/egress.js';
import { connect, planAttempts, type EgressOptions } from '../../../src/connect/index.js';
import { checkEgressOptions } from '../../../src/adapters/options.js';
import { hiperConnector } from '../../../src/adapters/index.js';
import { Agent, request } from 'undici';
import { EGRESS_FLAGS, parse } from '../../../src/cli/args.js';
import { egressOptions } from '../../../src/cli/connect-cmd.js';
import { Multi } from '../../../src/multi/index.js';
import type { AddressRecord } from '../../../src/shared/index.js';
import { code } from '../../helpers/expect-code.js';
import { fakeTable } from '../../helpers/fake-table.js';
import { mulberry32 } from '../../helpers/prng.js';
import { runCli } from '../../helpers/cli.js';

type PoolOptions = Pick<EgressOptions, 'localAddress' | 'sourcePolicy' | 'freebind'>;

/** The addresses of `n` draws, each draw as "v4 v6" (what one connect gets). */
function draws(pool: SourcePool, n: number, host = 'origin.test'): string[] {
  return Array.from({ length: n }, () => pool.draw(host).map((s) => s.address + (s.freebind ? '*' : '')).join(' '));
}

const fixed = (values: number[]): RandomSource => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('source pools: parsing and drawing', () => {
  const cases: Array<{ name: string; options: PoolOptions; random?: RandomSource; n: number; expect: string[] }> = [
    { name: 'round-robin (default) takes the addresses in turn and wraps', options: { localAddress: ['198.51.100.1', '198.51.100.2', '198.51.100.3'] },
      n: 4, expect: ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.1'] },
    { name: 'a list of one is a pool of one', options: { localAddress: ['198.51.100.9'] }, n: 2, expect: ['198.51.100.9', '198.51.100.9'] },
    { name: 'a mixed list: one source per family per connect, each family in its own turn',
      options: { localAddress: ['198.51.100.1', '2001:db8::1', '198.51.100.2', '2001:db8::2', '2001:db8::3'] },
      n: 4, expect: ['198.51.100.1 2001:db8::1', '198.51.100.2 2001:db8::2', '198.51.100.1 2001:db8::3', '198.51.100.2 2001:db8::1'] },
    { name: '{ v4, v6 } per-family pools (hyper-util set_local_addresses)', options: { localAddress: { v4: ['198.51.100.1', '198.51.100.2'], v6: '2001:db8::a' } },
      n: 3, expect: ['198.51.100.1 2001:db8::a', '198.51.100.2 2001:db8::a', '198.51.100.1 2001:db8::a'] },
    { name: 'IPv6 is written in canonical form', options: { localAddress: { v6: ['2001:DB8:0:0::0:1'] } }, n: 1, expect: ['2001:db8::1'] },
    { name: 'link-local addresses are a group of their own (never drawn for a global remote)',
      options: { localAddress: ['2001:db8::1', 'fe80::1%lo', 'fe80::2%lo'] }, n: 2, expect: ['2001:db8::1 fe80::1', '2001:db8::1 fe80::2'] },
    { name: 'an IPv4 prefix: its host addresses in turn, without network and broadcast', options: { localAddress: ['198.51.100.64/30'], freebind: true },
      n: 3, expect: ['198.51.100.65*', '198.51.100.66*', '198.51.100.65*'] },
    { name: 'an IPv4 /31 has two addresses (RFC 3021)', options: { localAddress: '198.51.100.64/31', freebind: true },
      n: 3, expect: ['198.51.100.64*', '198.51.100.65*', '198.51.100.64*'] },
    { name: 'an IPv4 /32 and IPv6 /128 are one address each', options: { localAddress: ['198.51.100.7/32', '2001:db8::7/128'], freebind: true },
      n: 2, expect: ['198.51.100.7* 2001:db8::7*', '198.51.100.7* 2001:db8::7*'] },
    { name: 'an IPv6 prefix leaves out the subnet-router anycast address', options: { localAddress: ['2001:db8:5::/126'], freebind: true },
      n: 4, expect: ['2001:db8:5::1*', '2001:db8:5::2*', '2001:db8:5::3*', '2001:db8:5::1*'] },
    { name: 'addresses and a prefix in one pool: the prefix counts as its addresses', options: { localAddress: ['198.51.100.1', '203.0.113.8/30'], freebind: true },
      n: 4, expect: ['198.51.100.1*', '203.0.113.9*', '203.0.113.10*', '198.51.100.1*'] },
    { name: 'random: draws from the injected source (0.99 -> last, 0 -> first)', options: { localAddress: ['198.51.100.1', '198.51.100.2', '198.51.100.3'], sourcePolicy: 'random' },
      random: fixed([0.99, 0, 0.5]), n: 3, expect: ['198.51.100.3', '198.51.100.1', '198.51.100.2'] },
    { name: 'random in a /64: the whole range is reachable (three 32-bit draws)', options: { localAddress: '2001:db8:7::/64', sourcePolicy: 'random', freebind: true },
      random: fixed([0.999999999]), n: 1, expect: ['2001:db8:7:0:ffff:fffc:ffff:fff7*'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(draws(new SourcePool(c.options, c.random), c.n), c.expect));
  }

  it('random with a seeded generator: the same seed gives the same draws, and every address is drawn', () => {
    const options: PoolOptions = { localAddress: ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'], sourcePolicy: 'random' };
    const a = draws(new SourcePool(options, mulberry32(7).next), 64);
    const b = draws(new SourcePool(options, mulberry32(7).next), 64);
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, 4);
  });

  it('hash: a host keeps its source across pools and letter case; 64 hosts use every source', () => {
    const options: PoolOptions = { localAddress: ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'], sourcePolicy: 'hash' };
    const one = new SourcePool(options);
    const other = new SourcePool(options);
    for (let i = 0; i < 64; i++) {
      const host = `h${i}.example`;
      assert.deepEqual(one.draw(host), other.draw(host.toUpperCase()));
    }
    assert.equal(new Set(Array.from({ length: 64 }, (_, i) => one.draw(`h${i}.example`)[0]!.address)).size, 4);
    // FNV-1a of "origin.test" is fixed: the vector pins the hash across versions.
    assert.equal(one.draw('origin.test')[0]!.address, '198.51.100.4');
  });

  it('the label names the pool as written', () => {
    assert.equal(new SourcePool({ localAddress: ['198.51.100.1', '198.51.100.2'] }).label, 'source pool 198.51.100.1,198.51.100.2');
    assert.equal(new SourcePool({ localAddress: { v4: '198.51.100.1', v6: ['2001:db8::1', '2001:db8::2'] } }).label, 'source pool v4 198.51.100.1 v6 2001:db8::1,2001:db8::2');
  });

  it('one options object for many connects is found again; a list changed in place is a new pool', () => {
    const written = ['198.51.100.211', '198.51.100.212'];
    const options = { localAddress: written };
    assert.equal(sourcePoolFor(options), sourcePoolFor(options));
    assert.equal(sourcePoolFor(options), sourcePoolFor({ localAddress: [...written] }), 'an equal pool is the same pool');
    written[1] = '198.51.100.213';
    assert.deepEqual(sourcePoolFor(options).label, 'source pool 198.51.100.211,198.51.100.213');
    assert.notEqual(sourcePoolFor({ ...options, sourcePolicy: 'hash' }), sourcePoolFor(options), 'another policy is another pool');
  });

  it('connects with an equal pool share its turn; the kept pools are bounded', () => {
    const written = ['198.51.100.201', '198.51.100.202', '198.51.100.203'];
    const first = sourcePoolFor({ localAddress: [...written] }).draw('x')[0]!.address;
    const second = sourcePoolFor({ localAddress: [...written] }).draw('x')[0]!.address;
    assert.equal(first, '198.51.100.201');
    assert.equal(second, '198.51.100.202');
    for (let i = 0; i < MAX_KEPT_POOLS; i++) sourcePoolFor({ localAddress: [`203.0.113.${i % 250}`, `2001:db8:99::${i.toString(16)}`] });
    assert.equal(sourcePoolFor({ localAddress: [...written] }).draw('x')[0]!.address, '198.51.100.201', 'the oldest pool was let go');
  });
});

describe('source pools: bad input names the entry', () => {
  const cases: Array<[string, PoolOptions, string, unknown]> = [
    ['an empty list', { localAddress: [] }, 'ERR_INVALID_ARGUMENT', 'localAddress'],
    ['{ } with no family', { localAddress: {} }, 'ERR_INVALID_ARGUMENT', 'localAddress'],
    ['an empty family list', { localAddress: { v4: [] } }, 'ERR_INVALID_ARGUMENT', 'v4'],
    ['an unknown key', { localAddress: { v5: '198.51.100.1' } as never }, 'ERR_INVALID_ARGUMENT', 'v5'],
    ['a host name in a pool', { localAddress: ['198.51.100.1', 'src.example'] }, 'ERR_INVALID_ARGUMENT', 'src.example'],
    ['an empty entry', { localAddress: ['198.51.100.1', ''] }, 'ERR_INVALID_ARGUMENT', ''],
    ['a number as entry', { localAddress: [1 as never] }, 'ERR_INVALID_ARGUMENT', 1],
    ['not a list or object', { localAddress: 7 as never }, 'ERR_INVALID_ARGUMENT', 'localAddress'],
    ['a duplicate entry', { localAddress: ['198.51.100.1', '198.51.100.1'] }, 'ERR_INVALID_ARGUMENT', '198.51.100.1'],
    ['a duplicate in two spellings', { localAddress: ['2001:db8::1', '2001:db8:0::1'] }, 'ERR_INVALID_ARGUMENT', '2001:db8:0::1'],
    ['an address inside a listed prefix', { localAddress: ['198.51.100.64/28', '198.51.100.66'], freebind: true }, 'ERR_INVALID_ARGUMENT', '198.51.100.66'],
    ['nested prefixes', { localAddress: ['2001:db8::/64', '2001:db8::/120'], freebind: true }, 'ERR_INVALID_ARGUMENT', '2001:db8::/120'],
    ['a prefix without freebind', { localAddress: ['198.51.100.64/28'] }, 'ERR_INVALID_ARGUMENT', '198.51.100.64/28'],
    ['a single prefix without freebind', { localAddress: '2001:db8:5::/120' }, 'ERR_INVALID_ARGUMENT', '2001:db8:5::/120'],
    ['a prefix with host bits set', { localAddress: ['198.51.100.65/28'], freebind: true }, 'ERR_INVALID_ADDRESS', '198.51.100.65/28'],
    ['a prefix length out of range', { localAddress: ['198.51.100.0/33'], freebind: true }, 'ERR_INVALID_ADDRESS', '198.51.100.0/33'],
    ['a prefix that does not parse', { localAddress: ['198.51.100/24'], freebind: true }, 'ERR_INVALID_ADDRESS', '198.51.100/24'],
    ['a link-local prefix', { localAddress: ['fe80::/64'], freebind: true }, 'ERR_INVALID_ARGUMENT', 'fe80::/64'],
    ['a prefix with a zone', { localAddress: ['2001:db8::/64%lo'], freebind: true }, 'ERR_INVALID_ADDRESS', '2001:db8::/64%lo'],
    ['a zone on a global address', { localAddress: ['2001:db8::1%lo'] }, 'ERR_INVALID_ADDRESS', '2001:db8::1%lo'],
    ['a multicast address', { localAddress: ['ff02::1%lo'] }, 'ERR_INVALID_ARGUMENT', 'ff02::1%lo'],
    ['the unspecified address', { localAddress: ['0.0.0.0'] }, 'ERR_INVALID_ARGUMENT', '0.0.0.0'],
    ['IPv6 in v4', { localAddress: { v4: ['198.51.100.1', '2001:db8::1'] } }, 'ERR_INVALID_ARGUMENT', '2001:db8::1'],
    ['IPv4 in v6', { localAddress: { v6: '198.51.100.1' } }, 'ERR_INVALID_ARGUMENT', '198.51.100.1'],
    ['an unknown policy', { localAddress: ['198.51.100.1'], sourcePolicy: 'least-used' as never }, 'ERR_INVALID_ARGUMENT', 'sourcePolicy'],
    ['freebind not a boolean', { localAddress: ['198.51.100.1'], freebind: 'yes' as never }, 'ERR_INVALID_ARGUMENT', 'freebind'],
  ];
  for (const [name, options, want, input] of cases) {
    it(name, () => {
      assert.throws(() => new SourcePool(options), (e: unknown) => code(want)(e) && assert.deepEqual((e as { input: unknown }).input, input) === undefined);
      // The adapters check the same at construction.
      assert.throws(() => checkEgressOptions(options), code(want));
    });
  }
  const orphans: Array<[string, PoolOptions, unknown]> = [
    ['sourcePolicy without localAddress', { sourcePolicy: 'hash' }, 'sourcePolicy'],
    ['freebind without localAddress', { freebind: true }, 'freebind'],
  ];
  for (const [name, options, input] of orphans) {
    it(name, () => {
      assert.throws(() => checkEgressOptions(options), (e: unknown) => code('ERR_INVALID_ARGUMENT')(e) && (e as { input: unknown }).input === input);
      assert.throws(() => planEgress(options, fakeTable(), async () => []), code('ERR_INVALID_ARGUMENT'));
    });
  }
});

describe('source pools: the egress and the attempt plan of one connect', () => {
  const table = fakeTable();
  const noResolver = async (): Promise<AddressRecord[]> => assert.fail('a pool needs no lookup');
  const rec = (address: string): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, source: 'pinned' });

  it('one draw per connect: both families of the race have their source, the next connect the next ones', () => {
    const options = { host: 'origin.test', localAddress: ['198.51.100.11', '198.51.100.12', '2001:db8::11', '2001:db8::12'] };
    const seen: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const egress = planEgress(options, table, noResolver) as Egress;
      assert.equal(egress.label, 'source pool 198.51.100.11,198.51.100.12,2001:db8::11,2001:db8::12');
      const plan = planAttempts([rec('2001:db8:1::1'), rec('198.51.100.1'), rec('2001:db8:1::2'), rec('198.51.100.2')], egress, table);
      seen.push(plan.candidates.map((c) => c.localAddress!));
      assert.ok(plan.candidates.every((c) => c.freebind === undefined));
    }
    assert.deepEqual(seen, [
      ['2001:db8::11', '198.51.100.11', '2001:db8::11', '198.51.100.11'],
      ['2001:db8::12', '198.51.100.12', '2001:db8::12', '198.51.100.12'],
      ['2001:db8::11', '198.51.100.11', '2001:db8::11', '198.51.100.11'],
    ]);
  });

  it('a prefix pool marks its candidates freebind; a family the pool lacks is a skip naming the pool', () => {
    const egress = planEgress({ localAddress: ['198.51.100.128/25'], freebind: true }, table, noResolver) as Egress;
    const plan = planAttempts([rec('2001:db8:1::1'), rec('198.51.100.1')], egress, table);
    assert.equal(plan.candidates.length, 1);
    assert.equal(plan.candidates[0]!.freebind, true);
    assert.match(plan.candidates[0]!.localAddress!, /^198\.51\.100\.(129|1[3-9]\d|2[0-4]\d|25[0-4])$/);
    assert.equal(plan.skips[0]!.code, 'no-family');
    assert.match(plan.skips[0]!.reason, /^source pool 198\.51\.100\.128\/25 has no IPv6 address for 2001:db8:1::1/);
  });

  it('freebind with one written address marks it too (IP_FREEBIND asked for)', () => {
    const egress = planEgress({ localAddress: '203.0.113.77', freebind: true }, table, noResolver) as Egress;
    assert.equal(planAttempts([rec('198.51.100.1')], egress, table).candidates[0]!.freebind, true);
  });

  it('a link-local pool entry gets the scope id of its zone', () => {
    const egress = planEgress({ localAddress: ['2001:db8::1', 'fe80::1:2%h1'] }, table, noResolver) as Egress;
    assert.deepEqual(egress.locals!.map((l) => [l.address, l.scopeId]), [['2001:db8::1', undefined], ['fe80::1:2', 2]]);
    assert.throws(() => planEgress({ localAddress: ['fe80::1%nope0'] }, table, noResolver), code('ERR_UNKNOWN_ZONE'));
  });

  it('with an interface: the device is bound and the pool gives the address; host!ADDR and a pool conflict', () => {
    const egress = planEgress({ interface: 'if!h1', localAddress: ['198.51.100.21', '198.51.100.22'] }, table, noResolver) as Egress;
    assert.equal(egress.device, 'h1');
    assert.equal(egress.locals!.length, 1);
    assert.throws(() => planEgress({ interface: 'host!198.51.100.2', localAddress: ['198.51.100.21'] }, table, noResolver), code('ERR_INVALID_ARGUMENT'));
  });
});

describe('source pools: command-line flags', () => {
  const egressOf = (args: string[]): EgressOptions => egressOptions(parse(args, EGRESS_FLAGS, 'get').values);
  const good: Array<[string[], EgressOptions]> = [
    [['--source-pool', '198.51.100.1,198.51.100.2'], { localAddress: ['198.51.100.1', '198.51.100.2'] }],
    [['--source-pool', '198.51.100.1', '--source-policy', 'hash'], { localAddress: ['198.51.100.1'], sourcePolicy: 'hash' }],
    [['--source-pool', '2001:db8:5::/120', '--freebind'], { localAddress: ['2001:db8:5::/120'], freebind: true }],
    [['--source-pool', '198.51.100.1', '--interface', 'if!h1'], { localAddress: ['198.51.100.1'], interface: 'if!h1' }],
  ];
  for (const [args, want] of good) it(args.join(' '), () => assert.deepEqual(egressOf(args), want));
  const bad: Array<[string[], RegExp]> = [
    [['--source-pool', '198.51.100.1', '--interface', 'host!198.51.100.2'], /--source-pool and --interface host!198\.51\.100\.2 exclude each other/],
    [['--source-pool', '198.51.100.1', '--interface', 'ifhost!h1!198.51.100.2'], /--source-pool and --interface ifhost!h1!198\.51\.100\.2 exclude each other/],
    [['--source-pool', '198.51.100.1', '--interface', 'if!h1', '--interface', 'if!h2'], /--source-pool and the --interface list if!h1, if!h2 exclude each other/],
    [['--source-pool', '198.51.100.64/28'], /--source-pool: .*needs freebind/],
    [['--source-pool', '198.51.100.1,,198.51.100.2'], /--source-pool: .*non-empty string/],
    [['--source-pool', '198.51.100.1,src.example'], /--source-pool: .*"src\.example" is not an IP address/],
    [['--source-pool', '198.51.100.1', '--source-policy', 'lru'], /--source-policy expects round-robin, random, hash, got "lru"/],
    [['--source-policy', 'hash'], /--source-policy .* --source-pool, which is not given/],
    [['--freebind'], /--freebind .* --source-pool, which is not given/],
  ];
  for (const [args, message] of bad) {
    it(`${args.join(' ')}: a usage error`, () => {
      assert.throws(() => egressOf(args), (e: unknown) => code('ERR_INVALID_ARGUMENT')(e) && (e as { details: { usage?: boolean } }).details.usage === true);
      assert.throws(() => egressOf(args), message);
    });
  }
});

/** A plain HTTP server on loopback that answers once `hold` requests have arrived (so each has its own connection), recording each connection's source address. */
async function sourceRecorder(hold: number): Promise<{ port: number; sources: string[]; close(): Promise<void> }> {
  const sources: string[] = [];
  const waiting: net.Socket[] = [];
  const sockets = new Set<net.Socket>();
  const answer = (s: net.Socket): void => { s.end(`HTTP/1.1 200 OK\r\nContent-Length: ${s.remoteAddress!.length}\r\nConnection: close\r\n\r\n${s.remoteAddress}`); };
  const server = net.createServer((s) => {
    sockets.add(s);
    sources.push(s.remoteAddress!);
    s.on('error', () => {});
    s.once('data', () => {
      waiting.push(s);
      if (waiting.length === hold) for (const w of waiting.splice(0)) answer(w);
      else if (waiting.length > hold) answer(s);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    sources,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const counts = (list: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const a of list) out[a] = (out[a] ?? 0) + 1;
  return out;
};

describe('source pools on loopback sockets', function () {
  this.timeout(20_000);

  it('a Multi: 16 parallel transfers to one origin use all four sources, 4 each; info.local is what the server saw', async () => {
    const server = await sourceRecorder(16);
    const pool = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'];
    const multi = new Multi({ maxConnectionsPerHost: 16 });
    try {
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => multi.add({ url: `http://127.0.0.1:${server.port}/${i}`, localAddress: pool }).done));
      assert.deepEqual(counts(server.sources), Object.fromEntries(pool.map((a) => [a, 4])));
      for (const r of results) assert.equal(r.info.local?.address, r.body.toString(), 'info.local.address is the source the server saw');
    } finally {
      await multi.close();
      await server.close();
    }
  });

  it('an undici Agent with hiperConnector({ localAddress: pool }): each new connection takes the next source', async () => {
    const server = await sourceRecorder(4);
    const pool = ['127.0.0.61', '127.0.0.62', '127.0.0.63', '127.0.0.64'];
    const dispatcher = new Agent({ connect: hiperConnector({ localAddress: pool }) });
    try {
      const bodies = await Promise.all(Array.from({ length: 4 }, async (_, i) => (await request(`http://127.0.0.1:${server.port}/${i}`, { dispatcher })).body.text()));
      assert.deepEqual([...bodies].sort(), pool);
      assert.deepEqual([...server.sources].sort(), pool);
    } finally {
      await dispatcher.close();
      await server.close();
    }
  });

  it('a Multi transfer with a bad pool ends once, with the error naming the entry', async () => {
    const multi = new Multi();
    try {
      const t = multi.add({ url: 'http://127.0.0.1:9/', localAddress: ['127.0.0.1', 'src.example'] });
      await assert.rejects(t.done, (e: unknown) => code('ERR_INVALID_ARGUMENT')(e) && (e as { input: unknown }).input === 'src.example');
    } finally {
      await multi.close();
    }
  });

  it('connect() with hash: one host keeps one source over many connects', async () => {
    const server = await sourceRecorder(1);
    const resolver = async (): Promise<AddressRecord[]> => [{ address: '127.0.0.1', family: 4, source: 'pinned' }];
    try {
      for (let i = 0; i < 6; i++) {
        const { socket, trace } = await connect({ host: 'origin.test', port: server.port, resolver, localAddress: ['127.0.0.31', '127.0.0.32', '127.0.0.33'], sourcePolicy: 'hash' });
        assert.equal(trace.local.address, socket.localAddress);
        socket.destroy();
      }
      assert.equal(new Set(server.sources).size, 1, server.sources.join());
    } finally {
      await server.close();
    }
  });

  it("hiper get -Z with 16 URLs and --source-pool: all four sources, 4 each; -w '%{local_ip}' prints each one", async () => {
    const server = await sourceRecorder(16);
    try {
      const urls = Array.from({ length: 16 }, (_, i) => `http://127.0.0.1:${server.port}/${i}`);
      const run = await runCli(['get', '-Z', '--parallel-max', '16', '-s', '--source-pool', '127.0.0.41,127.0.0.42,127.0.0.43,127.0.0.44', '-w', '%{local_ip}\\n', ...urls.flatMap((u) => [u, '-o', '/dev/null'])], { timeoutMs: 15_000 });
      assert.equal(run.code, 0, run.err);
      const printed = run.out.trim().split('\n');
      assert.deepEqual(counts(printed), { '127.0.0.41': 4, '127.0.0.42': 4, '127.0.0.43': 4, '127.0.0.44': 4 });
      assert.deepEqual(counts(server.sources), counts(printed));
    } finally {
      await server.close();
    }
  });
});
