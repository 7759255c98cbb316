/**
 * A bed for policy routing by socket mark: two links to a peer whose service address is routed
 * through mk1 by the main table and through mk2 by table 100, which `ip rule fwmark 7` selects.
 *
 *   this namespace                             peer namespace
 *     mk1  192.0.2.2/28   <-veth->  mkp1  192.0.2.1/28
 *     mk2  192.0.2.18/28  <-veth->  mkp2  192.0.2.17/28
 *                                        lo    198.51.100.80/32 (the service: HTTP whoami on 8080)
 *   main table:  198.51.100.80 via 192.0.2.1 dev mk1
 *   table 100:   198.51.100.80 via 192.0.2.17 dev mk2       rule: fwmark 7 lookup 100
 *
 * IPv6 is off on the four links and the neighbours are fixed both ways, so every packet the peer counts
 * on mkp1 or mkp2 is the tests' own. Documentation ranges only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { interfaceTable } from '../../src/bind/index.js';
import { run, startPeerNamespace, endProcesses } from './netns.js';

export const MARK_BED = {
  mk1: '192.0.2.2', mkp1: '192.0.2.1',
  mk2: '192.0.2.18', mkp2: '192.0.2.17',
  service: '198.51.100.80',
  /** An address this host does not have (IP_FREEBIND binds to it). */
  freebindSource: '203.0.113.99',
  mark: 7,
  table: 100,
} as const;

const RULE = ['ip', 'rule', 'add', 'fwmark', String(MARK_BED.mark), 'table', String(MARK_BED.table), 'priority', '1007'];

export class MarkBed {
  private readonly children: ChildProcess[] = [];
  private constructor(private readonly peer: ChildProcess) {}

  nsenter(): string[] {
    return ['nsenter', '-t', String(this.peer.pid), '-n'];
  }

  static async create(): Promise<MarkBed> {
    const bed = new MarkBed(await startPeerNamespace('mark bed'));
    const peer = bed.nsenter();
    const B = MARK_BED;
    for (const [ours, theirs, mine, their] of [['mk1', 'mkp1', B.mk1, B.mkp1], ['mk2', 'mkp2', B.mk2, B.mkp2]] as const) {
      run(['ip', 'link', 'add', ours, 'type', 'veth', 'peer', 'name', theirs, 'netns', String(bed.peer.pid)]);
      writeFileSync(`/proc/sys/net/ipv6/conf/${ours}/disable_ipv6`, '1');
      run([...peer, 'sh', '-c', `echo 1 > /proc/sys/net/ipv6/conf/${theirs}/disable_ipv6`]);
      run(['ip', 'addr', 'add', `${mine}/28`, 'dev', ours]);
      run([...peer, 'ip', 'addr', 'add', `${their}/28`, 'dev', theirs]);
      run(['ip', 'link', 'set', ours, 'up']);
      run([...peer, 'ip', 'link', 'set', theirs, 'up']);
      const mac = (ns: string[], dev: string): string => (JSON.parse(run([...ns, 'ip', '-j', 'link', 'show', 'dev', dev])) as Array<{ address: string }>)[0]!.address;
      run(['ip', 'neigh', 'replace', their, 'lladdr', mac(peer, theirs), 'dev', ours, 'nud', 'permanent']);
      run([...peer, 'ip', 'neigh', 'replace', mine, 'lladdr', mac([], ours), 'dev', theirs, 'nud', 'permanent']);
    }
    run([...peer, 'ip', 'link', 'set', 'lo', 'up']);
    run([...peer, 'ip', 'addr', 'add', `${B.service}/32`, 'dev', 'lo']);
    run(['ip', 'route', 'add', `${B.service}/32`, 'via', B.mkp1, 'dev', 'mk1']);
    run(['ip', 'route', 'add', `${B.service}/32`, 'via', B.mkp2, 'dev', 'mk2', 'table', String(B.table)]);
    run(RULE);
    interfaceTable({ refresh: true });
    return bed;
  }

  /** Packets the peer has received on mkp1 and mkp2, read until two readings 50 ms apart agree (at most 20 tries). */
  async peerRxQuiet(): Promise<{ mkp1: number; mkp2: number }> {
    const read = (): { mkp1: number; mkp2: number } => {
      const rx = (dev: string): number =>
        (JSON.parse(run([...this.nsenter(), 'ip', '-s', '-j', 'link', 'show', 'dev', dev])) as Array<{ stats64: { rx: { packets: number } } }>)[0]!.stats64.rx.packets;
      return { mkp1: rx('mkp1'), mkp2: rx('mkp2') };
    };
    let last = read();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const now = read();
      if (now.mkp1 === last.mkp1 && now.mkp2 === last.mkp2) return now;
      last = now;
    }
    throw new Error('the peer links never went quiet');
  }

  /** An HTTP server on the peer (port 8080, every address) whose body is the source address it saw. */
  async whoamiHttp(): Promise<void> {
    const child = spawn(this.nsenter()[0]!, [...this.nsenter().slice(1), process.execPath, '--input-type=module', '-e', `
      import http from 'node:http';
      http.createServer((req, res) => res.end(req.socket.remoteAddress.replace(/^::ffff:/, '')))
        .listen(8080, '::', () => console.log('ready'));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.children.push(child);
    let text = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        text += String(d);
        if (text.includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the peer's server exited (${code}) before it was ready`)));
    });
  }

  async close(): Promise<void> {
    await endProcesses([...this.children, this.peer]);
    spawnSync('ip', ['rule', 'del', ...RULE.slice(3)], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 'mk1'], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 'mk2'], { stdio: 'ignore' });
    interfaceTable({ refresh: true });
  }
}
