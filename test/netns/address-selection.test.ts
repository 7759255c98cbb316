/**
 * RFC 6724 with the sources this host really has: section 10.2's examples, rewritten with
 * documentation addresses, each on a link whose addresses are exactly the example's sources, checked
 * through `hiper resolve --json` (the order) and `hiper connect --json` (the order of the attempts,
 * every destination refusing). A small DNS server on the peer (192.0.2.53, over the second link)
 * gives each example's destinations, AAAA answers first, then A; the sources each destination gets
 * are the kernel's (`ip route get`), asserted first so that each case is the example it claims to be.
 * Then section 5 on a pinned interface (the rule in the trace, the source the peer saw), --resolve's
 * written order with rule 1's unroutable addresses skipped, and zone ids from URL to wire.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { hasProgram, needs } from '../helpers/needs.js';
import { makeCert, type TestCert } from '../helpers/cert.js';
import type { SeenRequest } from '../helpers/zone-peer.js';
import type { DohConnectionInfo } from '../../src/resolve/index.js';
import type { Zone } from '../helpers/dns-server.js';
import { DNS_LINK, SelectionBed, isV6, type PeerLines } from '../helpers/selection-bed.js';

/** RFC 6724 section 2.1's table as gai.conf lines: a file with any such line replaces the whole table. */
const DEFAULT_ROWS = [
  ['::1/128', 50, 0], ['::/0', 40, 1], ['::ffff:0:0/96', 35, 4], ['2002::/16', 30, 2], ['2001::/32', 5, 5],
  ['fc00::/7', 3, 13], ['::/96', 1, 3], ['fec0::/10', 1, 11], ['3ffe::/16', 1, 12],
] as const;

/** The default table plus rows of our own, as gai.conf `precedence` and `label` lines. */
function gaiConf(extra: Array<readonly [string, number, number]>, only: 'both' | 'precedence' = 'both'): string {
  const rows = [...DEFAULT_ROWS, ...extra];
  const lines = rows.map(([p, prec]) => `precedence ${p} ${prec}`);
  if (only === 'both') lines.push(...rows.map(([p, , label]) => `label ${p} ${label}`));
  return lines.join('\n') + '\n';
}

/**
 * 6to4's prefix (2002::/16) is not a documentation range: the 6to4 examples use 2001:db8:2002::/48,
 * given 6to4's row of the default table (precedence 30, label 2) through --gai-conf.
 */
const SIX_TO_FOUR = gaiConf([['2001:db8:2002::/48', 30, 2]]);

interface Example {
  title: string;
  /** s1's addresses (`ip addr add` arguments). */
  sources: string[];
  /** The DNS answer, in order (AAAA records are answered before A records). */
  destinations: string[];
  /** The source the kernel picks for each destination. */
  kernel: Record<string, string>;
  expected: string[];
  gaiConf?: string;
  /** The same sources and destinations ordered without the rule's input (another table, or none). */
  control?: { gaiConf?: string; expected: string[] };
}

