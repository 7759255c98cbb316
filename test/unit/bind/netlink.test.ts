import assert from 'node:assert/strict';
import { attribute, attributes, errorOf, splitMessages, NLMSG_DONE, NLMSG_ERROR, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE } from '../../../src/bind/netlink/wire.js';
import { decodeAddress, decodeLink, decodeRoute, routeRequest, addressBytes, addressText } from '../../../src/bind/netlink/messages.js';
import { readKernelTable } from '../../../src/bind/netlink/kernel.js';
import { InterfaceTable, tableFromKernel, linkUsable, addressUsable } from '../../../src/bind/interfaces.js';
import { diffTables } from '../../../src/bind/live.js';
import { lossesOf, lossOf } from '../../../src/multi/egress-loss.js';
import { Address6 } from 'ip-address';
import { needs } from '../../helpers/needs.js';
import { mulberry32 } from '../../helpers/prng.js';
import { ADDRESS_DUMP, LINK_DUMP, ROUTE_ERROR, ROUTE_REPLY, ROUTE_REQUEST } from './netlink-vectors.js';

const links = () => splitMessages(LINK_DUMP).filter((m) => m.type === RTM_NEWLINK).map((m) => decodeLink(m)!);
const addresses = () => splitMessages(ADDRESS_DUMP).filter((m) => m.type === RTM_NEWADDR).map((m) => decodeAddress(m)!);

