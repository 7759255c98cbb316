import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AddressRecord, Family } from '../../../src/shared/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { chooseSource, classify, interleaveFamilies, orderAddresses, policyTable, prepareSources, sortByRfc6724, type OrderOptions, type PreparedSource } from '../../../src/resolve/index.js';
import { addressBytes } from '../../../src/shared/address-policy.js';

const rec = (address: string): AddressRecord => ({ address, family: (address.includes(':') ? 6 : 4) as Family, source: 'dns' });
const addrs = (list: AddressRecord[]): string[] => list.map((r) => r.address);

describe('resolve: RFC 6724 destination address selection', function () {
  // RFC 6724 section 10.2, the examples whose rules apply without address flags (rules 3, 4, 7 and 9 are not used).
  const examples: Array<[string, string[], string[], string[]]> = [
    ['prefer matching scope (IPv4 source is link-local)', ['2001:db8:1::2', 'fe80::1', '169.254.13.78'], ['2001:db8:1::1', '198.51.100.121'], ['2001:db8:1::1', '198.51.100.121']],
    ['prefer matching scope (IPv6 source is link-local)', ['fe80::1', '198.51.100.117'], ['2001:db8:1::1', '198.51.100.121'], ['198.51.100.121', '2001:db8:1::1']],
    ['prefer higher precedence (IPv6 over IPv4)', ['2001:db8:1::2', 'fe80::1', '10.1.2.4'], ['2001:db8:1::1', '10.1.2.3'], ['2001:db8:1::1', '10.1.2.3']],
    ['prefer smaller scope', ['2001:db8:1::2', 'fe80::2'], ['2001:db8:1::1', 'fe80::1'], ['fe80::1', '2001:db8:1::1']],
    ['prefer matching label', ['2002:c633:6401::2', 'fe80::2'], ['2001:db8:1::1', '2002:c633:6401::1'], ['2002:c633:6401::1', '2001:db8:1::1']],
    ['prefer higher precedence (native over 6to4)', ['2002:c633:6401::2', '2001:db8:1::2', 'fe80::2'], ['2002:c633:6401::1', '2001:db8:1::1'], ['2001:db8:1::1', '2002:c633:6401::1']],
  ];
  for (const [rule, sources, destinations, expected] of examples) {
    it(`section 10.2: ${rule}`, () => {
      assert.deepEqual(addrs(sortByRfc6724(destinations.map(rec), sources)), expected);
      assert.deepEqual(addrs(sortByRfc6724([...destinations].reverse().map(rec), sources)), expected, 'the input order does not matter');
    });
  }

  it('rule 1: a destination with no source of its family goes last', () => {
    assert.deepEqual(addrs(sortByRfc6724(['2001:db8::1', '198.51.100.7'].map(rec), ['198.51.100.2'])), ['198.51.100.7', '2001:db8::1']);
  });

  it('rule 10: equal destinations keep their order (stable)', () => {
    const list = ['2001:db8::3', '2001:db8::1', '2001:db8::2'].map(rec);
    assert.deepEqual(addrs(sortByRfc6724(list, ['2001:db8::9'])), ['2001:db8::3', '2001:db8::1', '2001:db8::2']);
  });

  it('without source candidates only precedence, scope and order decide', () => {
    assert.deepEqual(addrs(sortByRfc6724(['198.51.100.7', '2001:db8::1', '::1'].map(rec))), ['::1', '2001:db8::1', '198.51.100.7']);
  });

  it('a link-local destination with a scope id takes its source from that link', () => {
    const sources = prepareSources([{ address: 'fe80::a', scopeId: 2 }, { address: 'fe80::b', scopeId: 3 }]);
    assert.equal(chooseSource({ address: 'fe80::1', family: 6, scopeId: 3 }, sources)?.address, 'fe80::b');
    assert.equal(chooseSource({ address: 'fe80::1', family: 6, scopeId: 9 }, sources), undefined);
  });

  // RFC 6724 section 10.1 examples that need no address flags.
  const sourceExamples: Array<[string, string[], string]> = [
    ['2001:db8:1::1', ['2001:db8:3::1', 'fe80::1'], '2001:db8:3::1'],
    ['ff05::1', ['2001:db8:3::1', 'fe80::1'], '2001:db8:3::1'],
    ['2001:db8:1::1', ['2001:db8:1::1', '2001:db8:2::1'], '2001:db8:1::1'],
    ['fe80::1', ['fe80::2', '2001:db8:1::1'], 'fe80::2'],
    ['2001:db8:1::1', ['2001:db8:1::2', '2001:db8:3::2'], '2001:db8:1::2'],
    ['2002:c633:6401::1', ['2002:c633:6401::d5e3:7953:13eb:22e8', '2001:db8:1::2'], '2002:c633:6401::d5e3:7953:13eb:22e8'],
  ];
  for (const [dest, candidates, expected] of sourceExamples) {
    it(`section 10.1 source selection: ${dest} from ${candidates.join(' or ')} -> ${expected}`, () => {
      assert.equal(chooseSource(rec(dest), prepareSources(candidates))?.address, expected);
    });
  }

  it('classifies by the default policy table', () => {
    const table: Array<[string, number, number, number]> = [
      ['::1', 50, 0, 2], ['2001:db8::1', 40, 1, 14], ['198.51.100.1', 35, 4, 14], ['127.0.0.1', 35, 4, 2],
      ['169.254.1.1', 35, 4, 2], ['2002::1', 30, 2, 14], ['2001::1', 5, 5, 14], ['fd00::1', 3, 13, 14],
      ['::198.51.100.1', 1, 3, 14], ['fec0::1', 1, 11, 5], ['3ffe::1', 1, 12, 14], ['fe80::1', 40, 1, 2], ['ff02::1', 40, 1, 2], ['ff0e::1', 40, 1, 14],
    ];
    for (const [address, precedence, label, scope] of table) {
      const c = classify(address)!;
      assert.deepEqual([c.precedence, c.label, c.scope], [precedence, label, scope], address);
    }
  });

  it('parses every IPv6 text form to the bytes Node would send', () => {
    fc.assert(fc.property(fc.ipV6(), (text) => {
      const mine = addressBytes(text);
      assert.ok(mine, text);
      const expanded = Array.from({ length: 8 }, (_, i) => ((mine[2 * i]! << 8) | mine[2 * i + 1]!).toString(16)).join(':');
      // Both forms name the same address: compare through the URL parser's canonical form.
      assert.equal(new URL(`http://[${expanded}]/`).hostname, new URL(`http://[${text}]/`).hostname);
    }), { seed: 6724, numRuns: 500 });
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '1.2.3', '256.1.1.1', '::1.2.3.999', '']) assert.equal(addressBytes(bad), undefined, bad);
  });
});

