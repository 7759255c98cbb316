/**
 * ShardedMulti on real links: its workers plan on the main thread's interface table and follow its
 * changes. A link going down ends the transfers on it in the worker (ERR_EGRESS_LOST) and keeps the
 * waiting ones off the other link (counted on the peer's links, with routes that prefer that other
 * link); when it comes back, transfers leave through it again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Bed } from '../helpers/bed.js';
import { needs } from '../helpers/needs.js';
import { deviceBinding, interfaceTable } from '../../src/bind/index.js';
import { ShardedMulti, type TransferResult } from '../../src/multi/index.js';
import type { HiperError } from '../../src/shared/index.js';

/** An address of the peer's, reachable through h1 and h2; our routes prefer h2. */
const SERVICE = '192.0.2.1';
const IN_FLIGHT = 5;
const TRANSFERS = 20;

describe('ShardedMulti on real links: the main thread\'s interface table, live in the workers', function () {
  this.timeout(60_000);
  let bed: Bed;
  before(async function () {
    this.timeout(30_000);
    bed = await Bed.create();
    bed.preferH2(SERVICE);
    writeFileSync('/proc/sys/net/ipv6/conf/h1/disable_ipv6', '1');
  });
  after(async () => bed?.close());

  it('h1 goes down: its transfers end in their worker (ERR_EGRESS_LOST), the waiting ones never leave through h2; h1 back, h1 again', async function () {
    needs(this, interfaceTable({ refresh: true }).source === 'netlink', `no netlink: ${interfaceTable().fallbackReason}`);
    needs(this, deviceBinding().available, `device binding unavailable: ${deviceBinding().reason}`);
    // /hold is never answered: those transfers are in flight when the link goes down.
    const server = await bed.peerNode(`
      import http from 'node:http';
      let held = 0;
      http.createServer((req, res) => { if (req.url === '/hold') console.log('held ' + ++held); else res.end('ok'); })
        .listen(8082, '::', () => console.log('ready'));`);
    let heard = '';
    const held = new Promise<void>((resolve) => server.stdout!.on('data', (d: Buffer) => { if (new RegExp(`^held ${IN_FLIGHT}$`, 'm').test((heard += String(d)))) resolve(); }));
    const multi = new ShardedMulti({ workers: 2, maxConnectionsPerHost: IN_FLIGHT, timeout: 20_000 });
    try {
      const transfers = Array.from({ length: TRANSFERS }, () => multi.add({ url: `http://${SERVICE}:8082/hold`, interface: 'if!h1' }));
      const ends = new Array<number>(TRANSFERS).fill(0);
      transfers.forEach((t, i) => t.done.then(() => ends[i]!++, () => ends[i]!++));
      await held;
      const rxH2 = (await bed.peerRxQuiet())[1];
      spawnSync('ip', ['link', 'set', 'h1', 'down']);
      const settled = await Promise.allSettled(transfers.map((t) => t.done));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(ends, ends.map(() => 1), 'each transfer ended exactly once');
      const codes = new Map<string, number>();
      for (const s of settled) {
        const c = s.status === 'fulfilled' ? 'ok' : (s.reason as HiperError).code;
        codes.set(c, (codes.get(c) ?? 0) + 1);
      }
      assert.deepEqual(Object.fromEntries(codes), { ERR_EGRESS_LOST: IN_FLIGHT, ERR_INTERFACE_NO_ADDRESS: TRANSFERS - IN_FLIGHT });
      assert.equal(bed.peerRx('p2') - rxH2, 0, 'no packet left through h2');
    } finally {
      await bed.linksUp();
    }
    const rxH1 = bed.peerRx('p1');
    const back: TransferResult = await multi.add({ url: `http://${SERVICE}:8082/again`, interface: 'if!h1' }).done;
    assert.equal(back.body.toString(), 'ok');
    assert.deepEqual([back.info.interface, back.info.bindMethod], ['h1', 'device']);
    assert.ok(bed.peerRx('p1') > rxH1, 'through h1');
    await multi.close();
  });
});