describe('netlink: rtnetlink messages from captured kernel replies', () => {
  it('splits a dump into its messages, ending with NLMSG_DONE', () => {
    const all = splitMessages(LINK_DUMP);
    assert.deepEqual(all.map((m) => m.type), [RTM_NEWLINK, RTM_NEWLINK, RTM_NEWLINK, NLMSG_DONE]);
  });

  it('decodes links: name, index, operational state, type, kind, MTU, flags', () => {
    const got = links().map(({ mac: _mac, ...l }) => l);
    assert.deepEqual(got, [
      { index: 1, name: 'lo', state: 'unknown', type: 'loopback', flags: ['up', 'loopback', 'running', 'lower-up'], mtu: 65536 },
      { index: 2, name: 'p1', state: 'lowerlayerdown', type: 'ether', kind: 'veth', flags: ['up', 'broadcast', 'multicast'], mtu: 1500 },
      { index: 3, name: 'h1', state: 'down', type: 'ether', kind: 'veth', flags: ['broadcast', 'multicast'], mtu: 1400 },
    ]);
    assert.match(links()[2]!.mac!, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  });

  it('decodes addresses: prefix, kernel scope, the 32-bit flags and lifetimes', () => {
    assert.deepEqual(addresses(), [
      { index: 1, family: 4, address: '127.0.0.1', prefixLength: 8, kernelScope: 'host', flags: ['permanent'], label: 'lo' },
      { index: 3, family: 4, address: '198.51.100.2', prefixLength: 24, kernelScope: 'global', flags: ['permanent'], label: 'h1' },
      { index: 1, family: 6, address: '::1', prefixLength: 128, kernelScope: 'host', flags: ['permanent'] },
      { index: 3, family: 6, address: '2001:db8:1::2', prefixLength: 64, kernelScope: 'global', flags: ['nodad', 'deprecated'], preferredLifetime: 0, validLifetime: 3600 },
    ]);
  });

  it('encodes `ip route get 198.51.100.1 from 198.51.100.2` byte for byte', () => {
    assert.equal(routeRequest({ family: 4, to: '198.51.100.1', from: '198.51.100.2' }).toString('hex'), ROUTE_REQUEST.toString('hex'));
  });

  it('decodes the route answer: the output link', () => {
    const [m] = splitMessages(ROUTE_REPLY);
    assert.equal(m!.type, RTM_NEWROUTE);
    assert.deepEqual(decodeRoute(m!), { oif: 3 });
  });

  it('reads the errno of an NLMSG_ERROR (no route: ENETUNREACH)', () => {
    const [m] = splitMessages(ROUTE_ERROR);
    assert.equal(m!.type, NLMSG_ERROR);
    assert.equal(errorOf(m!), 101);
  });

  const bad: Array<[string, Buffer]> = [
    ['a header claiming more bytes than there are', LINK_DUMP.subarray(0, 100)],
    ['a length below the header size', Buffer.from('08000000100000000000000000000000', 'hex')],
  ];
  for (const [name, buf] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => splitMessages(buf), RangeError));
  }

  it('attributes: round trip, nested flags masked, a short attribute stops the walk', () => {
    const a = attribute(3, Buffer.from('h1\0'));
    const nested = Buffer.from(attribute(18, Buffer.from('x')));
    nested.writeUInt16LE(18 | 0x8000, 2); // NLA_F_NESTED
    const attrs = attributes(Buffer.concat([a, nested, Buffer.from([2, 0, 1, 0])]), 0);
    assert.deepEqual([...attrs.keys()], [3, 18]);
    assert.equal(attrs.get(3)!.toString(), 'h1\0');
  });

  it('attributes: with a list of wanted types, only those are kept', () => {
    const body = Buffer.concat([attribute(1, Buffer.from([1])), attribute(3, Buffer.from('h1\0')), attribute(4, Buffer.from([0, 5, 0, 0]))]);
    assert.deepEqual([...attributes(body, 0, [3, 4]).keys()], [3, 4]);
    assert.deepEqual([...attributes(body, 0, []).keys()], []);
  });

  // RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first of
  // equal runs) as "::", a single zero group written out.
  const texts: Array<[string, string]> = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000000000000000000000', '2001:db8::'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['fe800000000000000000000000000001', 'fe80::1'],
    ['00000000000000000000ffffc0000201', '::ffff:c000:201'],
    ['20010DB8ABCD0000000000000000FFFF', '2001:db8:abcd::ffff'],
  ];
  for (const [hex, text] of texts) {
    it(`IPv6 text of ${hex}: ${text}`, () => assert.equal(addressText(Buffer.from(hex, 'hex'), 6), text));
  }

  it('IPv6 text: as ip-address writes it, for 20,000 seeded addresses rich in zero groups', () => {
    const rnd = mulberry32(5952);
    for (let n = 0; n < 20_000; n++) {
      const b = Buffer.alloc(16);
      for (let i = 0; i < 16; i += 2) b.writeUInt16BE(rnd.chance(0.5) ? 0 : rnd.chance(0.3) ? 1 : rnd.int(0, 0xffff), i);
      assert.equal(addressText(b, 6), Address6.fromUnsignedByteArray([...b]).correctForm(), b.toString('hex'));
    }
  });

  const literals: Array<[string, 4 | 6]> = [['198.51.100.2', 4], ['2001:db8:1::2', 6], ['fe80::1', 6], ['::1', 6], ['2001:db8::', 6]];
  for (const [text, family] of literals) {
    it(`address bytes round trip: ${text}`, () => assert.equal(addressText(addressBytes(text, family), family), text));
  }
});

describe('netlink: the interface table from a kernel dump', () => {
  const table = new InterfaceTable(tableFromKernel({ links: links(), addresses: addresses() }), { source: 'netlink' });

  it('has every link, with or without addresses, and the os.networkInterfaces() fields', () => {
    assert.deepEqual(table.names(), ['lo', 'p1', 'h1']);
    assert.deepEqual(table.get('p1')!.addresses, []);
    const v6 = table.get('h1')!.addresses.find((a) => a.family === 6)!;
    assert.deepEqual(
      { cidr: v6.cidr, netmask: v6.netmask, scope: v6.scope, scopeId: v6.scopeId, flags: v6.flags },
      { cidr: '2001:db8:1::2/64', netmask: 'ffff:ffff:ffff:ffff::', scope: 'global', scopeId: 0, flags: ['nodad', 'deprecated'] },
    );
    assert.equal(table.get('h1')!.addresses.find((a) => a.family === 4)!.netmask, '255.255.255.0');
    assert.equal(table.get('lo')!.internal, true);
  });

  it('says which links can carry traffic: lo (unknown) yes, p1 (lowerlayerdown) and h1 (admin down) no', () => {
    assert.deepEqual(table.interfaces.map((i) => [i.name, linkUsable(i)]), [['lo', true], ['p1', false], ['h1', false]]);
  });

  it('a tentative or dadfailed address cannot be bound; a deprecated one can', () => {
    const base = table.get('h1')!.addresses[1]!;
    assert.equal(addressUsable(base), true);
    assert.equal(addressUsable({ ...base, flags: ['tentative'] }), false);
    assert.equal(addressUsable({ ...base, flags: ['dadfailed', 'permanent'] }), false);
  });

  it('reads this host through netlink', function () {
    const k = readKernelTable();
    needs(this, !('reason' in k), `no netlink: ${'reason' in k ? k.reason : ''}`);
    assert.ok(!('reason' in k) && k.links.some((l) => l.name === 'lo' && l.flags.includes('loopback')));
  });
});