describe('resolve: RFC 6724 with the sources the host has (flags, prefixes, policy)', function () {
  /** "2001:db8:1::2 deprecated home tunnel /48": an address with its flags, tunnel link and prefix. */
  const src = (text: string): PreparedSource => {
    const [address, ...rest] = text.split(' ');
    const flags = rest.filter((w) => w === 'deprecated' || w === 'home' || w === 'temporary');
    const prefix = rest.find((w) => w.startsWith('/'));
    return {
      address: address!, family: (address!.includes(':') ? 6 : 4) as Family,
      ...(flags.length > 0 ? { flags } : {}), ...(rest.includes('tunnel') ? { encapsulated: true } : {}),
      ...(prefix !== undefined ? { prefixLength: Number(prefix.slice(1)) } : {}),
    };
  };
  // RFC 6724 section 10.2, the examples that need address flags or prefixes, and one vector per rule.
  const cases: Array<[string, string[], string[], string[], OrderOptions?]> = [
    ['10.2: prefer home address', ['2001:db8:1::2', '2001:db8:3::1 home', 'fe80::2'], ['2001:db8:1::1', '2001:db8:3::2'], ['2001:db8:3::2', '2001:db8:1::1']],
    ['10.2: avoid deprecated addresses', ['2001:db8:1::2', 'fe80::2 deprecated'], ['2001:db8:1::1', 'fe80::1'], ['2001:db8:1::1', 'fe80::1']],
    ['10.2: longest matching prefix', ['2001:db8:1::2', '2001:db8:3f44::2', 'fe80::2'], ['2001:db8:1::1', '2001:db8:3ffe::1'], ['2001:db8:1::1', '2001:db8:3ffe::1']],
    ['rule 3 before rule 6: a deprecated IPv6 source puts IPv4 first', ['2001:db8:1::2 deprecated', '198.51.100.2'], ['2001:db8:2::1', '198.51.100.7'], ['198.51.100.7', '2001:db8:2::1']],
    ['rule 7: native transport before a tunnel', ['2001:db8:1::2 tunnel', '2001:db8:2::2'], ['2001:db8:1::1', '2001:db8:2::1'], ['2001:db8:2::1', '2001:db8:1::1']],
    ['rule 9: the longer prefix first', ['2001:db8:1::2'], ['2001:db8:2::1', '2001:db8:1::1'], ['2001:db8:1::1', '2001:db8:2::1']],
    ['rule 9 stops at the source prefix (/32: a tie, the order stays)', ['2001:db8:1::2 /32'], ['2001:db8:2::1', '2001:db8:1::1'], ['2001:db8:2::1', '2001:db8:1::1']],
    ['rule 9 is off for IPv4 by default', ['198.51.100.2 /24'], ['192.0.2.7', '198.51.100.7'], ['192.0.2.7', '198.51.100.7']],
    ['rule 9 for IPv4 when asked', ['198.51.100.2 /24'], ['192.0.2.7', '198.51.100.7'], ['198.51.100.7', '192.0.2.7'], { ipv4LongestPrefix: true }],
    ['a policy table can put IPv4 first', ['2001:db8:1::2', '198.51.100.2'], ['2001:db8:1::1', '198.51.100.7'], ['198.51.100.7', '2001:db8:1::1'],
      { policy: policyTable([{ prefix: '::/0', precedence: 10, label: 1 }, { prefix: '::ffff:0:0/96', precedence: 100, label: 4 }]) }],
    // 10.2's 6to4 examples with a documentation prefix given 6to4's row.
    ['10.2: prefer matching label (policy: 2001:db8:2::/48 as 6to4)', ['2001:db8:2::2', 'fe80::2'], ['2001:db8:1::1', '2001:db8:2::1'], ['2001:db8:2::1', '2001:db8:1::1'], { policy: as6to4() }],
    ['10.2: prefer higher precedence (policy: 2001:db8:2::/48 as 6to4)', ['2001:db8:2::2', '2001:db8:1::2', 'fe80::2'], ['2001:db8:2::1', '2001:db8:1::1'], ['2001:db8:1::1', '2001:db8:2::1'], { policy: as6to4() }],
  ];
  for (const [name, sources, destinations, expected, options] of cases) {
    it(name, () => {
      const o: OrderOptions = { ...options, sources: sources.map(src) };
      assert.deepEqual(addrs(sortByRfc6724(destinations.map(rec), o)), expected);
      if (!name.includes('order stays') && !name.includes('off for IPv4')) assert.deepEqual(addrs(sortByRfc6724([...destinations].reverse().map(rec), o)), expected, 'the input order does not matter');
    });
  }

  it('sourceFor: the source the caller says (the kernel\'s), none meaning unusable (rule 1)', () => {
    const kernel = new Map([['2001:db8:1::1', src('2001:db8:1::2 deprecated')], ['198.51.100.7', src('198.51.100.2')]]);
    const ordered = sortByRfc6724(['2001:db8:1::1', '2001:db8:9::1', '198.51.100.7'].map(rec), { sourceFor: (d) => kernel.get(d.address) });
    assert.deepEqual(addrs(ordered), ['198.51.100.7', '2001:db8:1::1', '2001:db8:9::1']);
  });
});

