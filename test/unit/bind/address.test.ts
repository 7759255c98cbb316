import assert from 'node:assert/strict';
import { parseAddress, parseZonedAddress, addressScope, addressFamily, formatWithZone } from '../../../src/bind/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { fakeTable } from '../../helpers/fake-table.js';

describe('address literals and zone ids', () => {
  const table = fakeTable();
  const cases: Array<[string, { address: string; family: 4 | 6; scope: string; zone?: string; scopeId?: number } | undefined]> = [
    ['198.51.100.1', { address: '198.51.100.1', family: 4, scope: 'global' }],
    ['127.0.0.1', { address: '127.0.0.1', family: 4, scope: 'loopback' }],
    ['169.254.1.1', { address: '169.254.1.1', family: 4, scope: 'link-local' }],
    ['2001:db8:0:0::1', { address: '2001:db8::1', family: 6, scope: 'global' }],
    ['[2001:db8::1]', { address: '2001:db8::1', family: 6, scope: 'global' }],
    ['::1', { address: '::1', family: 6, scope: 'loopback' }],
    ['::ffff:198.51.100.1', { address: '::ffff:c633:6401', family: 6, scope: 'global' }],
    ['fe80::1', { address: 'fe80::1', family: 6, scope: 'link-local' }],
    ['fe80::1%h1', { address: 'fe80::1', family: 6, scope: 'link-local', zone: 'h1', scopeId: 2 }],
    ['fe80::1%3', { address: 'fe80::1', family: 6, scope: 'link-local', zone: '3', scopeId: 3 }],
    ['[fe80::1%25h2]', { address: 'fe80::1', family: 6, scope: 'link-local', zone: 'h2', scopeId: 3 }],
    ['[fe80::1%252]', { address: 'fe80::1', family: 6, scope: 'link-local', zone: '2', scopeId: 2 }],
    ['[fe80::1%h1]', { address: 'fe80::1', family: 6, scope: 'link-local', zone: 'h1', scopeId: 2 }],
    ['FE80::A%h1', { address: 'fe80::a', family: 6, scope: 'link-local', zone: 'h1', scopeId: 2 }],
    ['ff02::1%h1', { address: 'ff02::1', family: 6, scope: 'link-local', zone: 'h1', scopeId: 2 }],
    ['example.com', undefined],
    ['[198.51.100.1]', undefined],
    ['1.2.3', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${text}`, () => {
      const parsed = parseAddress(text);
      if (!expected) return assert.equal(parsed, undefined);
      const zoned = parseZonedAddress(text, table);
      const { zoneName: _n, ...rest } = zoned;
      assert.deepEqual(rest, expected);
    });
  }

  const bad: Array<[string, string, RegExp]> = [
    ['fe80::1%nosuch', 'ERR_UNKNOWN_ZONE', /"nosuch".*names no interface.*h1/],
    ['fe80::1%99', 'ERR_UNKNOWN_ZONE', /"99"/],
    ['[fe80::1%25nosuch]', 'ERR_UNKNOWN_ZONE', /"nosuch"/],
    ['fe80::1%', 'ERR_INVALID_ADDRESS', /invalid zone id/],
    ['[fe80::1%25]', 'ERR_INVALID_ADDRESS', /invalid zone id/],
    ['2001:db8::1%h1', 'ERR_INVALID_ADDRESS', /not a link-local address/],
    ['fe80::1%a b', 'ERR_INVALID_ADDRESS', /invalid zone id/],
    ['example.com', 'ERR_INVALID_ADDRESS', /is not an IP address/],
  ];
  for (const [text, code, message] of bad) {
    it(`refuses ${text} with ${code}`, () => {
      assert.throws(() => parseZonedAddress(text, table), (err: unknown) =>
        err instanceof HiperError && err.code === code && err.input === text && message.test(err.message));
    });
  }

  it('classifies families and scopes', () => {
    assert.equal(addressFamily('198.51.100.1'), 4);
    assert.equal(addressFamily('2001:db8::1'), 6);
    assert.equal(addressFamily('fe80::1%h1'), 0);
    assert.equal(addressFamily('host.example'), 0);
    assert.equal(addressScope('::ffff:127.0.0.1', 6), 'loopback');
    assert.equal(formatWithZone('fe80::1', 'h1'), 'fe80::1%h1');
    assert.equal(formatWithZone('198.51.100.1', undefined), '198.51.100.1');
  });
});