describe('live table: what changed, and which connections it ends', () => {
  const base = tableFromKernel({ links: links(), addresses: addresses() });
  const before = new InterfaceTable(base, { source: 'netlink' });
  const edit = (f: (i: ReturnType<typeof tableFromKernel>) => void) => {
    const copy = structuredClone(base);
    f(copy);
    return new InterfaceTable(copy, { source: 'netlink' });
  };

  const cases: Array<{ name: string; after: InterfaceTable; changes: Array<[string, string]>; lostLinks: string[]; lostAddresses: string[] }> = [
    { name: 'nothing', after: edit(() => {}), changes: [], lostLinks: [], lostAddresses: [] },
    {
      name: 'h1 comes up',
      after: edit((t) => Object.assign(t[2]!, { state: 'up', flags: ['up', 'broadcast', 'running', 'multicast', 'lower-up'] })),
      changes: [['link-state', 'h1']], lostLinks: [], lostAddresses: [],
    },
    {
      name: 'p1 goes admin down',
      after: edit((t) => Object.assign(t[1]!, { state: 'down', flags: ['broadcast', 'multicast'] })),
      changes: [['link-state', 'p1']], lostLinks: ['p1'], lostAddresses: [],
    },
    {
      name: 'h1 is deleted with its addresses',
      after: edit((t) => t.splice(2, 1)),
      changes: [['link-removed', 'h1']], lostLinks: ['h1'], lostAddresses: [],
    },
    {
      name: "h1's IPv4 address is removed",
      after: edit((t) => t[2]!.addresses.splice(0, 1)),
      changes: [['address-removed', 'h1']], lostLinks: [], lostAddresses: ['198.51.100.2'],
    },
    {
      name: "h1's IPv6 address leaves deprecation",
      after: edit((t) => { t[2]!.addresses[1]!.flags = ['nodad']; }),
      changes: [['address-flags', 'h1']], lostLinks: [], lostAddresses: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const changes = diffTables(before, c.after);
      assert.deepEqual(changes.map((x) => [x.kind, x.name]), c.changes);
      const l = lossesOf(changes);
      assert.deepEqual([...l.links.keys()], c.lostLinks);
      assert.deepEqual([...l.addresses.keys()], c.lostAddresses);
    });
  }

  it('a connection pinned to a lost link ends; an unpinned one only with its local address', () => {
    const l = lossesOf(diffTables(before, edit((t) => { t[2]!.state = 'down'; t[2]!.flags = ['broadcast']; t[2]!.addresses.splice(0, 1); })));
    assert.equal(lossOf(l, 'h1', '2001:db8:1::2')?.link, 'h1');
    assert.match(lossOf(l, 'h1', '2001:db8:1::2')!.why, /^link h1 went administratively down$/);
    assert.match(lossOf(l, undefined, '198.51.100.2')!.why, /^address 198\.51\.100\.2\/24 was removed from h1$/);
    assert.equal(lossOf(l, undefined, '127.0.0.1'), undefined);
    assert.equal(lossOf(l, 'lo', '127.0.0.1'), undefined);
  });
});