/** The default table with 2001:db8:2::/48 given 6to4's precedence and label (2002::/16 is not a documentation prefix). */
function as6to4(): ReturnType<typeof policyTable> {
  return policyTable([
    { prefix: '::1/128', precedence: 50, label: 0 }, { prefix: '::/0', precedence: 40, label: 1 }, { prefix: '::ffff:0:0/96', precedence: 35, label: 4 },
    { prefix: '2001:db8:2::/48', precedence: 30, label: 2 }, { prefix: 'fc00::/7', precedence: 3, label: 13 },
  ]);
}

describe('resolve: RFC 8305 interleaving', function () {
  const fam = (pattern: string): Array<{ family: Family; n: number }> => [...pattern].map((c, n) => ({ family: c === '6' ? 6 : 4, n }));
  const show = (list: Array<{ family: Family }>): string => list.map((r) => r.family).join('');
  const table: Array<[string, number, string]> = [
    ['666444', 1, '646464'],
    ['666444', 2, '664644'],
    ['66644', 1, '64646'],
    ['64444', 1, '64444'],
    ['4466', 1, '4646'],
    ['6666', 1, '6666'],
    ['', 1, ''],
    ['6', 1, '6'],
    ['666644', 3, '666464'],
  ];
  for (const [input, count, expected] of table) {
    it(`${input || '(none)'} with first family count ${count} -> ${expected || '(none)'}`, () => {
      const out = interleaveFamilies(fam(input), count);
      assert.equal(show(out), expected);
      assert.equal(out.length, input.length, 'nothing lost');
      // Within a family the order is kept.
      for (const f of [4, 6]) {
        const ns = out.filter((r) => r.family === f).map((r) => r.n);
        assert.deepEqual(ns, [...ns].sort((a, b) => a - b));
      }
    });
  }

  it('orderAddresses sorts, then interleaves', () => {
    const out = orderAddresses(['198.51.100.1', '198.51.100.2', '2001:db8::1', '2001:db8::2'].map(rec), { sources: ['2001:db8::9', '198.51.100.9'] });
    assert.deepEqual(addrs(out), ['2001:db8::1', '198.51.100.1', '2001:db8::2', '198.51.100.2']);
  });

  it('a first family count below 1 is refused', () => {
    assert.throws(() => orderAddresses([], { firstFamilyCount: 0 }), (e: unknown) => e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT');
  });
});
