import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { connect, planLinkAttempts, resolveEgress, type Egress } from '../../../src/connect/index.js';
import { HiperError, type AddressRecord } from '../../../src/shared/index.js';
import { deviceBinding, InterfaceTable, type InterfaceAddress, type NetworkInterface } from '../../../src/bind/index.js';
import type { Resolver } from '../../../src/resolve/types.js';
import { needs } from '../../helpers/needs.js';
import { runProgram } from '../../helpers/cli.js';

/*
 * A kernel-like table: wan0 up with both families, wan1 up with IPv4 and only a link-local IPv6
 * address, wan2 administratively down, wan3 up but without carrier.
 */
function addr(address: string, prefix: number, index: number): InterfaceAddress {
  const family = address.includes(':') ? 6 : 4;
  const scope = address.startsWith('fe80:') ? 'link-local' : address.startsWith('127.') || address === '::1' ? 'loopback' : 'global';
  const a: InterfaceAddress = { address, family, cidr: `${address}/${prefix}`, netmask: '', scope, internal: index === 1, prefixLength: prefix, flags: [] };
  if (family === 6) a.scopeId = scope === 'link-local' ? index : 0;
  return a;
}
function link(name: string, index: number, state: NetworkInterface['state'], flags: string[], addresses: Array<[string, number]>): NetworkInterface {
  return { name, index, internal: index === 1, state, flags, addresses: addresses.map(([a, p]) => addr(a, p, index)) };
}
const UP = ['up', 'running', 'lower-up'];
const table = new InterfaceTable([
  link('lo', 1, 'unknown', ['up', 'loopback', 'running'], [['127.0.0.1', 8], ['::1', 128]]),
  link('wan0', 2, 'up', UP, [['198.51.100.2', 24], ['2001:db8:1::2', 64], ['fe80::1:2', 64]]),
  link('wan1', 3, 'up', UP, [['203.0.113.2', 24], ['fe80::2:2', 64]]),
  link('wan2', 4, 'down', [], [['198.51.100.9', 24]]),
  link('wan3', 5, 'lowerlayerdown', ['up'], [['203.0.113.9', 24], ['2001:db8:3::9', 64]]),
], { source: 'netlink' });

const rec = (address: string): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, source: 'pinned' });
const V6 = rec('2001:db8:9::1');
const V4 = rec('192.0.2.1');
const noLookups: Resolver = async (host) => { throw new Error(`no lookup expected (${host})`); };

async function planOf(specs: string[], records: AddressRecord[]) {
  const egress = await resolveEgress({ interface: specs }, table, noLookups);
  return planLinkAttempts(records, egress.links!, table);
}

