/**
 * An ordered interface list on real links: the first link serves while it is up, the second takes over
 * when it goes down (the trace names the first as skipped), and new transfers go back to the first
 * when it returns (failback), or stay on the second with failback off. The peer's service address is
 * reachable through both links and our routes prefer h2, so only a socket bound to h1 reaches it
 * through h1: the packet counts on the peer's links tell which link each transfer used.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Bed, BED } from '../helpers/bed.js';
import { runCli } from '../helpers/cli.js';
import { run, until } from '../helpers/netns.js';
import { needs } from '../helpers/needs.js';
import { deviceBinding, interfaceTable, linkUsable } from '../../src/bind/index.js';
import { Multi, type TransferResult } from '../../src/multi/index.js';
import { connect } from '../../src/connect/index.js';

/** An address of the peer's, reachable through h1 and h2; our routes prefer h2. */
const SERVICE = '192.0.2.1';
const LIST = ['if!h1', 'if!h2'];
const url = (port: number): string => `http://${SERVICE}:${port}/`;

/** Packets the peer received on [p1, p2] while `action` ran (counted once the links are quiet). */
async function packets(bed: Bed, action: () => Promise<void>): Promise<[number, number]> {
  const [p1, p2] = await bed.peerRxQuiet();
  await action();
  const [q1, q2] = await bed.peerRxQuiet();
  return [q1 - p1, q2 - p2];
}

/**
 * The peer's HTTP server on `port`, answering with the client's source address; it keeps idle
 * connections a minute (not node's 5 s), so that no close of its own is counted in the middle of a test.
 */
const whoami = (port: number): string => `
  import http from 'node:http';
  const server = http.createServer((req, res) => res.end(req.socket.remoteAddress.replace(/^::ffff:/, '')));
  server.keepAliveTimeout = 60_000;
  server.listen(${port}, '::', () => console.log('ready'));`;

/**
 * TCP sockets still ending (a FIN not yet acknowledged, or not yet sent) in one namespace: the
 * connections closed while h1 was down send their FIN again once it is back, whenever their backoff says.
 */
const ENDING = ['state', 'fin-wait-1', 'state', 'closing', 'state', 'last-ack', 'state', 'close-wait'];
const ending = (prefix: string[]): number => run([...prefix, 'ss', '-Htn', ...ENDING]).split('\n').filter(Boolean).length;

/** The cached (live) table shows h1 in this state: the watchers have been told. */
const h1Is = (usable: boolean) => (): boolean => {
  const h1 = interfaceTable().get('h1');
  return h1 !== undefined && linkUsable(h1) === usable;
};

