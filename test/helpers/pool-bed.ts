/**
 * A bed for source address pools: one link with four local addresses, a second link the routes prefer,
 * and prefixes the peer routes back to us that no link of ours has (for freebind).
 *
 *   this namespace                                      peer namespace
 *     sp1  203.0.113.11-14/24  2001:db8:51::11/64  <-veth->  spr1  203.0.113.1/24  2001:db8:51::1/64
 *     sp2  192.0.2.12/24 (no IPv6)                 <-veth->  spr2  192.0.2.1/24
 *     lo   local routes for 198.51.100.64/28 and 2001:db8:5::/120 (replies to a freebind source are accepted)
 *                                                          lo    198.51.100.200/32, .201/32  2001:db8:52::200/128 (services)
 *
 * Our route to 198.51.100.200 prefers sp2 (metric 10 over 100), so only a socket bound to sp1 reaches it
 * through sp1; 198.51.100.201 and 2001:db8:52::200 are routed through sp1 alone. The peer routes the two
 * prefixes to us through spr1. Documentation ranges only.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { interfaceTable } from '../../src/bind/index.js';
import { run, startNodeIn, startPeerNamespace, until, endProcesses } from './netns.js';

export const POOL_BED = {
  pool: ['203.0.113.11', '203.0.113.12', '203.0.113.13', '203.0.113.14'],
  sp1v6: '2001:db8:51::11',
  spr1: { v4: '203.0.113.1', v6: '2001:db8:51::1' },
  sp2: '192.0.2.12',
  spr2: '192.0.2.1',
  /** Routed through both links, sp2 preferred. */
  preferSp2: '198.51.100.200',
  /** Routed through sp1 alone. */
  service: { v4: '198.51.100.201', v6: '2001:db8:52::200' },
  prefix: { v4: '198.51.100.64/28', v6: '2001:db8:5::/120' },
  port: 8080,
} as const;

export class PoolBed {
  private readonly children: ChildProcess[] = [];
  private constructor(private readonly peer: ChildProcess) {}

  static async create(): Promise<PoolBed> {
    const bed = new PoolBed(await startPeerNamespace('source pool bed'));
    const b = POOL_BED;
    const p = String(bed.peer.pid);
    run(['ip', 'link', 'add', 'sp1', 'type', 'veth', 'peer', 'name', 'spr1', 'netns', p]);
    run(['ip', 'link', 'add', 'sp2', 'type', 'veth', 'peer', 'name', 'spr2', 'netns', p]);
    // sp2 carries no IPv6 at all (no router solicitations, no MLD reports): what the peer counts on spr2 is the tests'.
    writeFileSync('/proc/sys/net/ipv6/conf/sp2/disable_ipv6', '1');
    for (const a of b.pool) run(['ip', 'addr', 'add', `${a}/24`, 'dev', 'sp1']);
    run(['ip', 'addr', 'add', `${b.sp1v6}/64`, 'dev', 'sp1', 'nodad']);
    run(['ip', 'addr', 'add', `${b.sp2}/24`, 'dev', 'sp2']);
    run(['ip', 'link', 'set', 'sp1', 'up']);
    run(['ip', 'link', 'set', 'sp2', 'up']);
    bed.peerRun(['sh', '-c', [
      'ip link set lo up',
      'echo 1 > /proc/sys/net/ipv6/conf/spr2/disable_ipv6',
      `ip addr add ${b.spr1.v4}/24 dev spr1`,
      `ip addr add ${b.spr1.v6}/64 dev spr1 nodad`,
      `ip addr add ${b.spr2}/24 dev spr2`,
      `ip addr add ${b.preferSp2}/32 dev lo`,
      `ip addr add ${b.service.v4}/32 dev lo`,
      `ip addr add ${b.service.v6}/128 dev lo nodad`,
      'ip link set spr1 up',
      'ip link set spr2 up',
      `ip route add ${b.prefix.v4} via ${b.pool[0]} dev spr1`,
      `ip route add ${b.prefix.v6} via ${b.sp1v6} dev spr1`,
    ].join(' && ')]);
    await until('sp1 and sp2 up', () => {
      const t = interfaceTable({ refresh: true });
      return ['sp1', 'sp2'].every((n) => t.get(n)?.state === 'up' || t.get(n)?.state === 'unknown');
    });
    run(['ip', 'route', 'add', `${b.preferSp2}/32`, 'via', b.spr2, 'dev', 'sp2', 'metric', '10']);
    run(['ip', 'route', 'add', `${b.preferSp2}/32`, 'via', b.spr1.v4, 'dev', 'sp1', 'metric', '100']);
    run(['ip', 'route', 'add', `${b.service.v4}/32`, 'via', b.spr1.v4, 'dev', 'sp1']);
    run(['ip', '-6', 'route', 'add', `${b.service.v6}/128`, 'via', b.spr1.v6, 'dev', 'sp1']);
    run(['ip', 'route', 'add', 'local', b.prefix.v4, 'dev', 'lo']);
    run(['ip', '-6', 'route', 'add', 'local', b.prefix.v6, 'dev', 'lo']);
    interfaceTable({ refresh: true });
    return bed;
  }

