import assert from 'node:assert/strict';
import { splitZone } from '../../../src/adapters/index.js';
import { hostWithZone, splitEgressOptions, connectOptionsFor } from '../../../src/adapters/options.js';
import { isHiperError } from '../../../src/shared/index.js';

describe('adapters: zones and options', function () {
  describe('hostWithZone', function () {
    const cases: Array<[string, string | undefined, string]> = [
      ['fe80::1', 'eth0', 'fe80::1%eth0'],
      ['[fe80::1]', 'eth0', 'fe80::1%eth0'],
      ['fe80::1', undefined, 'fe80::1'],
      ['fe80::1%eth1', 'eth0', 'fe80::1%eth1'],
      ['2001:db8::1', 'eth0', '2001:db8::1'],
      ['[2001:db8::1]', undefined, '2001:db8::1'],
      ['198.51.100.1', 'eth0', '198.51.100.1'],
      ['peer.test', 'eth0', 'peer.test'],
    ];
    for (const [host, zone, expected] of cases) {
      it(`${host} + ${zone ?? '(no zone)'} -> ${expected}`, () => assert.equal(hostWithZone(host, zone), expected));
    }
  });

  describe('splitZone', function () {
    const cases: Array<[string, { url: string; zone?: string }]> = [
      ['http://[fe80::1%25eth0]:8080/x?y', { url: 'http://[fe80::1]:8080/x?y', zone: 'eth0' }],
      ['https://[fe80::a:b%25h1]/', { url: 'https://[fe80::a:b]/', zone: 'h1' }],
      ['http://[fe80::1%eth0]/', { url: 'http://[fe80::1]/', zone: 'eth0' }],
      ['http://[2001:db8::1]:80/', { url: 'http://[2001:db8::1]/' }],
      ['http://peer.test:8080/a', { url: 'http://peer.test:8080/a' }],
    ];
    for (const [input, expected] of cases) {
      it(input, () => assert.deepEqual(splitZone(input), expected));
    }
    it('a URL that does not parse is ERR_INVALID_URL', () => {
      assert.throws(() => splitZone('http://[fe80::1%25]/'), (e: unknown) => isHiperError(e, 'ERR_INVALID_URL'));
    });
  });

  it('splitEgressOptions separates hiper\'s options from the rest', () => {
    const { egress, rest } = splitEgressOptions({ interface: 'if!h1', zone: 'h1', keepAlive: true, timeout: 5, connectTimeout: 7 });
    assert.deepEqual(egress, { interface: 'if!h1', zone: 'h1', connectTimeout: 7 });
    assert.deepEqual(rest, { keepAlive: true, timeout: 5 });
  });

  it('connectOptionsFor: the adapter\'s egress wins over per-request values', () => {
    const o = connectOptionsFor({ localAddress: '127.0.0.3', family: 4 }, { host: 'a.test', port: 1, localAddress: '127.0.0.2', family: 6, localPort: 4000 });
    assert.deepEqual(o, { host: 'a.test', port: 1, localAddress: '127.0.0.3', family: 4, localPort: 4000 });
  });
});