describe('interface list: the attempt plan', () => {
  const cases: Array<{ name: string; specs: string[]; records: AddressRecord[]; tried: string[]; skipped: string[] }> = [
    { name: 'both up: the first link with every address first, then the second; a family it lacks is a skip naming it',
      specs: ['if!wan0', 'if!wan1'], records: [V6, V4],
      tried: ['wan0 2001:db8:9::1 from 2001:db8:1::2', 'wan0 192.0.2.1 from 198.51.100.2', 'wan1 192.0.2.1 from 203.0.113.2'],
      skipped: ['wan1 2001:db8:9::1 no-family: wan1 has no IPv6 address usable for 2001:db8:9::1 (only link-local)'] },
    { name: 'the first link administratively down: skipped for every address, the second tried',
      specs: ['if!wan2', 'if!wan0'], records: [V6, V4],
      tried: ['wan0 2001:db8:9::1 from 2001:db8:1::2', 'wan0 192.0.2.1 from 198.51.100.2'],
      skipped: ['wan2 2001:db8:9::1 link-down: wan2 is administratively down', 'wan2 192.0.2.1 link-down: wan2 is administratively down'] },
    { name: 'the first link without carrier: skipped',
      specs: ['if!wan3', 'if!wan1'], records: [V4],
      tried: ['wan1 192.0.2.1 from 203.0.113.2'], skipped: ['wan3 192.0.2.1 link-down: wan3 is down (lowerlayerdown)'] },
    { name: 'a missing link is a skip naming it while another serves',
      specs: ['if!gone0', 'wan1'], records: [V4],
      tried: ['wan1 192.0.2.1 from 203.0.113.2'], skipped: ['gone0 192.0.2.1 not-found: no interface named "gone0"'] },
    { name: 'no IPv6 address on the first link: an IPv6-only destination goes through the second',
      specs: ['if!wan1', 'if!wan0'], records: [V6],
      tried: ['wan0 2001:db8:9::1 from 2001:db8:1::2'],
      skipped: ['wan1 2001:db8:9::1 no-family: wan1 has no IPv6 address usable for 2001:db8:9::1 (only link-local)'] },
    { name: 'ifhost! members bind their own address on their link',
      specs: ['ifhost!wan2!198.51.100.9', 'ifhost!wan0!198.51.100.2'], records: [V6, V4],
      tried: ['wan0 192.0.2.1 from 198.51.100.2'],
      skipped: ['wan2 2001:db8:9::1 link-down: wan2 is administratively down', 'wan2 192.0.2.1 link-down: wan2 is administratively down',
        'wan0 2001:db8:9::1 no-family: ifhost!wan0!198.51.100.2 has no IPv6 address for 2001:db8:9::1'] },
    { name: 'every link skipped: no candidate, and every link named',
      specs: ['if!wan2', 'if!wan3', 'if!gone0'], records: [V4],
      tried: [],
      skipped: ['wan2 192.0.2.1 link-down: wan2 is administratively down', 'wan3 192.0.2.1 link-down: wan3 is down (lowerlayerdown)',
        'gone0 192.0.2.1 not-found: no interface named "gone0"'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const plan = await planOf(c.specs, c.records);
      assert.deepEqual(plan.candidates.map((x) => `${x.device} ${x.connectHost} from ${x.localAddress}`), c.tried);
      assert.deepEqual(plan.skips.map((s) => `${s.interface} ${s.remote} ${s.code}: ${s.reason}`), c.skipped);
    });
  }
});

