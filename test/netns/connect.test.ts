import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bed, BED, readLine } from '../helpers/bed.js';
import { connect } from '../../src/connect/index.js';
import { deviceBinding } from '../../src/bind/index.js';
import { HiperError, systemClock, type AddressRecord, type Clock } from '../../src/shared/index.js';
import type { Resolver } from '../../src/resolve/types.js';
import { openFds, fdsSettle } from '../helpers/fds.js';

const pinned = (...addresses: string[]): Resolver => async () =>
  addresses.map((address): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, source: 'pinned' }));

/** TCP counters of this network namespace (/proc/net/snmp is per namespace). */
function tcpCounters(): { ActiveOpens: number; OutSegs: number } {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const get = (n: string): number => Number(values[names.indexOf(n)]);
  return { ActiveOpens: get('ActiveOpens'), OutSegs: get('OutSegs') };
}

/** The system clock, counting the timers hiper has set and not yet cleared or fired. */
function countingClock(): Clock & { outstanding: number } {
  const live = new Set<unknown>();
  return {
    get outstanding() { return live.size; },
    now: () => systemClock.now(),
    setTimeout(fn, ms) {
      const h: unknown = systemClock.setTimeout(() => { live.delete(h); fn(); }, ms);
      live.add(h);
      return h;
    },
    clearTimeout(h) {
      live.delete(h);
      systemClock.clearTimeout(h);
    },
  };
}

describe('connect in the namespace bed', function () {
  let bed: Bed;
  before(async () => {
    bed = await Bed.create();
    await bed.whoami(8080);
  });
  after(async () => bed?.close());

  it('if!h2 to [peer IPv6, peer IPv4]: skips IPv6 with the reason, connects over IPv4 from h2', async () => {
    const { socket, trace } = await connect({ host: 'peer.test', port: 8080, interface: 'if!h2', resolver: pinned(BED.p1.v6, BED.p1.v4) });
    assert.equal(await readLine(socket), BED.h2.v4);
    assert.equal(trace.remote.address, BED.p1.v4);
    assert.equal(trace.local.address, BED.h2.v4);
    assert.deepEqual(trace.skips.map((s) => [s.remote, s.code]), [[BED.p1.v6, 'no-family']]);
    assert.match(trace.skips[0]!.reason, /^h2 has no IPv6 address/);
    assert.equal(trace.attempts.length, 1);
    assert.equal(trace.interface, 'h2');
    assert.equal(trace.bindMethod, deviceBinding().available ? 'device' : 'address');
  });

  it('if!h1 prefers the IPv6 address it can serve', async () => {
    const { socket, trace } = await connect({ host: 'peer.test', port: 8080, interface: 'if!h1', resolver: pinned(BED.p1.v6, BED.p1.v4) });
    assert.equal(await readLine(socket), BED.h1.v6);
    assert.equal(trace.skips.length, 0);
  });

  it('reaches a link-local peer by its zone id', async () => {
    const { socket, trace } = await connect({ host: `${bed.linkLocal.p1}%h1`, port: 8080 });
    assert.equal((await readLine(socket)).replace(/%.*/, ''), bed.linkLocal.h1);
    assert.equal(trace.remote.address, bed.linkLocal.p1);
  });

  describe('a black-holed IPv6 address first', function () {
    before(() => bed.peerRun(['ip', '-6', 'route', 'add', 'blackhole', `${BED.h1.v6}/128`]));
    after(() => bed.peerRun(['ip', '-6', 'route', 'del', 'blackhole', `${BED.h1.v6}/128`]));

    it('connects over IPv4 after about the attempt delay and closes the IPv6 socket and every timer', async () => {
      const clock = countingClock();
      const fdsBefore = openFds();
      const { socket, trace } = await connect({ host: 'peer.test', port: 8080, interface: 'if!h1', resolver: pinned(BED.p1.v6, BED.p1.v4), happyEyeballsDelay: 250, timeout: 5000, clock });
      assert.equal(await readLine(socket), BED.h1.v4);
      assert.deepEqual(trace.attempts.map((a) => [a.remote.address, a.outcome]), [[BED.p1.v6, 'cancelled'], [BED.p1.v4, 'connected']]);
      assert.ok(trace.attempts[1]!.startedAt >= 240, `IPv4 started at ${trace.attempts[1]!.startedAt} ms`);
      assert.equal(await fdsSettle(fdsBefore), fdsBefore);
      assert.equal(clock.outstanding, 0);
    });

    it('gives ERR_TIMEOUT with the attempt detail when only the black hole is left', async () => {
      const fdsBefore = openFds();
      await assert.rejects(connect({ host: 'peer.test', port: 8080, resolver: pinned(BED.p1.v6), timeout: 300 }), (e: unknown) => {
        assert.ok(e instanceof HiperError && e.code === 'ERR_TIMEOUT');
        assert.deepEqual((e.details.attempts as Array<{ outcome: string }>).map((a) => a.outcome), ['cancelled']);
        return true;
      });
      assert.equal(await fdsSettle(fdsBefore), fdsBefore);
    });
  });

  it('walks a local port range past a port taken on h1', async () => {
    const taken = net.createServer().listen(0, BED.h1.v4);
    await once(taken, 'listening');
    const first = (taken.address() as net.AddressInfo).port;
    try {
      const { socket, trace } = await connect({ host: BED.p1.v4, port: 8080, interface: 'if!h1', localPort: `${first}-${first + 20}` });
      socket.destroy();
      assert.ok(trace.local.port > first && trace.local.port <= first + 20);
      assert.equal(trace.local.address, BED.h1.v4);
    } finally {
      taken.close();
    }
  });

  it('every failure ends in one error with all attempts and skips, and no leaked socket', async () => {
    const before = openFds();
    await assert.rejects(connect({ host: 'peer.test', port: 8081, interface: 'if!h2', resolver: pinned(BED.p1.v6, BED.p1.v4, BED.p2.v4) }), (e: unknown) => {
      assert.ok(e instanceof HiperError && e.code === 'ERR_CONNECT_ALL_FAILED');
      assert.deepEqual((e.details.attempts as Array<{ error: string }>).map((a) => a.error), ['ECONNREFUSED', 'ECONNREFUSED']);
      assert.equal((e.details.skips as unknown[]).length, 1);
      return true;
    });
    assert.equal(await fdsSettle(before), before);
  });

  it('strict without device binding: an error, and no packet leaves', function () {
    // A child process with device binding turned off, in this namespace.
    const script = fileURLToPath(new URL('../helpers/strict-child.js', import.meta.url));
    const before = tcpCounters();
    const r = spawnSync(process.execPath, [script, BED.p1.v4], { env: { ...process.env, HIPER_DEVICE_BINDING: 'off' }, encoding: 'utf8' });
    const after = tcpCounters();
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { code: string; message: string };
    assert.equal(out.code, 'ERR_DEVICE_BIND_UNAVAILABLE');
    assert.match(out.message, /HIPER_DEVICE_BINDING=off/);
    assert.deepEqual(after, before);
  });
});
