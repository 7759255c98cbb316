import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AddressRecord, Family } from '../../../src/shared/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { chooseSource, classify, interleaveFamilies, orderAddresses, prepareSources, sortByRfc6724 } from '../../../src/resolve/index.js';
import { addressBytes } from '../../../src/resolve/policy.js';

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
