/**
 * RFC 6724 ordering for a connection pinned to an interface: each destination's source is the address
 * if2ip binds there (flags and all), never the kernel route's, and a destination the interface cannot
 * serve has none (rule 1 puts it last).
 */
import assert from 'node:assert/strict';
import { InterfaceTable, type InterfaceAddress, type NetworkInterface } from '../../../src/bind/index.js';
import { sourcePicker } from '../../../src/resolve/sources.js';
import { sortByRfc6724, type Orderable } from '../../../src/resolve/index.js';

function address(text: string, flags: InterfaceAddress['flags'] = []): InterfaceAddress {
  const [a, len] = text.split('/');
  return { address: a!, family: a!.includes(':') ? 6 : 4, cidr: text, netmask: '', scope: a!.startsWith('fe80') ? 'link-local' : 'global', internal: false, prefixLength: Number(len), flags };
}
const link = (name: string, index: number, addresses: InterfaceAddress[]): NetworkInterface => ({ name, index, internal: false, addresses, state: 'up', flags: ['up'], type: 'ether' });

const table = new InterfaceTable([
  link('h1', 2, [address('2001:db8:1::2/64', ['deprecated']), address('198.51.100.2/24')]),
  link('h2', 3, [address('2001:db8:2::2/64')]),
  link('v4only', 4, [address('203.0.113.2/24')]),
], { source: 'netlink' });

const d = (address: string): Orderable => ({ address, family: address.includes(':') ? 6 : 4 });
const never = (): never => { throw new Error('a pinned interface asks no route'); };

describe('resolve: sources on a pinned interface', () => {
  const cases: Array<[string, string, string | undefined, readonly string[] | undefined]> = [
    ['h1', '2001:db8:9::1', '2001:db8:1::2', ['deprecated']],
    ['h1', '198.51.100.1', '198.51.100.2', []],
    ['h2', '2001:db8:9::1', '2001:db8:2::2', []],
    ['v4only', '2001:db8:9::1', undefined, undefined],
    ['missing0', '198.51.100.1', undefined, undefined],
  ];
  for (const [iface, to, source, flags] of cases) {
    it(`${iface} to ${to}: ${source ?? 'no source'}`, () => {
      const s = sourcePicker(table, { interface: iface, route: never })(d(to));
      assert.equal(s?.address, source);
      assert.deepEqual(s?.flags, flags);
    });
  }

  const orders: Array<[string | undefined, string[]]> = [
    // Unpinned, the kernel's route gives h2's preferred address: IPv6 first (precedence).
    [undefined, ['2001:db8:9::1', '198.51.100.1']],
    // Pinned to h1, whose only IPv6 address is deprecated: rule 3 puts IPv4 first.
    ['h1', ['198.51.100.1', '2001:db8:9::1']],
    ['h2', ['2001:db8:9::1', '198.51.100.1']],
    // An interface without IPv6: no source for the IPv6 destination, rule 1 puts it last.
    ['v4only', ['198.51.100.1', '2001:db8:9::1']],
  ];
  for (const [iface, expected] of orders) {
    it(`ordered ${iface === undefined ? 'unpinned' : `pinned to ${iface}`}: ${expected.join(', ')}`, () => {
      const sourceFor = sourcePicker(table, {
        ...(iface !== undefined ? { interface: iface } : {}),
        route: (q) => (q.family === 6 ? { oif: 3, prefsrc: '2001:db8:2::2' } : { oif: 2, prefsrc: '198.51.100.2' }),
      });
      assert.deepEqual(sortByRfc6724([d('2001:db8:9::1'), d('198.51.100.1')], { sourceFor }).map((r) => r.address), expected);
    });
  }
});
