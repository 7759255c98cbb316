import assert from 'node:assert/strict';
import { InterfaceTable, type InterfaceAddress, type InterfaceChange, type NetworkInterface } from '../../../src/bind/index.js';
import type { AddressFlag } from '../../../src/bind/netlink/messages.js';
import { givesWay, linkOrderOf, linksBack, LinkMemory } from '../../../src/multi/failover.js';
import { egressKey } from '../../../src/multi/options.js';
import { HiperError } from '../../../src/shared/index.js';

const UP = ['up', 'running', 'lower-up'];
const v4 = (address: string, flags: AddressFlag[] = []): InterfaceAddress => ({ address, family: 4, cidr: `${address}/24`, netmask: '255.255.255.0', scope: 'global', internal: false, flags });
const v6 = (address: string, flags: AddressFlag[] = []): InterfaceAddress => ({ address, family: 6, cidr: `${address}/64`, netmask: '', scope: 'global', scopeId: 0, internal: false, flags });
const link = (name: string, index: number, up: boolean, addresses: InterfaceAddress[]): NetworkInterface =>
  ({ name, index, internal: false, addresses, state: up ? 'up' : 'down', flags: up ? UP : [] });
const table = new InterfaceTable([
  link('wan0', 2, true, [v4('198.51.100.2'), v6('2001:db8:1::2')]),
  link('wan1', 3, true, [v4('198.51.100.2'), v6('2001:db8:2::2', ['tentative'])]),
  link('wan2', 4, false, [v4('198.51.100.2')]),
], { source: 'netlink' });

const state = (name: string, usable: boolean): InterfaceChange => ({ kind: 'link-state', name, from: usable ? 'down' : 'up', to: usable ? 'up' : 'down', flagsFrom: usable ? [] : UP, flagsTo: usable ? UP : [], usable });
const promisc = (name: string): InterfaceChange => ({ kind: 'link-state', name, from: 'up', to: 'up', flagsFrom: UP, flagsTo: [...UP, 'promisc'], usable: true });
const carrier = (name: string): InterfaceChange => ({ kind: 'link-state', name, from: 'lowerlayerdown', to: 'up', flagsFrom: ['up'], flagsTo: UP, usable: true });
const address = (name: string): InterfaceChange => ({ kind: 'address-added', name, address: '198.51.100.2', cidr: '198.51.100.2/24', family: 4 });
const dadDone = (name: string): InterfaceChange => ({ kind: 'address-flags', name, address: '2001:db8:1::2', cidr: '2001:db8:1::2/64', family: 6, from: ['tentative'], to: [] });
const v6Added = (name: string, address: string): InterfaceChange => ({ kind: 'address-added', name, address, cidr: `${address}/64`, family: 6 });
const deprecated = (name: string): InterfaceChange => ({ kind: 'address-flags', name, address: '2001:db8:1::2', cidr: '2001:db8:1::2/64', family: 6, from: [], to: ['deprecated'] });

describe('failback: which links came back', () => {
  const cases: Array<[string, InterfaceChange[], string[]]> = [
    ['a link set up', [state('wan0', true)], ['wan0']],
    ['a link going down is not back', [state('wan0', false)], []],
    ['a link getting its carrier back', [carrier('wan1')], ['wan1']],
    ['a flag changing on a link that stays up', [promisc('wan0')], []],
    ['an address added on a link that is up', [address('wan1')], ['wan1']],
    ['an address added on a link still down', [address('wan2')], []],
    ['duplicate address detection done on a link that is up', [dadDone('wan0')], ['wan0']],
    ['an address added still in duplicate address detection', [v6Added('wan1', '2001:db8:2::2')], []],
    ['an address deprecated', [deprecated('wan0')], []],
    ['a link added up', [{ kind: 'link-added', name: 'wan3', usable: true }], ['wan3']],
    ['a link removed', [{ kind: 'link-removed', name: 'wan0', usable: false }], []],
    ['an address removed', [{ kind: 'address-removed', name: 'wan0', address: '198.51.100.2', cidr: '198.51.100.2/24', family: 4 }], []],
  ];
  for (const [name, changes, back] of cases) it(name, () => assert.deepEqual([...linksBack(changes, table)], back));
});

