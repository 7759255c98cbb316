/**
 * The namespace test bed (see shared testbed/topology-example.sh). Runs inside the netns suite, which
 * test/run.ts starts under `unshare -rn`, so this process is root of its own user + network namespace.
 *
 *   this namespace ("local host")                      peer namespace ("remote host")
 *     h1  198.51.100.2/24  2001:db8:1::2/64   <-veth->  p1  198.51.100.1/24  2001:db8:1::1/64
 *     h2  203.0.113.2/24   (link-local only)  <-veth->  p2  203.0.113.1/24
 *
 * Only documentation ranges and kernel link-local addresses are used.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { interfaceTable } from '../../src/bind/index.js';
import { run, startNodeIn, startPeerNamespace, until, endProcesses } from './netns.js';

export const BED = {
  h1: { v4: '198.51.100.2', v6: '2001:db8:1::2' },
  h2: { v4: '203.0.113.2' },
  p1: { v4: '198.51.100.1', v6: '2001:db8:1::1' },
  p2: { v4: '203.0.113.1' },
} as const;

function linkLocal(ns: string[], dev: string): string | undefined {
  const out = run([...ns, 'ip', '-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link']);
  const m = /inet6 (fe80::[0-9a-f:]+)\/64/.exec(out);
  return m?.[1];
}

export class Bed {
  readonly peerPid: number;
  private readonly peer: ChildProcess;
  private readonly children: ChildProcess[] = [];
  /** Peer addresses made reachable through both links (preferH2). */
  private readonly services: string[] = [];
  /** Link-local addresses: ours on h1/h2, the peer's on p1. */
  linkLocal: { h1: string; h2: string; p1: string } = { h1: '', h2: '', p1: '' };

  private constructor(peer: ChildProcess) {
    this.peer = peer;
    this.peerPid = peer.pid!;
  }

  static async create(): Promise<Bed> {
    const bed = new Bed(await startPeerNamespace('test bed'));
    const p = String(bed.peerPid);
    run(['ip', 'link', 'add', 'h1', 'type', 'veth', 'peer', 'name', 'p1', 'netns', p]);
    run(['ip', 'link', 'add', 'h2', 'type', 'veth', 'peer', 'name', 'p2', 'netns', p]);
    run(['ip', 'addr', 'add', `${BED.h1.v4}/24`, 'dev', 'h1']);
    run(['ip', 'addr', 'add', `${BED.h1.v6}/64`, 'dev', 'h1', 'nodad']);
    run(['ip', 'addr', 'add', `${BED.h2.v4}/24`, 'dev', 'h2']);
    run(['ip', 'link', 'set', 'h1', 'up']);
    run(['ip', 'link', 'set', 'h2', 'up']);
    bed.peerRun(['sh', '-c', [
      'ip link set lo up',
      `ip addr add ${BED.p1.v4}/24 dev p1`,
      `ip addr add ${BED.p1.v6}/64 dev p1 nodad`,
      `ip addr add ${BED.p2.v4}/24 dev p2`,
      'ip link set p1 up',
      'ip link set p2 up',
    ].join(' && ')]);
    // Link-local addresses appear (and leave tentative state) a moment after the links come up.
    await until('link-local addresses', () => {
      const h1 = linkLocal([], 'h1'), h2 = linkLocal([], 'h2'), p1 = linkLocal(bed.nsenter(), 'p1');
      if (!h1 || !h2 || !p1) return false;
      const tentative = run(['ip', '-6', '-o', 'addr', 'show', 'tentative']) + run([...bed.nsenter(), 'ip', '-6', '-o', 'addr', 'show', 'tentative']);
      bed.linkLocal = { h1, h2, p1 };
      return tentative.trim() === '';
    }, 200);
    interfaceTable({ refresh: true });
    return bed;
  }

  /**
   * Makes `service` (an address on the peer's lo) reachable through both links, with our routes
   * preferring h2, so that only a socket pinned to h1 reaches it through h1. h2 carries no IPv6
   * (no router solicitations or MLD reports), so packets counted on p2 are the test's own.
   */
  preferH2(service: string): void {
    this.peerRun(['ip', 'addr', 'add', `${service}/32`, 'dev', 'lo']);
    this.services.push(service);
    this.routeServices();
    writeFileSync('/proc/sys/net/ipv6/conf/h2/disable_ipv6', '1');
    // Fixed neighbours both ways: no ARP packet is counted on a link that carried none of the test's traffic.
    const mac = (ns: string[], dev: string): string => (JSON.parse(run([...ns, 'ip', '-j', 'link', 'show', 'dev', dev])) as Array<{ address: string }>)[0]!.address;
    for (const [ours, theirs, mine, peer] of [['h1', 'p1', BED.h1.v4, BED.p1.v4], ['h2', 'p2', BED.h2.v4, BED.p2.v4]] as const) {
      run(['ip', 'neigh', 'replace', peer, 'lladdr', mac(this.nsenter(), theirs), 'dev', ours, 'nud', 'permanent']);
      this.peerRun(['ip', 'neigh', 'replace', mine, 'lladdr', mac([], ours), 'dev', theirs, 'nud', 'permanent']);
    }
  }

  private routeServices(): void {
    for (const service of this.services) {
      run(['ip', 'route', 'replace', `${service}/32`, 'via', BED.p2.v4, 'dev', 'h2', 'metric', '10']);
      run(['ip', 'route', 'replace', `${service}/32`, 'via', BED.p1.v4, 'dev', 'h1', 'metric', '100']);
    }
  }

  /**
   * h1 and h2 up again after a test took one down: waits until the kernel says both are up, then puts
   * back the routes the kernel flushed with the link.
   */
  async linksUp(): Promise<void> {
    run(['ip', 'link', 'set', 'h1', 'up']);
    run(['ip', 'link', 'set', 'h2', 'up']);
    await until('h1 and h2 up', () => {
      const t = interfaceTable({ refresh: true });
      return t.get('h1')?.state !== 'down' && t.get('h1')?.state !== 'lowerlayerdown' && t.get('h2')?.state !== 'down' && t.get('h2')?.state !== 'lowerlayerdown';
    });
    this.routeServices();
  }

  /** Packets the peer has received on p1 or p2 (what left us through h1 or h2). */
  peerRx(link: 'p1' | 'p2'): number {
    const [info] = JSON.parse(this.peerRun(['ip', '-s', '-j', 'link', 'show', 'dev', link])) as Array<{ stats64: { rx: { packets: number } } }>;
    return info!.stats64.rx.packets;
  }

  /**
   * [p1, p2] once the links are quiet: the end of a connection (its FIN and last ACK) may still be on
   * its way when a command has returned, so the counters are read until two readings `quietMs` apart
   * agree (at most 20 tries).
   */
  async peerRxQuiet(quietMs = 50): Promise<[number, number]> {
    let last = [this.peerRx('p1'), this.peerRx('p2')] as [number, number];
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, quietMs));
      const now = [this.peerRx('p1'), this.peerRx('p2')] as [number, number];
      if (now[0] === last[0] && now[1] === last[1]) return now;
      last = now;
    }
    throw new Error('the peer links never went quiet');
  }

  /** The command prefix that runs a program in the peer namespace. */
  nsenter(): string[] {
    return ['nsenter', '-t', String(this.peerPid), '-n'];
  }

  /** Runs a command in the peer namespace and returns its output. */
  peerRun(args: string[]): string {
    return run([...this.nsenter(), ...args]);
  }

  /**
   * Starts a Node program in the peer namespace; resolves once it prints `ready` on stdout.
   * The child is killed when the bed closes.
   */
  async peerNode(source: string): Promise<ChildProcess> {
    const child = await startNodeIn(this.nsenter(), source);
    this.children.push(child);
    return child;
  }

  /** A TCP server on the peer (port 8080 on every address) that answers each client with the source address it saw. */
  whoami(port = 8080): Promise<ChildProcess> {
    return this.peerNode(`
      import net from 'node:net';
      // Clients that destroy their socket at once reset it: ignore that, never die of it.
      net.createServer((s) => { s.on('error', () => {}); s.end(s.remoteAddress.replace(/^::ffff:/, '') + '\\n'); })
        .listen(${port}, '::', () => console.log('ready'));`);
  }

  /** An HTTP server on the peer (port 8080 on every address) whose body is the client's source address. */
  whoamiHttp(port = 8080): Promise<ChildProcess> {
    return this.peerNode(`
      import http from 'node:http';
      http.createServer((req, res) => res.end(req.socket.remoteAddress.replace(/^::ffff:/, '')))
        .listen(${port}, '::', () => console.log('ready'));`);
  }

  async close(): Promise<void> {
    await endProcesses([...this.children, this.peer]);
    spawnSync('ip', ['link', 'del', 'h1'], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 'h2'], { stdio: 'ignore' });
    interfaceTable({ refresh: true });
  }
}

/** Asks the peer's whoami server which source address it saw for a socket. */
export async function readLine(socket: import('node:net').Socket, limitMs = 5000): Promise<string> {
  let text = '';
  // Bounded: a peer that never ends the line fails the test with what arrived, not a mocha timeout.
  const timer = setTimeout(() => socket.destroy(new Error(`no end of line from the peer after ${limitMs} ms; got ${JSON.stringify(text)}`)), limitMs);
  try {
    for await (const chunk of socket) text += String(chunk);
  } finally {
    clearTimeout(timer);
  }
  return text.trim();
}