describe('interface list: failover and failback on real links', function () {
  this.timeout(30_000);
  let bed: Bed;
  /** Failback on (the default) and off. */
  let back: Multi;
  let stay: Multi;

  before(async function () {
    bed = await Bed.create();
    bed.preferH2(SERVICE);
    // No IPv6 on h1 either: its router solicitations and MLD reports on coming up would be counted on p1.
    writeFileSync('/proc/sys/net/ipv6/conf/h1/disable_ipv6', '1');
    await bed.peerNode(whoami(8080));
    await bed.peerNode(whoami(8081));
    back = new Multi();
    stay = new Multi();
  });
  after(async () => {
    await back?.close();
    await stay?.close();
    await bed?.close();
  });
  beforeEach(function () {
    needs(this, interfaceTable({ refresh: true }).source === 'netlink', `no netlink: ${interfaceTable().fallbackReason}`);
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
  });

  const get = (m: Multi, port = 8080, failback?: boolean): Promise<TransferResult> =>
    m.add({ url: url(port), interface: LIST, ...(failback === undefined ? {} : { failback }) }).done;
  const cli = (): ReturnType<typeof runCli> => runCli(['get', '-v', '--interface', 'if!h1', '--interface', 'if!h2', url(8080)]);

  it('1. with the first link up, traffic leaves through it (Multi, failback on and off, and hiper get)', async () => {
    let results: TransferResult[] = [];
    let out = '';
    const [p1, p2] = await packets(bed, async () => {
      results = [await get(back), await get(stay, 8080, false)];
      const r = await cli();
      assert.equal(r.code, 0, r.err);
      out = r.out;
    });
    for (const r of results) {
      assert.equal(r.body.toString(), BED.h1.v4);
      assert.equal(r.info.interface, 'h1');
      assert.deepEqual(r.info.connectTrace!.attempts.map((a) => [a.interface, a.outcome]), [['h1', 'connected']]);
    }
    assert.equal(out, BED.h1.v4);
    assert.ok(p1 > 0, 'packets on p1');
    assert.equal(p2, 0, 'no packet on p2, which the routes prefer');
  });

  it('2. the first link down: the next transfer goes through the second, and the trace says the first was skipped (down)', async () => {
    run(['ip', 'link', 'set', 'h1', 'down']);
    await until('h1 down in the live table', h1Is(false));
    let results: TransferResult[] = [];
    let err = '';
    const [p1, p2] = await packets(bed, async () => {
      results = [await get(back), await get(stay, 8080, false)];
      const r = await cli();
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, BED.h2.v4);
      err = r.err;
    });
    for (const r of results) {
      assert.equal(r.body.toString(), BED.h2.v4);
      assert.equal(r.info.interface, 'h2');
      const trace = r.info.connectTrace!;
      assert.deepEqual(trace.skips.map((s) => [s.interface, s.remote, s.code, s.reason]), [['h1', SERVICE, 'link-down', 'h1 is administratively down']]);
      assert.deepEqual(trace.attempts.map((a) => [a.interface, a.outcome]), [['h2', 'connected']]);
    }
    assert.match(err, /^\* skip 192\.0\.2\.1: h1 is administratively down \(link-down\)$/m);
    assert.match(err, /^\* Connected to 192\.0\.2\.1 .* via h2 /m);
    assert.equal(p1, 0, 'nothing leaves through the link that is down');
    assert.ok(p2 > 0, 'packets on p2');
  });

  it('3. the first link back: new transfers go through it again (failback); the idle connection on the second is closed', async () => {
    run(['ip', 'link', 'set', 'h1', 'up']);
    await until('h1 up in the live table', h1Is(true));
    await until('the connection on h2 closed (failback)', () => back.stats().connections === 0);
    await bed.linksUp(); // the routes the kernel flushed with h1
    await until('the connections closed while h1 was down have ended', () => ending([]) + ending(bed.nsenter()) === 0, 300);
    let result: TransferResult | undefined;
    let out = '';
    const [p1, p2] = await packets(bed, async () => {
      result = await get(back);
      const r = await cli();
      assert.equal(r.code, 0, r.err);
      out = r.out;
    });
    assert.equal(result!.body.toString(), BED.h1.v4);
    assert.equal(result!.info.interface, 'h1');
    assert.deepEqual(result!.info.connectTrace!.skips, []);
    assert.equal(out, BED.h1.v4);
    assert.ok(p1 > 0, 'packets on p1');
    assert.equal(p2, 0, 'no packet on p2');
  });

  it('4. failback off: transfers stay on the second link, new connections too, while it serves', async () => {
    assert.equal(stay.stats().connections, 1, 'the connection on h2 is kept');
    let results: TransferResult[] = [];
    const [p1, p2] = await packets(bed, async () => {
      // The same origin reuses its connection; another origin opens one, on the link that last served.
      results = [await get(stay, 8080, false), await get(stay, 8081, false)];
    });
    assert.deepEqual(results.map((r) => [r.body.toString(), r.info.interface]), [[BED.h2.v4, 'h2'], [BED.h2.v4, 'h2']]);
    assert.equal(results[1]!.info.connectTrace!.attempts[0]!.interface, 'h2', 'the new connection tried h2 first');
    assert.equal(stay.stats().connectionsOpened, 3);
    assert.equal(p1, 0, 'no packet on p1');
    assert.ok(p2 > 0, 'packets on p2');
  });

  // The first link is up but its attempt fails: the next link's attempt starts, in the same connect.
  const failing: Array<{ name: string; list: string[]; setup: () => void; undo: () => void; first: [string, string, string?] }> = [
    { name: 'its local address is refused (not on this host)', list: ['ifhost!h1!198.51.100.99', 'if!h2'], setup: () => {}, undo: () => {},
      first: ['h1', 'failed', 'bind'] },
    { name: 'it gets no answer (its route goes to a gateway nobody answers for)', list: LIST,
      setup: () => run(['ip', 'route', 'replace', `${SERVICE}/32`, 'via', '198.51.100.77', 'dev', 'h1', 'metric', '100']), undo: () => run(['ip', 'route', 'replace', `${SERVICE}/32`, 'via', BED.p1.v4, 'dev', 'h1', 'metric', '100']),
      first: ['h1', 'cancelled'] },
  ];
  for (const c of failing) {
    it(`5. the first link up but ${c.name}: the second serves, in one connect`, async () => {
      c.setup();
      try {
        const r = await connect({ host: SERVICE, port: 8080, interface: c.list, happyEyeballsDelay: 50, timeout: 10_000 });
        r.socket.destroy();
        const [link, outcome, at] = c.first;
        assert.deepEqual(r.trace.attempts.map((a) => [a.interface, a.outcome, ...(a.failedAt ? [a.failedAt] : [])]), [[link, outcome, ...(at ? [at] : [])], ['h2', 'connected']]);
        assert.equal(r.trace.interface, 'h2');
        assert.equal(r.trace.local.address, BED.h2.v4);
      } finally {
        c.undo();
      }
    });
  }

  it('6. the first link going down under a transfer in flight: the GET is sent again through the second', async () => {
    // Holds every request that comes through h1 (it prints "held"), answers the others.
    const holding = await bed.peerNode(`
      import http from 'node:http';
      http.createServer((req, res) => {
        const from = req.socket.remoteAddress.replace(/^::ffff:/, '');
        if (from === '${BED.h1.v4}') console.log('held');
        else res.end(from);
      }).listen(8082, '::', () => console.log('ready'));`);
    const held = new Promise<void>((resolve) => holding.stdout!.on('data', (d: Buffer) => { if (String(d).includes('held')) resolve(); }));
    const transfer = back.add({ url: url(8082), interface: LIST });
    try {
      await held;
      run(['ip', 'link', 'set', 'h1', 'down']);
      const r = await transfer.done;
      assert.deepEqual([r.body.toString(), r.info.interface, r.info.tries], [BED.h2.v4, 'h2', 2]);
      assert.deepEqual(r.info.connectTrace!.skips.map((s) => [s.interface, s.code]), [['h1', 'link-down']]);
    } finally {
      await bed.linksUp();
    }
  });
});
