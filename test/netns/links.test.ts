/**
 * The kernel-backed, live interface table and route truth on real links: states as `ip` shows them,
 * changes as they happen, links that are down skipped, and which link packets really used, counted
 * on the peer's links with routes that prefer the other link.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Bed, BED, readLine } from '../helpers/bed.js';
import { CLI, runCli } from '../helpers/cli.js';
import { needs } from '../helpers/needs.js';
import { connect } from '../../src/connect/index.js';
import { deviceBinding, interfaceTable, watchInterfaces, type InterfaceChange } from '../../src/bind/index.js';
import { HiperError, type AddressRecord } from '../../src/shared/index.js';
import { Multi, type TransferResult } from '../../src/multi/index.js';
import type { Resolver } from '../../src/resolve/types.js';

/** An address of the peer's, reachable through h1 and h2; our routes prefer h2. */
const SERVICE = '192.0.2.1';
const toService: Resolver = async () => [{ address: SERVICE, family: 4, source: 'pinned' } as AddressRecord];

function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Resolves with the first change set a predicate accepts (bounded by the test's timeout). */
function nextChange(accept: (c: InterfaceChange) => boolean): { changed: Promise<{ at: number; change: InterfaceChange }>; stop: () => void } {
  let stop = (): void => {};
  const changed = new Promise<{ at: number; change: InterfaceChange }>((resolve, reject) => {
    const w = watchInterfaces((changes) => {
      const c = changes.find(accept);
      if (c) resolve({ at: performance.now(), change: c });
    });
    if ('reason' in w) reject(new Error(w.reason));
    else stop = w.stop;
  });
  return { changed, stop: () => stop() };
}

describe('links: the interface table from the kernel, live', function () {
  let bed: Bed;
  before(async function () {
    this.timeout(30_000);
    bed = await Bed.create();
    bed.preferH2(SERVICE);
    // No IPv6 on h1 either (its neighbour discovery would be counted on p1): these tests are about IPv4 routes.
    writeFileSync('/proc/sys/net/ipv6/conf/h1/disable_ipv6', '1');
    await bed.whoami(8080);
  });
  after(async () => bed?.close());
  beforeEach(function () {
    needs(this, interfaceTable({ refresh: true }).source === 'netlink', `no netlink: ${interfaceTable().fallbackReason}`);
  });

  it('hiper ifaces --json shows every link in the state `ip -j link` shows', async () => {
    ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    ip('link', 'set', 'd1', 'up'); // its peer d0 stays down: d1 is LOWERLAYERDOWN
    try {
      const r = await runCli(['ifaces', '--json']);
      assert.equal(r.code, 0, r.err);
      const doc = JSON.parse(r.out) as { tableSource: string; interfaces: Array<{ name: string; state: string; mtu: number }> };
      assert.equal(doc.tableSource, 'netlink');
      const kernel = JSON.parse(ip('-j', 'link')) as Array<{ ifname: string; operstate: string; mtu: number }>;
      assert.deepEqual(doc.interfaces.map((i) => [i.name, i.state, i.mtu]), kernel.map((k) => [k.ifname, k.operstate.toLowerCase(), k.mtu]));
      const state = new Map(doc.interfaces.map((i) => [i.name, i.state]));
      assert.deepEqual([state.get('d0'), state.get('d1'), state.get('h1')], ['down', 'lowerlayerdown', 'up']);
    } finally {
      ip('link', 'del', 'd0');
    }
  });

  it('without netlink, the table comes from os.networkInterfaces() and says so; --watch refuses with the reason', async () => {
    const r = await runCli(['ifaces', '--json'], { env: { HIPER_NETLINK: 'off' } });
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { tableSource: string; fallbackReason: string; interfaces: Array<{ name: string; state?: string }> };
    assert.deepEqual([doc.tableSource, doc.fallbackReason], ['os', 'netlink turned off by HIPER_NETLINK=off']);
    assert.ok(doc.interfaces.some((i) => i.name === 'h1' && i.state === undefined));
    const text = await runCli(['ifaces'], { env: { HIPER_NETLINK: 'off' } });
    assert.match(text.out, /^interface table: os\.networkInterfaces\(\), no link states \(netlink turned off by HIPER_NETLINK=off\)$/m);
    const watch = await runCli(['ifaces', '--watch'], { env: { HIPER_NETLINK: 'off' } });
    assert.equal(watch.code, 45);
    assert.match(watch.err, /^hiper: ifaces --watch needs netlink: netlink turned off by HIPER_NETLINK=off$/m);
  });

  it('a link going down reaches the listeners and the cached table', async () => {
    const { changed, stop } = nextChange((c) => c.kind === 'link-state' && c.name === 'h2' && !c.usable);
    const started = performance.now();
    ip('link', 'set', 'h2', 'down');
    try {
      const { at, change } = await changed;
      console.log(`      (ip link set h2 down → change seen ${(at - started).toFixed(1)} ms after the command started)`);
      assert.equal(change.kind === 'link-state' && change.to, 'down');
      assert.equal(interfaceTable().get('h2')?.state, 'down');
    } finally {
      stop();
      await bed.linksUp();
    }
  });

  it('hiper ifaces --watch --json prints each change as it happens, and ends on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'ifaces', '--watch', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    try {
      const first = JSON.parse((await lines.next()).value as string) as { interfaces: unknown[] };
      assert.ok(first.interfaces.length >= 3);
      ip('link', 'set', 'h2', 'down');
      const seen: Array<{ kind: string; name: string; to?: string }> = [];
      while (!seen.some((c) => c.kind === 'link-state' && c.name === 'h2')) seen.push(JSON.parse((await lines.next()).value as string));
      assert.equal(seen.find((c) => c.name === 'h2')!.to, 'down');
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    } finally {
      child.kill('SIGKILL');
      await bed.linksUp();
    }
  });

  it('connect pinned to a link that is down: skipped with the reason, no packet leaves', async () => {
    const { changed, stop } = nextChange((c) => c.kind === 'link-state' && c.name === 'h1');
    ip('link', 'set', 'h1', 'down');
    await changed;
    stop();
    const rx = await bed.peerRxQuiet();
    try {
      await assert.rejects(connect({ host: 'service.test', port: 8080, interface: 'if!h1', resolver: toService }), (err: HiperError) => {
        assert.equal(err.code, 'ERR_INTERFACE_NO_ADDRESS');
        assert.deepEqual((err.details.skips as Array<{ code: string; reason: string }>).map((s) => [s.code, s.reason]), [['link-down', 'h1 is administratively down']]);
        return true;
      });
      assert.deepEqual([bed.peerRx('p1'), bed.peerRx('p2')], rx);
    } finally {
      await bed.linksUp();
    }
  });

  it('bound to h1 by device: the packets arrive on p1 only, and the trace says h1', async function () {
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
    const rx = await bed.peerRxQuiet();
    const { socket, trace } = await connect({ host: 'service.test', port: 8080, interface: 'if!h1', resolver: toService });
    assert.equal(await readLine(socket), BED.h1.v4);
    assert.deepEqual([trace.bindMethod, trace.interface, trace.egressInterface, trace.egressWarning], ['device', 'h1', 'h1', undefined]);
    const [p1, p2] = [bed.peerRx('p1') - rx[0]!, bed.peerRx('p2') - rx[1]!];
    assert.ok(p1 >= 4, `${p1} packets on p1`);
    assert.equal(p2, 0);
  });

  it('address binding only: the kernel routes h1\'s address through h2; the trace names h2 and the CLI warns', async () => {
    const rx = await bed.peerRxQuiet();
    const r = await runCli(['connect', SERVICE, '8080', '--interface', 'if!h1', '--json'], { env: { HIPER_DEVICE_BINDING: 'off' } });
    assert.equal(r.code, 0, r.err);
    const { trace } = JSON.parse(r.out) as { trace: { bindMethod: string; interface: string; egressInterface: string; egressWarning: string; local: { address: string } } };
    assert.deepEqual([trace.bindMethod, trace.interface, trace.local.address, trace.egressInterface], ['address', 'h1', BED.h1.v4, 'h2']);
    assert.match(trace.egressWarning, /^asked for h1, but the kernel routes 192\.0\.2\.1 from 198\.51\.100\.2 through h2 \(address binding\)$/);
    const [p1, p2] = [bed.peerRx('p1') - rx[0]!, bed.peerRx('p2') - rx[1]!];
    assert.ok(p2 >= 3, `${p2} packets on p2`);
    assert.equal(p1, 0, 'nothing of ours left through h1');

    const text = await runCli(['connect', SERVICE, '8080', '--interface', 'if!h1'], { env: { HIPER_DEVICE_BINDING: 'off' } });
    assert.match(text.out, /\(bound to address, leaving through h2\)/);
    assert.match(text.out, /^warning: asked for h1, but the kernel routes .* through h2/m);
  });

  it('--strict with host!ADDR whose route leaves through another link: refused before any packet', async () => {
    const rx = await bed.peerRxQuiet();
    const r = await runCli(['connect', SERVICE, '8080', '--interface', `host!${BED.h1.v4}`, '--strict', '--json']);
    assert.equal(r.code, 45, r.out + r.err);
    const { error } = JSON.parse(r.out) as { error: { code: string; skips: Array<{ code: string; reason: string }> } };
    assert.equal(error.code, 'ERR_INTERFACE_NO_ADDRESS');
    assert.deepEqual(error.skips.map((s) => s.code), ['route-mismatch']);
    assert.match(error.skips[0]!.reason, /^strict: the kernel routes 192\.0\.2\.1 from 198\.51\.100\.2 through h2, not h1/);
    assert.deepEqual([bed.peerRx('p1'), bed.peerRx('p2')], rx);
  });

  it('--strict with host!ADDR and no route at all: refused with the route lookup\'s reason', async () => {
    const r = await runCli(['connect', '192.0.2.77', '8080', '--interface', `host!${BED.h1.v4}`, '--strict', '--json']);
    assert.equal(r.code, 45, r.out + r.err);
    const { error } = JSON.parse(r.out) as { error: { skips: Array<{ code: string; reason: string }> } };
    assert.deepEqual(error.skips.map((s) => s.code), ['route-unknown']);
    assert.match(error.skips[0]!.reason, /^strict: cannot tell which link 192\.0\.2\.77 from 198\.51\.100\.2 would leave through \(route lookup to 192\.0\.2\.77 failed: ENETUNREACH\)$/);
  });

  it('--strict with host!ADDR whose route stays on its link connects', async () => {
    const r = await runCli(['connect', BED.p1.v4, '8080', '--interface', `host!${BED.h1.v4}`, '--strict', '--json']);
    assert.equal(r.code, 0, r.out + r.err);
    const { trace } = JSON.parse(r.out) as { trace: { egressInterface: string; egressWarning?: string } };
    assert.deepEqual([trace.egressInterface, trace.egressWarning], ['h1', undefined]);
  });

  it('a link flap under load: 1,000 transfers pinned to h1 each end once when h1 goes down, none leaves through h2; h1 serves again when back', async function () {
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
    this.timeout(60_000);
    // /hold is never answered: those transfers are in flight when the link goes down.
    const server = await bed.peerNode(`
      import http from 'node:http';
      let held = 0;
      http.createServer((req, res) => { if (req.url === '/hold') console.log('held ' + ++held); else res.end('ok'); })
        .listen(8081, '::', () => console.log('ready'));`);
    let heard = '';
    const held = new Promise<void>((resolve) => server.stdout!.on('data', (d: Buffer) => { if (/^held 30$/m.test((heard += String(d)))) resolve(); }));
    const multi = new Multi({ maxConnectionsPerHost: 30, timeout: 20_000 });
    try {
      const ends: Array<{ at: number; code: string | undefined }> = [];
      const settled = new Set<number>();
      let allEnded!: () => void;
      const ended = new Promise<void>((resolve) => (allEnded = resolve));
      Array.from({ length: 1000 }, (_, i) => {
        const t = multi.add({ url: `http://${SERVICE}:8081/hold`, interface: 'if!h1' });
        t.done.then(
          () => { settled.add(i); ends.push({ at: performance.now(), code: undefined }); },
          (err: HiperError) => { assert.ok(!settled.has(i), `transfer ${i} ended twice`); settled.add(i); ends.push({ at: performance.now(), code: err.code }); },
        ).finally(() => { if (settled.size === 1000) allEnded(); });
        return t;
      });
      // In flight: one request on each of 30 connections, received by the peer; the other 970 wait for a connection.
      await held;
      const rxH2 = (await bed.peerRxQuiet())[1];
      const down = performance.now();
      ip('link', 'set', 'h1', 'down');
      await ended;
      const last = Math.max(...ends.map((e) => e.at)) - down;
      const codes = new Map<string, number>();
      for (const e of ends) codes.set(e.code ?? 'ok', (codes.get(e.code ?? 'ok') ?? 0) + 1);
      console.log(`      (h1 down → all ${ends.length} transfers ended within ${last.toFixed(0)} ms: ${[...codes].map(([c, n]) => `${n} ${c}`).join(', ')})`);
      assert.equal(ends.length, 1000, 'each transfer ended exactly once');
      assert.equal(codes.get('ERR_EGRESS_LOST'), 30, 'the 30 in flight on h1 end with ERR_EGRESS_LOST');
      assert.equal(codes.get('ERR_INTERFACE_NO_ADDRESS'), 970, 'the queued ones are not sent through another link');
      assert.ok(last < 1000, `the last transfer ended ${last.toFixed(0)} ms after h1 went down`);
      assert.equal(bed.peerRx('p2') - rxH2, 0, 'no packet left through h2');
    } finally {
      await bed.linksUp();
    }
    const rxH1 = bed.peerRx('p1');
    const back: TransferResult = await multi.add({ url: `http://${SERVICE}:8081/again`, interface: 'if!h1' }).done;
    assert.equal(back.body.toString(), 'ok');
    assert.deepEqual([back.info.interface, back.info.bindMethod], ['h1', 'device']);
    assert.ok(bed.peerRx('p1') > rxH1);
    await multi.close();
  });
});