  nsenter(): string[] {
    return ['nsenter', '-t', String(this.peer.pid), '-n'];
  }

  peerRun(args: string[]): string {
    return run([...this.nsenter(), ...args]);
  }

  /**
   * The peer's HTTP server on every address: each response's body is the source address the peer saw.
   * A request with ?hold=N is answered once N requests are waiting (so each of them has a connection of
   * its own), or after 5 s (then a test sees fewer connections than it expects, rather than hanging).
   */
  async whoami(): Promise<void> {
    const source = `
      import http from 'node:http';
      const waiting = [];
      const flush = () => { for (const [req, res] of waiting.splice(0)) res.end(req.socket.remoteAddress.replace(/^::ffff:/, '')); };
      let timer;
      http.createServer((req, res) => {
        res.setHeader('Connection', 'close');
        waiting.push([req, res]);
        clearTimeout(timer);
        const hold = Number(new URL(req.url, 'http://peer').searchParams.get('hold') ?? 1);
        if (waiting.length >= hold) flush(); else timer = setTimeout(flush, 5000);
      }).listen(${POOL_BED.port}, '::', () => console.log('ready'));`;
    this.children.push(await startNodeIn(this.nsenter(), source));
  }

  /** Packets the peer has received on spr1 and spr2 (what left us through sp1 and sp2). */
  peerRx(): [number, number] {
    const rx = (link: string): number =>
      (JSON.parse(this.peerRun(['ip', '-s', '-j', 'link', 'show', 'dev', link])) as Array<{ stats64: { rx: { packets: number } } }>)[0]!.stats64.rx.packets;
    return [rx('spr1'), rx('spr2')];
  }

  /** [spr1, spr2] once both counters stay the same over two readings 50 ms apart (at most 20 tries): the last FIN may be on its way. */
  async peerRxQuiet(): Promise<[number, number]> {
    let last = this.peerRx();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const now = this.peerRx();
      if (now[0] === last[0] && now[1] === last[1]) return now;
      last = now;
    }
    throw new Error('the peer links never went quiet');
  }

  /** Every address configured on a link of ours (a freebind source must be none of them). */
  ourAddresses(): string[] {
    const links = JSON.parse(run(['ip', '-j', 'addr'])) as Array<{ addr_info: Array<{ local: string }> }>;
    return links.flatMap((l) => l.addr_info.map((a) => a.local));
  }

  async close(): Promise<void> {
    await endProcesses([...this.children, this.peer]);
    spawnSync('ip', ['route', 'del', 'local', POOL_BED.prefix.v4, 'dev', 'lo'], { stdio: 'ignore' });
    spawnSync('ip', ['-6', 'route', 'del', 'local', POOL_BED.prefix.v6, 'dev', 'lo'], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 'sp1'], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 'sp2'], { stdio: 'ignore' });
    interfaceTable({ refresh: true });
  }
}
