/**
 * The attempt plan and RFC 6724: pinned addresses keep their written order but one the host has no
 * route to is skipped (rule 1) instead of costing an attempt; the source on a pinned interface is
 * chosen by section 5 with the caller's options, and the candidate names the rule.
 */
import assert from 'node:assert/strict';
import { planAttempts, type Egress } from '../../../src/connect/index.js';
import { InterfaceTable, type InterfaceAddress, type RouteInfo, type RouteQuery, type Unavailable } from '../../../src/bind/index.js';
import type { AddressRecord, AddressSource } from '../../../src/shared/index.js';

const rec = (address: string, source: AddressSource = 'pinned'): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, source });
const a = (address: string, flags: InterfaceAddress['flags'] = []): InterfaceAddress =>
  ({ address, family: address.includes(':') ? 6 : 4, cidr: `${address}/64`, netmask: '', scope: 'global', internal: false, prefixLength: 64, flags });

function table(source: 'netlink' | 'os'): InterfaceTable {
  return new InterfaceTable([{
    name: 'h1', index: 2, internal: false, state: 'up', flags: ['up'],
    addresses: [a('198.51.100.2'), a('2001:db8:1::d', ['deprecated']), a('2001:db8:1::7e3:9a1:55c0:2', ['temporary']), a('2001:db8:1::2', ['permanent'])],
  }], source === 'netlink' ? { source } : { source });
}

/** A route lookup that answers from a list of unreachable destinations, counting its calls. */
function routes(answers: Record<string, string>): ((q: RouteQuery) => RouteInfo | Unavailable) & { asked: string[] } {
  const asked: string[] = [];
  const fn = (q: RouteQuery): RouteInfo | Unavailable => {
    asked.push(q.to);
    const reason = answers[q.to];
    return reason !== undefined ? { reason } : { oif: 2, prefsrc: q.family === 6 ? '2001:db8:1::2' : '198.51.100.2' };
  };
  return Object.assign(fn, { asked });
}

describe('attempt plan: pinned addresses and RFC 6724 rule 1', () => {
  const noRoute = 'route lookup to 2001:db8:9::1 failed: ENETUNREACH';
  const cases: Array<{ name: string; records: AddressRecord[]; source?: 'os'; egress?: Egress; answers: Record<string, string>; tried: string[]; skipped: string[]; asked: number }> = [
    { name: 'a pinned address without a route is skipped; the rest keep the written order',
      records: [rec('198.51.100.1'), rec('2001:db8:9::1'), rec('2001:db8:1::1')], answers: { '2001:db8:9::1': noRoute },
      tried: ['198.51.100.1', '2001:db8:1::1'], skipped: ['2001:db8:9::1'], asked: 3 },
    { name: 'an unreachable route (EHOSTUNREACH) is no route either',
      records: [rec('203.0.113.9'), rec('198.51.100.1')], answers: { '203.0.113.9': 'route lookup to 203.0.113.9 failed: EHOSTUNREACH' },
      tried: ['198.51.100.1'], skipped: ['203.0.113.9'], asked: 2 },
    { name: 'a lookup that could not be made (no netlink) skips nothing',
      records: [rec('2001:db8:9::1')], answers: { '2001:db8:9::1': 'no addon: not built' }, tried: ['2001:db8:9::1'], skipped: [], asked: 1 },
    { name: 'loopback is left to the attempt (no lookup per connection for the common case)',
      records: [rec('127.0.0.1'), rec('::1')], answers: { '127.0.0.1': noRoute, '::1': noRoute }, tried: ['127.0.0.1', '::1'], skipped: [], asked: 0 },
    { name: 'a looked-up address is not asked again (the ordering put it last already)',
      records: [rec('2001:db8:9::1', 'dns')], answers: { '2001:db8:9::1': noRoute }, tried: ['2001:db8:9::1'], skipped: [], asked: 0 },
    { name: 'a table that is not the kernel\'s says nothing of its routes',
      records: [rec('2001:db8:9::1')], source: 'os', answers: { '2001:db8:9::1': noRoute }, tried: ['2001:db8:9::1'], skipped: [], asked: 0 },
    { name: 'a pinned interface decides for itself (if2ip, then the device\'s own routes)',
      records: [rec('2001:db8:9::1')], egress: { label: 'if!h1', device: 'h1' }, answers: { '2001:db8:9::1': noRoute }, tried: ['2001:db8:9::1'], skipped: [], asked: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const route = routes(c.answers);
      const plan = planAttempts(c.records, c.egress ?? {}, table(c.source ?? 'netlink'), { route });
      assert.deepEqual(plan.candidates.map((x) => x.remote.address), c.tried);
      assert.deepEqual(plan.skips.map((s) => s.remote), c.skipped);
      for (const s of plan.skips) {
        assert.equal(s.code, 'no-route');
        assert.match(s.reason, new RegExp(`no route to ${s.remote.replace(/\./g, '\\.')} .*RFC 6724 rule 1`));
      }
      assert.equal(route.asked.length, c.asked);
    });
  }
});

describe('attempt plan: the source on a pinned interface', () => {
  const cases: Array<[string, { preferTemporary?: boolean }, string, string]> = [
    ['2001:db8:2::1', {}, '2001:db8:1::2', 'public'],
    ['2001:db8:2::1', { preferTemporary: true }, '2001:db8:1::7e3:9a1:55c0:2', 'temporary'],
    ['198.51.100.1', {}, '198.51.100.2', 'only'],
  ];
  for (const [to, selection, local, rule] of cases) {
    it(`to ${to}${selection.preferTemporary ? ' preferring temporary' : ''}: from ${local} by ${rule}`, () => {
      const plan = planAttempts([rec(to)], { label: 'if!h1', device: 'h1' }, table('netlink'), { selection, route: routes({}) });
      assert.equal(plan.candidates[0]?.localAddress, local);
      assert.equal(plan.candidates[0]?.sourceRule, rule);
    });
  }
});
