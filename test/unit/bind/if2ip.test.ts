import assert from 'node:assert/strict';
import { if2ip, InterfaceTable, parseAddressLiteral, type InterfaceAddress, type RemoteAddress } from '../../../src/bind/index.js';
import { fakeTable } from '../../helpers/fake-table.js';

function remote(text: string, scopeId?: number): RemoteAddress {
  const p = parseAddressLiteral(text);
  return { address: p.address, family: p.family, scope: p.scope, ...(scopeId === undefined ? {} : { scopeId }) };
}

describe('if2ip', () => {
  const table = fakeTable();
  const cases: Array<[string, string, number | undefined, string, string | undefined, number | undefined]> = [
    // iface, remote, remote scope id, status, local address, scope id
    ['h1', '198.51.100.1', undefined, 'found', '198.51.100.2', undefined],
    ['h2', '198.51.100.1', undefined, 'found', '203.0.113.2', undefined],
    ['h1', '2001:db8:1::1', undefined, 'found', '2001:db8:1::2', undefined],
    ['h2', '2001:db8:1::1', undefined, 'no-family', undefined, undefined], // h2 has only a link-local v6
    ['h1', 'fe80::9', undefined, 'found', 'fe80::1:2', 2],
    ['h1', 'fe80::9', 2, 'found', 'fe80::1:2', 2],
    ['h2', 'fe80::9', 3, 'found', 'fe80::2:2', 3],
    ['h1', 'fe80::9', 3, 'no-scope', undefined, undefined], // remote is on h2's link
    ['lo', '::1', undefined, 'found', '::1', undefined],
    ['lo', '2001:db8:1::1', undefined, 'no-scope', undefined, undefined],
    ['lo', 'fe80::9', undefined, 'no-scope', undefined, undefined],
    ['down0', '198.51.100.1', undefined, 'no-family', undefined, undefined],
    ['down0', '2001:db8:1::1', undefined, 'no-family', undefined, undefined],
    ['nosuch', '198.51.100.1', undefined, 'not-found', undefined, undefined],
  ];
  for (const [iface, addr, scopeId, status, local, localScope] of cases) {
    it(`${iface} for ${addr}${scopeId ? `%${scopeId}` : ''} -> ${status}${local ? ` ${local}` : ''}`, () => {
      const r = if2ip(table, iface, remote(addr, scopeId));
      assert.equal(r.status, status);
      if (r.status === 'found') {
        assert.equal(r.local.address, local);
        assert.equal(r.scopeId, localScope);
      } else {
        assert.equal(r.iface, iface);
        assert.match(r.reason, new RegExp(iface));
      }
    });
  }

  it('says in words that an interface lacks the family', () => {
    const r = if2ip(fakeTable(), 'down0', remote('2001:db8::1'));
    assert.equal(r.status === 'no-family' && r.reason, 'down0 has no IPv6 address');
  });
});

describe('if2ip: RFC 6724 section 5 among an interface\'s addresses', () => {
  const a = (address: string, flags: InterfaceAddress['flags'] = []): InterfaceAddress =>
    ({ address, family: address.includes(':') ? 6 : 4, cidr: `${address}/64`, netmask: '', scope: 'global', internal: false, prefixLength: 64, flags });
  // A global, a temporary and a deprecated address of the same family, in an order where the first is the worst.
  const table = new InterfaceTable([{
    name: 'h1', index: 2, internal: false, state: 'up', flags: ['up'],
    addresses: [a('2001:db8:1::d', ['deprecated']), a('2001:db8:1::7e3:9a1:55c0:2', ['temporary']), a('2001:db8:1::2', ['permanent'])],
  }], { source: 'netlink' });
  const cases: Array<[string, { preferTemporary?: boolean }, string, string]> = [
    ['2001:db8:2::1', {}, '2001:db8:1::2', 'public'],
    ['2001:db8:2::1', { preferTemporary: true }, '2001:db8:1::7e3:9a1:55c0:2', 'temporary'],
    ['2001:db8:1::d', {}, '2001:db8:1::d', 'same-address'],
  ];
  for (const [to, options, local, rule] of cases) {
    it(`to ${to}${options.preferTemporary ? ' preferring temporary' : ''}: ${local} by ${rule}`, () => {
      const r = if2ip(table, 'h1', remote(to), options);
      assert.equal(r.status, 'found');
      if (r.status !== 'found') return;
      assert.equal(r.local.address, local);
      assert.equal(r.rule, rule);
    });
  }

  it('deprecated loses to either of the others', () => {
    const only = new InterfaceTable([{ name: 'h1', index: 2, internal: false, addresses: [a('2001:db8:1::d', ['deprecated']), a('2001:db8:9::2')] }]);
    const r = if2ip(only, 'h1', remote('2001:db8:1::1'));
    assert.ok(r.status === 'found' && r.local.address === '2001:db8:9::2' && r.rule === 'not-deprecated');
  });
});
