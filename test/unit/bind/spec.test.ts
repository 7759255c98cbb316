import assert from 'node:assert/strict';
import { parseInterfaceSpec, formatInterfaceSpec } from '../../../src/bind/index.js';
import { HiperError } from '../../../src/shared/index.js';

describe('parseInterfaceSpec', () => {
  const valid: Array<[string, ReturnType<typeof parseInterfaceSpec>]> = [
    ['eth0', { kind: 'dev', iface: 'eth0', host: 'eth0' }],
    ['192.0.2.1', { kind: 'dev', iface: '192.0.2.1', host: '192.0.2.1' }],
    ['if!eth0', { kind: 'if', iface: 'eth0' }],
    ['if!veth-a.10', { kind: 'if', iface: 'veth-a.10' }],
    ['host!198.51.100.2', { kind: 'host', host: '198.51.100.2' }],
    ['host!myhost.example', { kind: 'host', host: 'myhost.example' }],
    ['host!fe80::1%eth0', { kind: 'host', host: 'fe80::1%eth0' }],
    ['ifhost!eth0!198.51.100.2', { kind: 'ifhost', iface: 'eth0', host: '198.51.100.2' }],
    ['ifhost!eth0!2001:db8::1', { kind: 'ifhost', iface: 'eth0', host: '2001:db8::1' }],
    // curl splits ifhost at the first "!" after the prefix; the rest is the host
    ['ifhost!eth0!a!b', { kind: 'ifhost', iface: 'eth0', host: 'a!b' }],
    // a prefix must be complete: these are plain names
    ['if', { kind: 'dev', iface: 'if', host: 'if' }],
    ['ifx!eth0', { kind: 'dev', iface: 'ifx!eth0', host: 'ifx!eth0' }],
  ];
  for (const [spec, expected] of valid) {
    it(`parses ${JSON.stringify(spec)}`, () => {
      assert.deepEqual(parseInterfaceSpec(spec), expected);
      assert.deepEqual(parseInterfaceSpec(formatInterfaceSpec(expected)), expected);
    });
  }

  const invalid: Array<[unknown, RegExp]> = [
    ['', /empty/],
    ['if!', /interface name is empty/],
    ['host!', /host part is empty/],
    ['ifhost!', /expected ifhost!INTERFACE!HOST/],
    ['ifhost!eth0', /expected ifhost!INTERFACE!HOST/],
    ['ifhost!eth0!', /host part is empty/],
    ['ifhost!!198.51.100.2', /interface name is empty/],
    ['if!abcdefghijklmnop', /longer than 15/],
    ['if!eth 0', /space/],
    ['if!a/b', /space or "\/"/],
    ['host!a b', /white space/],
    ['eth 0', /white space/],
    [42, /must be a string/],
  ];
  for (const [spec, message] of invalid) {
    it(`refuses ${JSON.stringify(spec)} with ERR_INVALID_INTERFACE_SPEC naming it`, () => {
      assert.throws(() => parseInterfaceSpec(spec as string), (err: unknown) => {
        assert.ok(err instanceof HiperError);
        assert.equal(err.code, 'ERR_INVALID_INTERFACE_SPEC');
        assert.equal(err.input, spec);
        assert.match(err.message, message);
        if (typeof spec === 'string' && spec !== '') assert.ok(err.message.includes(spec));
        return true;
      });
    });
  }
});