const EXAMPLES: Example[] = [
  {
    // RFC 6724's first variant needs an IPv4 link-local source (169.254/16), which is not a
    // documentation range; rule 2 is covered by its second variant.
    title: 'prefer matching scope (rule 2): only a link-local IPv6 source against a global IPv4 one',
    sources: ['fe80::1/64', '198.51.100.117/24'],
    destinations: ['2001:db8:1::1', '198.51.100.121'],
    kernel: { '2001:db8:1::1': 'fe80::1', '198.51.100.121': '198.51.100.117' },
    expected: ['198.51.100.121', '2001:db8:1::1'],
  },
  {
    title: 'prefer higher precedence (rule 6): IPv6 before IPv4',
    sources: ['2001:db8:1::2/64', 'fe80::1/64', '198.51.100.4/24'],
    destinations: ['2001:db8:1::1', '198.51.100.3'],
    kernel: { '2001:db8:1::1': '2001:db8:1::2', '198.51.100.3': '198.51.100.4' },
    expected: ['2001:db8:1::1', '198.51.100.3'],
    // The classic gai.conf line that prefers IPv4: precedence decides, so it turns the order round.
    control: { gaiConf: 'precedence ::ffff:0:0/96 100\n', expected: ['198.51.100.3', '2001:db8:1::1'] },
  },
  {
    title: 'prefer smaller scope (rule 8)',
    sources: ['2001:db8:1::2/64', 'fe80::2/64'],
    destinations: ['2001:db8:1::1', 'fe80::1'],
    kernel: { '2001:db8:1::1': '2001:db8:1::2', 'fe80::1': 'fe80::2' },
    expected: ['fe80::1', '2001:db8:1::1'],
  },
  {
    // RFC 6724 also gives the host a care-of address 2001:db8:1::2; this kernel's own source
    // selection does not apply rule 4 (it is built without Mobile IPv6), so with it the kernel would
    // send to 2001:db8:1::1 from the care-of address, and the example would be rule 8's. Here the home
    // address is the host's only global source, as the example's result has it.
    title: 'prefer home address (rule 4)',
    sources: ['2001:db8:3::1/64 home', 'fe80::2/64'],
    destinations: ['2001:db8:1::1', 'fe80::1'],
    kernel: { '2001:db8:1::1': '2001:db8:3::1', 'fe80::1': 'fe80::2' },
    expected: ['2001:db8:1::1', 'fe80::1'],
  },
  {
    title: 'avoid deprecated addresses (rule 3)',
    sources: ['2001:db8:1::2/64', 'fe80::2/64 preferred_lft 0'],
    destinations: ['fe80::1', '2001:db8:1::1'],
    kernel: { '2001:db8:1::1': '2001:db8:1::2', 'fe80::1': 'fe80::2' },
    expected: ['2001:db8:1::1', 'fe80::1'],
  },
  {
    title: 'longest matching prefix (rule 9)',
    sources: ['2001:db8:1::2/64', '2001:db8:3f44::2/64', 'fe80::2/64'],
    destinations: ['2001:db8:3ffe::1', '2001:db8:1::1'],
    kernel: { '2001:db8:3ffe::1': '2001:db8:3f44::2', '2001:db8:1::1': '2001:db8:1::2' },
    expected: ['2001:db8:1::1', '2001:db8:3ffe::1'],
  },
  {
    // Matching label beats precedence: with 6to4's precedence alone (labels left at the default),
    // rule 6 puts 2001:db8:1::1 first.
    title: 'prefer matching label (rule 5), 6to4 through a policy table',
    sources: ['2001:db8:2002::2/64', 'fe80::2/64'],
    destinations: ['2001:db8:1::1', '2001:db8:2002::1'],
    kernel: { '2001:db8:2002::1': '2001:db8:2002::2', '2001:db8:1::1': '2001:db8:2002::2' },
    expected: ['2001:db8:2002::1', '2001:db8:1::1'],
    gaiConf: SIX_TO_FOUR,
    control: { gaiConf: gaiConf([['2001:db8:2002::/48', 30, 2]], 'precedence'), expected: ['2001:db8:1::1', '2001:db8:2002::1'] },
  },
  {
    title: 'prefer higher precedence (rule 6), 6to4 through a policy table',
    sources: ['2001:db8:2002::2/64', '2001:db8:1::2/64', 'fe80::2/64'],
    destinations: ['2001:db8:2002::1', '2001:db8:1::1'],
    kernel: { '2001:db8:2002::1': '2001:db8:2002::2', '2001:db8:1::1': '2001:db8:1::2' },
    expected: ['2001:db8:1::1', '2001:db8:2002::1'],
    gaiConf: SIX_TO_FOUR,
    // Without the table nothing tells them apart (rule 9 is a tie at 64 bits): the answer's order.
    control: { expected: ['2001:db8:2002::1', '2001:db8:1::1'] },
  },
  {
    title: 'the host\'s only IPv6 address deprecated (rule 3): the IPv4 destination first',
    sources: ['198.51.100.2/24', '2001:db8:1::2/64 preferred_lft 0'],
    destinations: ['2001:db8:1::10', '198.51.100.10'],
    kernel: { '2001:db8:1::10': '2001:db8:1::2', '198.51.100.10': '198.51.100.2' },
    expected: ['198.51.100.10', '2001:db8:1::10'],
  },
  {
    title: 'source 2001:db8:1::2: 2001:db8:1::1 before 2001:db8:2::1 (rule 9)',
    sources: ['2001:db8:1::2/64'],
    destinations: ['2001:db8:2::1', '2001:db8:1::1'],
    kernel: { '2001:db8:2::1': '2001:db8:1::2', '2001:db8:1::1': '2001:db8:1::2' },
    expected: ['2001:db8:1::1', '2001:db8:2::1'],
  },
];

