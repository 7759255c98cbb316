import assert from 'node:assert/strict';
import { selectSource, commonPrefixLen, type SelectableSource, type SourceRule } from '../../../src/bind/source-select.js';
import { addressBytes } from '../../../src/shared/address-policy.js';

const c = (text: string): SelectableSource => {
  // "2001:db8::2 deprecated temporary @3 /48": flags, outgoing interface index and prefix length after the address.
  const [address, ...rest] = text.split(' ');
  const flags = rest.filter((w) => /^[a-z]/.test(w));
  const index = rest.find((w) => w.startsWith('@'));
  const prefix = rest.find((w) => w.startsWith('/'));
  return {
    address: address!, family: address!.includes(':') ? 6 : 4,
    ...(flags.length > 0 ? { flags } : {}),
    ...(index !== undefined ? { interfaceIndex: Number(index.slice(1)) } : {}),
    ...(prefix !== undefined ? { prefixLength: Number(prefix.slice(1)) } : {}),
  };
};

describe('bind: RFC 6724 section 5 source address selection', function () {
  // [destination, candidates, options, expected source, rule that chose]
  const cases: Array<[string, string[], Parameters<typeof selectSource>[2], string, SourceRule]> = [
    // Section 10.1's examples.
    ['2001:db8:1::1', ['2001:db8:3::1', 'fe80::1'], {}, '2001:db8:3::1', 'scope'],
    ['ff05::1', ['2001:db8:3::1', 'fe80::1'], {}, '2001:db8:3::1', 'scope'],
    ['2001:db8:1::1', ['2001:db8:1::1', '2001:db8:2::1'], {}, '2001:db8:1::1', 'same-address'],
    ['fe80::1', ['fe80::2', '2001:db8:1::1'], {}, 'fe80::2', 'scope'],
    ['2001:db8:1::1', ['2001:db8:1::2', '2001:db8:3::2'], {}, '2001:db8:1::2', 'longest-prefix'],
    ['2001:db8:1::1', ['2001:db8:1::2', '2001:db8:3::2 home'], {}, '2001:db8:3::2', 'home'],
    ['2001:db8:1::d5e3:0:0:1', ['2001:db8:1::2', '2001:db8:1::d5e3:7953:13eb:22e8 temporary'], { preferTemporary: true }, '2001:db8:1::d5e3:7953:13eb:22e8', 'temporary'],
    ['2002:c633:6401::1', ['2002:c633:6401::d5e3:7953:13eb:22e8', '2001:db8:1::2'], {}, '2002:c633:6401::d5e3:7953:13eb:22e8', 'label'],
    // One rule at a time.
    ['2001:db8:1::1', ['2001:db8:1::2 deprecated', '2001:db8:9::2'], {}, '2001:db8:9::2', 'not-deprecated'],
    ['2001:db8:1::1', ['2001:db8:1::2 @2', '2001:db8:9::2 @3'], { outgoingInterface: 3 }, '2001:db8:9::2', 'outgoing-interface'],
    ['2001:db8:1::d5e3:0:0:1', ['2001:db8:1::d5e3:7953:13eb:22e8 temporary', '2001:db8:1::2'], {}, '2001:db8:1::2', 'public'],
    ['2001:db8:1::1', ['2001:db8:1::2'], {}, '2001:db8:1::2', 'only'],
    ['2001:db8:1::1', ['2001:db8:5::2', '2001:db8:7::2'], {}, '2001:db8:5::2', 'order'],
    // The rules in their order: deprecation before the outgoing interface, the outgoing interface before the label.
    ['2001:db8:1::1', ['2001:db8:1::2 deprecated @3', '2001:db8:9::2 @2'], { outgoingInterface: 3 }, '2001:db8:9::2', 'not-deprecated'],
    ['2001:db8:1::1', ['2001:db8:1::2 @2', '2002:c633:6401::2 @3'], { outgoingInterface: 3 }, '2002:c633:6401::2', 'outgoing-interface'],
    // Rule 8 stops at the source's prefix: a /48 source shares at most 48 bits.
    ['2001:db8:1:1::1', ['2001:db8:1:1::2 /48', '2001:db8:1::2 /56'], {}, '2001:db8:1::2', 'longest-prefix'],
    // IPv4 (section 5 is for IPv6, but the same rules serve IPv4 sources as the kernel does).
    ['198.51.100.7', ['192.0.2.2 /24', '198.51.100.2 /24'], {}, '198.51.100.2', 'longest-prefix'],
    ['198.51.100.7', ['2001:db8::2', '192.0.2.2'], {}, '192.0.2.2', 'only'],
  ];
  for (const [dest, candidates, options, expected, rule] of cases) {
    it(`${dest} from ${candidates.join(' | ')}${options && Object.keys(options).length ? ` ${JSON.stringify(options)}` : ''}: ${expected} by ${rule}`, () => {
      const got = selectSource({ address: dest, family: dest.includes(':') ? 6 : 4 }, candidates.map(c), options);
      assert.equal(got?.source.address, expected);
      assert.equal(got?.rule, rule);
      // The candidates' order does not change the choice (only the 'order' rule's own case depends on it).
      if (rule !== 'order') assert.equal(selectSource({ address: dest, family: dest.includes(':') ? 6 : 4 }, [...candidates].reverse().map(c), options)?.source.address, expected);
    });
  }

  it('no candidate of the family: undefined', () => {
    assert.equal(selectSource({ address: '2001:db8::1', family: 6 }, [c('192.0.2.2')]), undefined);
  });

  it('CommonPrefixLen stops at the source prefix (section 2.2)', () => {
    const b = (t: string): Uint8Array => addressBytes(t)!;
    assert.equal(commonPrefixLen(b('fe80::1'), undefined, b('fe80::2'), 6), 64);
    assert.equal(commonPrefixLen(b('2001:db8:1::1'), 128, b('2001:db8:1::1'), 6), 128);
    assert.equal(commonPrefixLen(b('2001:db8:3f44::2'), 64, b('2001:db8:3ffe::1'), 6), 40);
    assert.equal(commonPrefixLen(b('198.51.100.2'), 24, b('198.51.100.200'), 4), 24);
    assert.equal(commonPrefixLen(b('198.51.100.2'), undefined, b('198.51.100.3'), 4), 31);
  });
});
