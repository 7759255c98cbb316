import assert from 'node:assert/strict';
import { if2ip, parseAddressLiteral, type RemoteAddress } from '../../../src/bind/index.js';
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