describe('failback: which connections give way', () => {
  const on = linkOrderOf({ interface: ['if!wan0', 'ifhost!wan1!203.0.113.2', 'wan2'] })!;
  const off = linkOrderOf({ interface: ['if!wan0', 'if!wan1'], failback: false })!;
  const cases: Array<[string, typeof on, string | undefined, string[], boolean]> = [
    ['on the second link when the first is back', on, 'wan1', ['wan0'], true],
    ['on the third link when the second is back', on, 'wan2', ['wan1'], true],
    ['on the first link: nothing comes before it', on, 'wan0', ['wan0', 'wan1'], false],
    ['on the second link when only the third is back', on, 'wan1', ['wan2'], false],
    ['on the second link when an unrelated link is back', on, 'wan1', ['eth9'], false],
    ['without failback: stays', off, 'wan1', ['wan0'], false],
    ['a connection with no link', on, undefined, ['wan0'], false],
  ];
  for (const [name, order, link, back, expected] of cases) it(name, () => assert.equal(givesWay(order, link, new Set(back)), expected));
});

describe('failback off: the link that last served goes first', () => {
  const order = linkOrderOf({ interface: ['if!wan0', 'if!wan1', 'if!wan2'], failback: false })!;
  const cases: Array<[string, Array<string | undefined>, string[] | undefined]> = [
    ['nothing served yet: as written', [], undefined],
    ['the first link served: as written', ['wan0'], undefined],
    ['the second served: it first, the others in their order', ['wan0', 'wan1'], ['if!wan1', 'if!wan0', 'if!wan2']],
    ['the third served last', ['wan1', 'wan2'], ['if!wan2', 'if!wan0', 'if!wan1']],
    ['a link not in the list changes nothing', ['wan1', 'eth9'], ['if!wan1', 'if!wan0', 'if!wan2']],
    ['no link known changes nothing', ['wan1', undefined], ['if!wan1', 'if!wan0', 'if!wan2']],
  ];
  for (const [name, served, expected] of cases) {
    it(name, () => {
      const memory = new LinkMemory();
      for (const l of served) memory.served(order, l);
      assert.deepEqual(memory.specsFor(order), expected);
    });
  }

  it('with failback the order is always as written', () => {
    const memory = new LinkMemory();
    const withFailback = linkOrderOf({ interface: ['if!wan0', 'if!wan1'] })!;
    memory.served(withFailback, 'wan1');
    assert.equal(memory.specsFor(withFailback), undefined);
  });
});

describe('failback: a connect under way when an earlier link came back', () => {
  const order = linkOrderOf({ interface: ['if!wan0', 'if!wan1', 'if!wan2'] })!;
  const off = linkOrderOf({ interface: ['if!wan0', 'if!wan1'], failback: false })!;
  const cases: Array<[string, typeof order, string[][], number, string, boolean]> = [
    // name, order, links back in successive changes, changes before the connect started, link it ended on, gives way
    ['nothing came back', order, [], 0, 'wan1', false],
    ['the first link came back during the connect', order, [['wan0']], 0, 'wan1', true],
    ['the first link came back before the connect started', order, [['wan0']], 1, 'wan1', false],
    ['the first came back before, the second during: a connect ending on the third', order, [['wan0'], ['wan1']], 1, 'wan2', true],
    ['the first came back before, the second during: a connect ending on the second', order, [['wan0'], ['wan1']], 1, 'wan1', false],
    ['a later link came back during the connect', order, [['wan2']], 0, 'wan1', false],
    ['ended on the first link', order, [['wan0']], 0, 'wan0', false],
    ['failback off', off, [['wan0']], 0, 'wan1', false],
  ];
  for (const [name, o, backs, before, link, expected] of cases) {
    it(name, () => {
      const memory = new LinkMemory();
      backs.slice(0, before).forEach((b) => memory.cameBack(new Set(b)));
      const mark = memory.mark;
      backs.slice(before).forEach((b) => memory.cameBack(new Set(b)));
      assert.equal(memory.cameBackSince(o, link, mark), expected);
    });
  }
});

describe('interface lists in pool keys', () => {
  it('a single spec is no list, and costs no list parsing', () => {
    assert.equal(linkOrderOf({ interface: 'if!wan0' }), undefined);
    assert.equal(linkOrderOf({ interface: ['if!wan0'] }), undefined);
  });
  it('lists in another order, or with failback off, are other pools', () => {
    const keys = [
      egressKey({ url: 'http://x', interface: ['if!wan0', 'if!wan1'] }, undefined),
      egressKey({ url: 'http://x', interface: ['if!wan1', 'if!wan0'] }, undefined),
      egressKey({ url: 'http://x', interface: ['if!wan0', 'if!wan1'], failback: false }, undefined),
      egressKey({ url: 'http://x', interface: 'if!wan0' }, undefined),
    ];
    assert.equal(new Set(keys).size, keys.length);
  });
  it('a bad list is refused with the spec named', () => {
    assert.throws(() => linkOrderOf({ interface: ['if!wan0', 'host!198.51.100.2'] }), (e: unknown) => e instanceof HiperError && e.input === 'host!198.51.100.2');
  });
});