const PINNED_IF_DESTINATIONS = ['2001:db8:1::1', '198.51.100.1'];

/** The DNS zone: one name per destination list, answering AAAA in the list's order, then A. */
const zone: Zone = {};
function hostOf(destinations: string[]): string {
  return `${destinations.join('-').replace(/[:.]/g, '-')}.select.test`;
}
for (const list of [...EXAMPLES.map((e) => e.destinations), PINNED_IF_DESTINATIONS]) {
  zone[hostOf(list)] = { AAAA: list.filter(isV6), A: list.filter((d) => !isV6(d)) };
}

interface Attempt { remote: { address: string }; outcome: string; error?: string; interface?: string }
interface Skip { remote: string; code: string; reason: string }

describe('RFC 6724 address selection with the host\'s real sources (namespace)', function () {
  this.timeout(20_000);
  let bed: SelectionBed | undefined;
  let dir = '';

  before(async () => {
    bed = await SelectionBed.create();
    // The DNS server runs on the peer with the whole zone, each name answering one test's destinations.
    const helper = new URL('../helpers/dns-server.js', import.meta.url).href;
    const config = { host: DNS_LINK.server, port: 53, zone, ttl: 30 };
    await bed.peerNode(`import { serveZone } from ${JSON.stringify(helper)}; await serveZone(${JSON.stringify(config)});`);
    dir = mkdtempSync(join(tmpdir(), 'hiper-gai-'));
  });
  after(async () => {
    await bed?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  const dnsFlags = (): string[] => ['--dns-servers', DNS_LINK.server];
  function gaiFlags(text: string | undefined): string[] {
    if (text === undefined) return [];
    const file = join(dir, `gai-${++n}.conf`);
    writeFileSync(file, text);
    return ['--gai-conf', file];
  }

  async function resolveOrder(host: string, gai: string | undefined): Promise<string[]> {
    const r = await runCli(['resolve', host, ...dnsFlags(), '--json', ...gaiFlags(gai)]);
    assert.equal(r.code, 0, r.err + r.out);
    return (JSON.parse(r.out) as { addresses: Array<{ address: string }> }).addresses.map((a) => a.address);
  }

  /** Every destination refuses (nothing listens on port 9): the error lists every attempt, in order. */
  async function attemptOrder(host: string, gai: string | undefined, extra: string[] = []): Promise<{ attempts: Attempt[]; skips: Skip[] }> {
    // A long attempt delay: each next attempt starts because the one before failed, one at a time.
    const r = await runCli(['connect', host, '9', ...dnsFlags(), '--json', '--happy-eyeballs-timeout-ms', '5000', ...gaiFlags(gai), ...extra]);
    assert.equal(r.code, 7, r.err + r.out);
    const out = JSON.parse(r.out) as { error: { code: string; attempts: Attempt[]; skips: Skip[] } };
    assert.equal(out.error.code, 'ERR_CONNECT_ALL_FAILED', r.out);
    return { attempts: out.error.attempts, skips: out.error.skips };
  }

  describe('RFC 6724 section 10.2, with documentation addresses', () => {
    for (const ex of EXAMPLES) {
      it(ex.title, async () => {
        bed!.sources(ex.sources, ex.destinations);
        bed!.destinations(ex.destinations);
        for (const d of ex.destinations) assert.equal(bed!.kernelSource(d), ex.kernel[d], `the kernel's source for ${d}`);
        const host = hostOf(ex.destinations);
        const linkLocal = ex.destinations.some((d) => d.startsWith('fe80:'));
        const [order, tried, control] = await Promise.all([
          resolveOrder(host, ex.gaiConf),
          // A link-local answer carries no zone: the interface gives it.
          attemptOrder(host, ex.gaiConf, linkLocal ? ['--interface', 'if!s1'] : []),
          ex.control ? resolveOrder(host, ex.control.gaiConf) : undefined,
        ]);
        assert.deepEqual(order, ex.expected, 'hiper resolve');
        assert.deepEqual(tried.skips, [], 'no destination skipped');
        assert.deepEqual(tried.attempts.map((a) => a.remote.address), ex.expected, 'hiper connect\'s attempts');
        for (const a of tried.attempts) assert.match(a.error ?? '', /ECONNREFUSED/, `${a.remote.address} refused`);
        if (ex.control) assert.deepEqual(control, ex.control.expected, 'the control ordering');
      });
    }
  });

  describe('source selection on a pinned interface (RFC 6724 section 5)', () => {
    const destination = '2001:db8:5::1';
    let peer: PeerLines;
    before(async () => {
      peer = await bed!.listen(8080);
    });

    interface SourceCase {
      title: string;
      sources: string[];
      /** The kernel makes a temporary address from the mngtmpaddr one when use_tempaddr > 0. */
      tempaddr?: boolean;
      flags?: string[];
      /** The address chosen: written, or the temporary one the kernel made. */
      chosen: string | 'temporary';
      rule: string;
    }
    const CASES: SourceCase[] = [
      {
        title: 'a public, a temporary and a deprecated address: the public one (rule 7, the default)',
        sources: ['2001:db8:5::9/64 mngtmpaddr valid_lft 3600 preferred_lft 3600', '2001:db8:5::8/64 preferred_lft 0'],
        tempaddr: true, chosen: '2001:db8:5::9', rule: 'public',
      },
      {
        title: 'the same with --prefer-temporary: the temporary one (rule 7, IPV6_PREFER_SRC_TMP)',
        sources: ['2001:db8:5::9/64 mngtmpaddr valid_lft 3600 preferred_lft 3600', '2001:db8:5::8/64 preferred_lft 0'],
        tempaddr: true, flags: ['--prefer-temporary'], chosen: 'temporary', rule: 'temporary',
      },
      {
        title: 'a deprecated address listed before a preferred one: the preferred one (rule 3)',
        sources: ['2001:db8:5::7/64', '2001:db8:5::8/64 preferred_lft 0'],
        chosen: '2001:db8:5::7', rule: 'not-deprecated',
      },
      {
        title: 'a home address and another (rule 4)',
        sources: ['2001:db8:5::3/64 home', '2001:db8:5::7/64'],
        chosen: '2001:db8:5::3', rule: 'home',
      },
      {
        title: 'two addresses, one in the destination\'s prefix (rule 8)',
        sources: ['2001:db8:6::7/64', '2001:db8:5::7/64'],
        chosen: '2001:db8:5::7', rule: 'longest-prefix',
      },
    ];

    for (const c of CASES) {
      it(c.title, async () => {
        bed!.sources(c.sources, [destination], c.tempaddr ? { use_tempaddr: '1' } : {});
        bed!.destinations([destination]);
        const temporary = bed!.addresses().filter((a) => a.temporary).map((a) => a.local);
        assert.equal(temporary.length, c.tempaddr ? 1 : 0, `s1's temporary addresses: ${temporary.join(', ')}`);
        const chosen = c.chosen === 'temporary' ? temporary[0]! : c.chosen;
        const seen = peer.seen.length;
        const r = await runCli(['connect', destination, '8080', '--interface', 'if!s1', '--json', ...(c.flags ?? [])]);
        assert.equal(r.code, 0, r.err + r.out);
        const { trace } = JSON.parse(r.out) as { trace: { local: { address: string }; attempts: Array<{ sourceRule?: string; local?: { address: string } }> } };
        assert.equal(trace.local.address, chosen);
        assert.equal(trace.attempts[0]!.sourceRule, c.rule);
        // What the peer saw: the packets really came from that address.
        assert.equal(await peer.next(seen), chosen);
        const text = await runCli(['connect', destination, '8080', '--interface', 'if!s1', ...(c.flags ?? [])]);
        assert.equal(text.code, 0, text.err);
        assert.match(text.out, new RegExp(`from \\[${chosen}\\]:\\d+ \\(source by rule: ${c.rule}\\) via s1`));
      });
    }
  });

  describe('ordering for a pinned interface: its sources, not the kernel route\'s', () => {
    after(() => bed?.secondLink([]));

    it('s1\'s only IPv6 address is deprecated, s2\'s is not: pinned to s1, IPv4 first; unpinned, IPv6 first', async () => {
      const destinations = PINNED_IF_DESTINATIONS;
      bed!.sources(['198.51.100.2/24', '2001:db8:1::2/64 preferred_lft 0'], destinations);
      // The kernel routes 2001:db8:1::1 through s2 (metric 10), from s2's address.
      bed!.secondLink(['2001:db8:7::2/64'], ['2001:db8:1::1']);
      bed!.destinations(destinations);
      assert.equal(bed!.kernelSource('2001:db8:1::1'), '2001:db8:7::2');
      const host = hostOf(destinations);
      const [unpinned, pinned] = await Promise.all([resolveOrder(host, undefined), attemptOrder(host, undefined, ['--interface', 'if!s1'])]);
      assert.deepEqual(unpinned, ['2001:db8:1::1', '198.51.100.1']);
      assert.deepEqual(pinned.attempts.map((a) => [a.remote.address, a.interface, a.error?.includes('ECONNREFUSED')]), [['198.51.100.1', 's1', true], ['2001:db8:1::1', 's1', true]]);
      assert.deepEqual(pinned.skips, []);
    });
  });

  describe('--resolve: the written order, and rule 1\'s unusable addresses skipped', () => {
    it('keeps the written order where RFC 6724 would put IPv6 first', async () => {
      bed!.sources(['2001:db8:1::2/64', '198.51.100.2/24'], []);
      bed!.destinations(['2001:db8:1::1', '198.51.100.1']);
      const { attempts, skips } = await attemptOrder('pinned.test', undefined, ['--resolve', 'pinned.test:9:198.51.100.1,2001:db8:1::1']);
      assert.deepEqual(skips, []);
      assert.deepEqual(attempts.map((a) => a.remote.address), ['198.51.100.1', '2001:db8:1::1']);
    });

    it('an address the host has no route to is skipped with its reason, not attempted', async () => {
      // 2001:db8:9::1 is on the peer, but this host has no route to it (nor any IPv6 default route).
      bed!.sources(['2001:db8:1::2/64', '198.51.100.2/24'], []);
      bed!.destinations(['2001:db8:9::1', '198.51.100.1']);
      assert.equal(bed!.kernelSource('2001:db8:9::1'), undefined);
      const { attempts, skips } = await attemptOrder('pinned.test', undefined, ['--resolve', 'pinned.test:9:[2001:db8:9::1],198.51.100.1']);
      assert.deepEqual(attempts.map((a) => a.remote.address), ['198.51.100.1']);
      assert.deepEqual(skips.map((s) => [s.remote, s.code]), [['2001:db8:9::1', 'no-route']]);
      assert.match(skips[0]!.reason, /no route to 2001:db8:9::1/);
    });

    it('with no routable address at all: exit 7 with the skips, as curl exits 7', async function () {
      needs(this, hasProgram('curl'), 'curl is not installed');
      bed!.sources(['198.51.100.2/24'], []);
      bed!.destinations(['2001:db8:9::1']);
      const [hiper, curl] = await Promise.all([
        runCli(['connect', 'pinned.test', '9', '--resolve', 'pinned.test:9:[2001:db8:9::1]']),
        new Promise<number | null>((done) => spawn('curl', ['-sS', '--resolve', 'pinned.test:9:2001:db8:9::1', 'http://pinned.test:9/'], { stdio: 'ignore' }).on('close', done)),
      ]);
      assert.equal(curl, 7);
      assert.equal(hiper.code, 7, hiper.err);
      assert.match(hiper.err, /ERR_CONNECT_ALL_FAILED/);
      assert.match(hiper.err, /skip +2001:db8:9::1 +this host has no route to 2001:db8:9::1 .*\(no-route\)/);
    });
  });

  describe('zone ids end to end', () => {
    const NAME = 'doh.select.test';
    let cert: TestCert | undefined;
    let server: PeerLines;
    const seen = (from: number): SeenRequest[] => server.seen.slice(from).map((l) => JSON.parse(l) as SeenRequest);

    before(async () => {
      // fe80::/64 on two links: only the zone tells which one fe80::1 is on (the peer's r1).
      bed!.sources(['fe80::2/64'], []);
      bed!.secondLink(['fe80::3/64']);
      bed!.destinations(['fe80::1']);
      cert = makeCert(['fe80::1']);
      const helper = new URL('../helpers/zone-peer.js', import.meta.url).href;
      const options = { certPath: cert.certPath, keyPath: cert.keyPath, host: 'fe80::1%r1', port: 8443, zone: { [NAME]: { A: ['198.51.100.1'] } } };
      server = await bed!.peerNode(`import { serveZonePeer } from ${JSON.stringify(helper)}; await serveZonePeer(${JSON.stringify(options)});`);
    });
    after(() => {
      bed?.secondLink([]);
      cert?.cleanup();
    });

    /** Packets the peer received on r1 and r2 while `fn` ran, read once the links are quiet. */
    async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; r1: number; r2: number }> {
      const quiet = async (): Promise<{ r1: number; r2: number }> => {
        let last = bed!.peerRx();
        for (let i = 0; i < 20; i++) {
          await new Promise((r) => setTimeout(r, 100));
          const now = bed!.peerRx();
          if (now.r1 === last.r1 && now.r2 === last.r2) return now;
          last = now;
        }
        throw new Error('the peer links never went quiet');
      };
      const before = await quiet();
      const result = await fn();
      const after = await quiet();
      return { result, r1: after.r1 - before.r1, r2: after.r2 - before.r2 };
    }

    it('resolve --doh-url https://[fe80::1%25s1]:8443/dns-query: the DoH request goes over s1, without the zone in Host or SNI', async () => {
      const from = server.seen.length;
      const { result: r, r1, r2 } = await counted(() => runCli(['resolve', NAME, '-4', '--json', '--doh-url', 'https://[fe80::1%25s1]:8443/dns-query', '--cacert', cert!.certPath]));
      assert.equal(r.code, 0, r.err + r.out);
      const out = JSON.parse(r.out) as { addresses: Array<{ address: string }>; dohConnections: DohConnectionInfo[] };
      assert.deepEqual(out.addresses.map((a) => a.address), ['198.51.100.1']);
      assert.deepEqual(out.dohConnections.map((c) => [c.remoteAddress, c.egressInterface]), [['fe80::1', 's1']]);
      assert.deepEqual(seen(from).map((q) => [q.path, q.host, q.servername, q.from]), [['/dns-query', '[fe80::1]:8443', false, 'fe80::2%r1']]);
      assert.ok(r1 >= 5, `r1 received ${r1} packets`);
      assert.equal(r2, 0, 'nothing went over s2');
    });

    it('connect fe80::1%s1 without --interface: the trace names s1', async () => {
      const r = await runCli(['connect', 'fe80::1%s1', '8443', '--json']);
      assert.equal(r.code, 0, r.err + r.out);
      const { trace } = JSON.parse(r.out) as { trace: { remote: { address: string }; egressInterface?: string; bindMethod: string } };
      assert.deepEqual([trace.remote.address, trace.bindMethod, trace.egressInterface], ['fe80::1', 'none', 's1']);
      const text = await runCli(['connect', 'fe80::1%s1', '8443']);
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /^ {3}1\. fe80::1%s1 +IPv6 +literal$/m);
      assert.match(text.out, /^ {2}attempt {2}\[fe80::1%s1\]:8443 /m);
      assert.match(text.out, /^connected \[fe80::2%s1\]:\d+ -> \[fe80::1\]:8443 \(unbound, leaving through s1\)/m);
    });

    it('get https://[fe80::1%25s1]:8443/: neither Host nor SNI carries the zone', async () => {
      const from = server.seen.length;
      const { result: r, r1, r2 } = await counted(() => runCli(['get', 'https://[fe80::1%25s1]:8443/echo', '--cacert', cert!.certPath]));
      assert.equal(r.code, 0, r.err + r.out);
      const body = JSON.parse(r.out) as SeenRequest;
      assert.deepEqual([body.host, body.servername, body.from], ['[fe80::1]:8443', false, 'fe80::2%r1']);
      assert.deepEqual(seen(from).map((q) => q.path), ['/echo']);
      assert.ok(r1 >= 5, `r1 received ${r1} packets`);
      assert.equal(r2, 0, 'nothing went over s2');
    });
  });
});