describe('interface list: bad input and single specs', () => {
  const refused: Array<{ name: string; options: { interface: string | string[]; localAddress?: string }; code: string; input: unknown; message: RegExp }> = [
    { name: 'an empty list', options: { interface: [] }, code: 'ERR_INVALID_INTERFACE_SPEC', input: 'interface', message: /empty/ },
    { name: 'a member naming a local address', options: { interface: ['if!wan0', 'host!203.0.113.2'] }, code: 'ERR_INVALID_INTERFACE_SPEC', input: 'host!203.0.113.2', message: /names a local address, not a link/ },
    { name: 'a link named twice', options: { interface: ['if!wan0', 'ifhost!wan0!198.51.100.2'] }, code: 'ERR_INVALID_INTERFACE_SPEC', input: 'ifhost!wan0!198.51.100.2', message: /both name link wan0/ },
    { name: 'the same spec twice', options: { interface: ['if!wan0', 'if!wan0'] }, code: 'ERR_INVALID_INTERFACE_SPEC', input: 'if!wan0', message: /twice/ },
    { name: 'a malformed member', options: { interface: ['if!wan0', 'if!'] }, code: 'ERR_INVALID_INTERFACE_SPEC', input: 'if!', message: /empty/ },
    { name: 'localAddress with a list', options: { interface: ['if!wan0', 'if!wan1'], localAddress: '198.51.100.2' }, code: 'ERR_INVALID_ARGUMENT', input: 'localAddress', message: /"if!wan0", "if!wan1".*ifhost!NAME!ADDR/ },
    { name: 'every link missing: one error naming each', options: { interface: ['if!gone0', 'if!gone1'] }, code: 'ERR_INTERFACE_NOT_FOUND', input: 'if!gone0, if!gone1', message: /none of the interfaces of the list "if!gone0", "if!gone1" exists/ },
    { name: 'a list of one is that spec, with its errors', options: { interface: ['if!gone0'] }, code: 'ERR_INTERFACE_NOT_FOUND', input: 'if!gone0', message: /interface "gone0"/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}`, async () => {
      await assert.rejects(resolveEgress(c.options, table, noLookups), (e: unknown) => {
        assert.ok(e instanceof HiperError, String(e));
        assert.equal(e.code, c.code, e.message);
        assert.deepEqual(e.input, c.input);
        assert.match(e.message, c.message);
        return true;
      });
    });
  }

  it('a list of one plans as the single spec does', async () => {
    assert.deepEqual(await resolveEgress({ interface: ['if!wan0'] }, table, noLookups), await resolveEgress({ interface: 'if!wan0' }, table, noLookups));
  });

  it('a list names its links in order', async () => {
    const egress: Egress = await resolveEgress({ interface: ['wan1', 'if!wan0'] }, table, noLookups);
    assert.equal(egress.label, 'wan1, if!wan0');
    assert.deepEqual(egress.links!.map((l) => [l.label, l.device]), [['wan1', 'wan1'], ['if!wan0', 'wan0']]);
    assert.equal(egress.device, undefined);
  });
});

describe('interface list: connect()', () => {
  let server: net.Server;
  let port: number;
  const pinned: Resolver = async () => [{ address: '127.0.0.1', family: 4, source: 'pinned' }];
  before(async () => {
    server = net.createServer((s) => s.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  it('skips a missing first link and connects through the next, naming both in the trace', async function () {
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
    const { socket, trace } = await connect({ host: '127.0.0.1', port, interface: ['if!gone0', 'if!lo'], resolver: pinned });
    socket.destroy();
    assert.equal(trace.interface, 'lo');
    assert.deepEqual(trace.skips.map((s) => [s.interface, s.code]), [['gone0', 'not-found']]);
    assert.deepEqual(trace.attempts.map((a) => [a.interface, a.outcome]), [['lo', 'connected']]);
  });

  it('every link missing: ERR_INTERFACE_NOT_FOUND naming each, before any lookup', async () => {
    await assert.rejects(connect({ host: '127.0.0.1', port, interface: ['if!gone0', 'if!gone1'], resolver: noLookups }), (e: unknown) =>
      e instanceof HiperError && e.code === 'ERR_INTERFACE_NOT_FOUND' && /"if!gone0", "if!gone1"/.test(e.message));
  });

  it('strict with a list and no device binding: ERR_DEVICE_BIND_UNAVAILABLE before any attempt', async () => {
    const connectModule = new URL('../../../src/connect/index.js', import.meta.url).href;
    const r = await runProgram(process.execPath, ['--input-type=module', '-e', `
      import { connect } from ${JSON.stringify(connectModule)};
      try {
        await connect({ host: '127.0.0.1', port: ${port}, interface: ['if!gone0', 'if!lo'], strict: true });
        console.log('connected');
      } catch (e) { console.log(e.code); }`], { env: { HIPER_DEVICE_BINDING: 'off' } });
    assert.equal(r.out.trim(), 'ERR_DEVICE_BIND_UNAVAILABLE', r.err);
  });

  it('every link unable to serve: ERR_INTERFACE_NO_ADDRESS with a skip per link', async () => {
    // lo has no global IPv6 address for a documentation destination; gone0 does not exist.
    const v6: Resolver = async () => [{ address: '2001:db8::1', family: 6, source: 'pinned' }];
    await assert.rejects(connect({ host: 'example.test', port, interface: ['if!lo', 'if!gone0'], resolver: v6 }), (e: unknown) => {
      assert.ok(e instanceof HiperError && e.code === 'ERR_INTERFACE_NO_ADDRESS', String(e));
      assert.match(e.message, /no link of the list if!lo, if!gone0 cannot reach any address of example\.test/);
      assert.deepEqual((e.details.skips as Array<{ interface: string }>).map((s) => s.interface), ['lo', 'gone0']);
      return true;
    });
  });
});
