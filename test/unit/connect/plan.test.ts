import assert from 'node:assert/strict';
import { planAttempts, parsePortRange, type Egress } from '../../../src/connect/index.js';
import { HiperError, type AddressRecord } from '../../../src/shared/index.js';
import { parseAddressLiteral } from '../../../src/bind/index.js';
import { fakeTable } from '../../helpers/fake-table.js';

const rec = (address: string, scopeId?: number): AddressRecord => ({
  address, family: address.includes(':') ? 6 : 4, source: 'pinned', ...(scopeId === undefined ? {} : { scopeId }),
});
const local = (a: string, scopeId?: number) => ({ ...parseAddressLiteral(a), ...(scopeId === undefined ? {} : { scopeId }) });

describe('attempt plan', () => {
  const table = fakeTable();
  const cases: Array<{ name: string; egress: Egress; records: AddressRecord[]; tried: string[]; locals: Array<string | undefined>; skipped: Array<[string, string, RegExp]> }> = [
    { name: 'no egress: every address, no binding', egress: {}, records: [rec('2001:db8:1::1'), rec('198.51.100.1')],
      tried: ['2001:db8:1::1', '198.51.100.1'], locals: [undefined, undefined], skipped: [] },
    { name: 'if!h2 skips the IPv6 address (bug 1189) and keeps IPv4', egress: { label: 'if!h2', device: 'h2' },
      records: [rec('2001:db8:1::1'), rec('198.51.100.1')], tried: ['198.51.100.1'], locals: ['203.0.113.2'],
      skipped: [['2001:db8:1::1', 'no-family', /^h2 has no IPv6 address usable for 2001:db8:1::1/]] },
    { name: 'if!h1 serves both families', egress: { label: 'if!h1', device: 'h1' },
      records: [rec('2001:db8:1::1'), rec('198.51.100.1')], tried: ['2001:db8:1::1', '198.51.100.1'], locals: ['2001:db8:1::2', '198.51.100.2'], skipped: [] },
    { name: 'if!h1 to a link-local remote gets the zone of h1', egress: { label: 'if!h1', device: 'h1' },
      records: [rec('fe80::9')], tried: ['fe80::9%h1'], locals: ['fe80::1:2'], skipped: [] },
    { name: 'a link-local remote on another link is skipped', egress: { label: 'if!h1', device: 'h1' },
      records: [rec('fe80::9', 3), rec('198.51.100.1')], tried: ['198.51.100.1'], locals: ['198.51.100.2'],
      skipped: [['fe80::9', 'no-scope', /on link h2, not on h1/]] },
    { name: 'a link-local remote without zone or interface is skipped', egress: {},
      records: [rec('fe80::9'), rec('198.51.100.1')], tried: ['198.51.100.1'], locals: [undefined], skipped: [['fe80::9', 'no-zone', /needs a zone id/]] },
    { name: 'a link-local remote with a zone is reached through its interface name', egress: {},
      records: [rec('fe80::9', 2)], tried: ['fe80::9%h1'], locals: [undefined], skipped: [] },
    { name: 'host!ADDR (IPv4) skips IPv6 remotes', egress: { label: 'host!198.51.100.2', locals: [local('198.51.100.2')] },
      records: [rec('2001:db8:1::1'), rec('198.51.100.1')], tried: ['198.51.100.1'], locals: ['198.51.100.2'],
      skipped: [['2001:db8:1::1', 'no-family', /host!198.51.100.2 has no IPv6 address/]] },
    { name: 'a link-local local address never serves a global remote', egress: { label: 'host!fe80::1:2%h1', locals: [local('fe80::1:2', 2)] },
      records: [rec('2001:db8:1::1')], tried: [], locals: [], skipped: [['2001:db8:1::1', 'no-family', /has no IPv6 address for/]] },
    { name: 'ifhost binds device and the given address', egress: { label: 'ifhost!h1!198.51.100.2', device: 'h1', locals: [local('198.51.100.2')] },
      records: [rec('198.51.100.1')], tried: ['198.51.100.1'], locals: ['198.51.100.2'], skipped: [] },
    { name: 'an interface with no address skips everything', egress: { label: 'if!down0', device: 'down0' },
      records: [rec('2001:db8:1::1'), rec('198.51.100.1')], tried: [], locals: [],
      skipped: [['2001:db8:1::1', 'no-family', /down0 has no IPv6 address/], ['198.51.100.1', 'no-family', /down0 has no IPv4 address/]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planAttempts(c.records, c.egress, table);
      assert.deepEqual(plan.candidates.map((x) => x.connectHost), c.tried);
      assert.deepEqual(plan.candidates.map((x) => x.localAddress), c.locals);
      assert.equal(plan.skips.length, c.skipped.length);
      plan.skips.forEach((s, i) => {
        const [remote, code, reason] = c.skipped[i]!;
        assert.equal(s.remote, remote);
        assert.equal(s.code, code);
        assert.match(s.reason, reason);
      });
    });
  }
});

describe('local port ranges', () => {
  const good: Array<[Parameters<typeof parsePortRange>[0], { first: number; last: number } | undefined]> = [
    [undefined, undefined], [4000, { first: 4000, last: 4000 }], ['4000', { first: 4000, last: 4000 }],
    ['4000-4010', { first: 4000, last: 4010 }], [[1, 65535], { first: 1, last: 65535 }],
  ];
  for (const [input, expected] of good) it(`parses ${JSON.stringify(input)}`, () => assert.deepEqual(parsePortRange(input), expected));
  const bad: Array<Parameters<typeof parsePortRange>[0]> = [0, 65536, 1.5, '', 'x', '10-5', '1-2-3', '-5', '5-', [5, 70000], 'a-b'];
  for (const input of bad) {
    it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => parsePortRange(input), (e: unknown) =>
      e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT' && e.input === input && e.message.includes(JSON.stringify(input))));
  }
});
