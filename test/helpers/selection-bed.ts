/**
 * A bed for address selection: a veth link (s1) whose addresses each test sets in full, so that the
 * sources the kernel has are exactly the ones an RFC 6724 example names, and a second one (s2).
 *
 *   this namespace                          peer namespace
 *     s1  (the example's sources)  <-veth->  r1  (the example's destinations, routes back on-link)
 *     s2  192.0.2.2/24 (+ as asked) <-veth-> r2  192.0.2.53/24 (the DNS server); a second link
 *                                                for the tests where only a zone or a route decides
 *
 * Neither end makes its own link-local address (addrgenmode none) or runs duplicate address detection
 * (accept_dad 0): every address is there, usable, the moment it is added. Documentation ranges and
 * fe80::/64 only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { run, startPeerNamespace, endProcesses } from './netns.js';

/** Runs `ip` commands (without options: the family comes from the addresses) in one process, here or through a prefix. */
function ipBatch(prefix: string[], lines: string[]): void {
  if (lines.length === 0) return;
  const r = spawnSync(prefix[0] ?? 'ip', [...prefix.slice(1), ...(prefix.length ? ['ip'] : []), '-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}\n${lines.join('\n')}`);
}

export const isV6 = (a: string): boolean => a.includes(':');

/** The link to the peer's DNS server: s2 192.0.2.2/24, the server on r2 at 192.0.2.53. */
export const DNS_LINK = { ours: '192.0.2.2', server: '192.0.2.53' } as const;

/** What a peer program printed, line by line; next(n) waits (at most 5 s) for line n (from 0). */
export interface PeerLines {
  seen: string[];
  next(count: number): Promise<string>;
}

export class SelectionBed {
  private readonly children: ChildProcess[] = [];
  private constructor(private readonly peer: ChildProcess) {}

  get peerPid(): number {
    return this.peer.pid!;
  }

  nsenter(): string[] {
    return ['nsenter', '-t', String(this.peerPid), '-n'];
  }

  static async create(): Promise<SelectionBed> {
    const bed = new SelectionBed(await startPeerNamespace('selection bed'));
    for (const [ours, theirs] of [['s1', 'r1'], ['s2', 'r2']] as const) {
      run(['ip', 'link', 'add', ours, 'type', 'veth', 'peer', 'name', theirs, 'netns', String(bed.peerPid)]);
      run(['ip', 'link', 'set', ours, 'addrgenmode', 'none']);
      // No packets of the kernel's own long after an address is added (packet counts are the tests'):
      // no duplicate address detection, no router solicitations, multicast reports at once.
      for (const [k, v] of [['accept_dad', '0'], ['accept_ra', '0'], ['router_solicitations', '0'], ['mldv1_unsolicited_report_interval', '1'], ['mldv2_unsolicited_report_interval', '1']]) {
        writeFileSync(`/proc/sys/net/ipv6/conf/${ours}/${k}`, v!);
      }
      run(['ip', 'link', 'set', ours, 'up']);
      run([...bed.nsenter(), 'sh', '-c', [
        'ip link set lo up',
        `ip link set ${theirs} addrgenmode none`,
        `echo 0 > /proc/sys/net/ipv6/conf/${theirs}/accept_dad`,
        `ip link set ${theirs} up`,
      ].join(' && ')]);
    }
    // s2 -- r2 also carries the DNS server's link, apart from the examples' sources on s1.
    run(['ip', 'addr', 'add', `${DNS_LINK.ours}/24`, 'dev', 's2']);
    run([...bed.nsenter(), 'ip', 'addr', 'add', `${DNS_LINK.server}/24`, 'dev', 'r2']);
    return bed;
  }

  /**
   * s1's addresses become exactly `sources` ("2001:db8:1::2/64 home", "fe80::2/64 preferred_lft 0",
   * "198.51.100.117/24": `ip addr add` arguments before `dev`), with `sysctls` of s1 set first
   * (use_tempaddr for a kernel-made temporary address); our routes become one to each of `routes`
   * (host routes on the link, so the kernel has a route to exactly those destinations).
   */
  sources(sources: string[], routes: string[], sysctls: Record<string, string> = {}): void {
    for (const [k, v] of Object.entries({ use_tempaddr: '0', ...sysctls })) writeFileSync(`/proc/sys/net/ipv6/conf/s1/${k}`, v);
    ipBatch([], ['addr flush dev s1', 'route flush dev s1']);
    run(['ip', '-6', 'route', 'flush', 'dev', 's1']);
    ipBatch([], [
      ...sources.map((s) => {
        const [address, ...rest] = s.split(' ');
        return `addr add ${address} dev s1 ${isV6(address!) ? 'nodad ' : ''}${rest.join(' ')}`;
      }),
      ...routes.map((d) => `route replace ${d} dev s1`),
    ]);
  }

  /** r1's addresses become `destinations` (host addresses), with on-link default routes back to any source. */
  destinations(destinations: string[]): void {
    ipBatch(this.nsenter(), ['addr flush dev r1']);
    ipBatch(this.nsenter(), [
      ...destinations.map((d) => `addr add ${d}/${isV6(d) ? 128 : 32} dev r1${isV6(d) ? ' nodad' : ''}`),
      // Link-local destinations need fe80::/64 on the link to answer neighbour solicitations.
      'route replace fe80::/64 dev r1',
      'route replace 0.0.0.0/0 dev r1',
      'route replace ::/0 dev r1',
    ]);
  }

  /** The source the kernel picks for a destination (`ip route get`), or undefined without a route. */
  kernelSource(destination: string): string | undefined {
    const r = spawnSync('ip', [...(isV6(destination) ? ['-6'] : []), 'route', 'get', destination], { encoding: 'utf8' });
    return r.status === 0 ? / src (\S+)/.exec(r.stdout)?.[1] : undefined;
  }

  /** s1's addresses as `ip -j addr` gives them. */
  addresses(): Array<{ local: string; temporary?: boolean; deprecated?: boolean }> {
    const [info] = JSON.parse(run(['ip', '-j', 'addr', 'show', 'dev', 's1'])) as Array<{ addr_info: Array<{ local: string; temporary?: boolean; deprecated?: boolean }> }>;
    return info!.addr_info;
  }

  /**
   * s2's addresses become these (with the DNS link's), and its routes these host routes with metric
   * 10, before s1's.
   */
  secondLink(addresses: string[], routes: string[] = []): void {
    ipBatch([], ['addr flush dev s2', 'route flush dev s2']);
    run(['ip', '-6', 'route', 'flush', 'dev', 's2']);
    ipBatch([], [
      `addr add ${DNS_LINK.ours}/24 dev s2`,
      ...addresses.map((a) => `addr add ${a} dev s2${isV6(a) ? ' nodad' : ''}`),
      ...routes.map((d) => `route replace ${d} dev s2 metric 10`),
    ]);
  }

  /** Packets the peer has received on r1 and r2. */
  peerRx(): { r1: number; r2: number } {
    const rx = (dev: string): number => (JSON.parse(run([...this.nsenter(), 'ip', '-s', '-j', 'link', 'show', 'dev', dev])) as Array<{ stats64: { rx: { packets: number } } }>)[0]!.stats64.rx.packets;
    return { r1: rx('r1'), r2: rx('r2') };
  }

  /**
   * A TCP server on the peer (every address, `port`) that logs the source address of each connection
   * it accepts; `seen` holds them in order.
   */
  listen(port: number): Promise<PeerLines> {
    return this.peerNode(`
      import net from 'node:net';
      net.createServer((s) => { s.on('error', () => {}); console.log(s.remoteAddress.replace(/^::ffff:/, '')); s.end(); })
        .listen(${port}, '::', () => console.log('ready'));`);
  }

  /** A Node program (ES module source) in the peer namespace: ready once it prints `ready`; its other lines in `seen`. */
  async peerNode(source: string): Promise<PeerLines> {
    const child = spawn(this.nsenter()[0]!, [...this.nsenter().slice(1), process.execPath, '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.children.push(child);
    const seen: string[] = [];
    const waiting: Array<() => void> = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const l of lines) {
          if (l === 'ready') resolve();
          else seen.push(l);
        }
        for (const w of waiting.splice(0)) w();
      });
      child.once('exit', (code) => reject(new Error(`the peer program exited (${code}) before it was ready`)));
    });
    const next = (count: number): Promise<string> => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the peer printed no line ${count + 1} within 5 s; seen: ${seen.join(', ')}`)), 5000);
      const check = (): void => {
        if (seen.length > count) {
          clearTimeout(timer);
          resolve(seen[count]!);
        } else waiting.push(check);
      };
      check();
    });
    return { seen, next };
  }

  async close(): Promise<void> {
    await endProcesses([...this.children, this.peer]);
    spawnSync('ip', ['link', 'del', 's1'], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 's2'], { stdio: 'ignore' });
  }
}
