/**
 * Which link DNS queries leave through, with a DNS interface. The DNS server is on an address of
 * the peer's reachable through both links (192.0.2.53 on its lo); our routes prefer h2. It listens
 * over UDP once per link (sockets bound to p1 and to p2), so each query it hears names the link it
 * came in on; and the links are kept quiet (no IPv6 on h1 and h2, permanent neighbour entries: no
 * router solicitations, MLD or ARP), so the peer's receive counters on p1 and p2 count exactly the
 * packets the lookups sent through h1 and h2.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Bed, BED } from '../helpers/bed.js';
import { needs } from '../helpers/needs.js';
import type { ZoneServerConfig } from '../helpers/dns-server.js';
import { deviceBinding } from '../../src/bind/index.js';
import { resolve, type DnsQueryMessage, type ResolveOptions } from '../../src/resolve/index.js';
import { connect } from '../../src/connect/index.js';

const DNS = '192.0.2.53';

interface HeardLine { transport: 'udp' | 'tcp'; from: string; link?: string; name: string; type: string }
interface Counted<T> { result: T; heard: HeardLine[]; p1: number; p2: number }
type ChildResult = { records?: Array<{ address: string }>; error?: { code: string; message: string }; messages: DnsQueryMessage[] };

/** Runs a command in this namespace and returns its output. */
function run(args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function mac(dev: string, exec: (args: string[]) => string): string {
  const [link] = JSON.parse(exec(['ip', '-j', 'link', 'show', 'dev', dev])) as Array<{ address: string }>;
  return link!.address;
}

describe('DNS queries with a DNS interface leave through that link (counted on the peer)', function () {
  this.timeout(30_000);
  let bed: Bed | undefined;
  let server: ChildProcess | undefined;
  const heard: HeardLine[] = [];

  before(async function () {
    needs(this, deviceBinding().available, `device binding is unavailable (${deviceBinding().reason})`);
    bed = await Bed.create();
    bed.preferH2(DNS);
    writeFileSync('/proc/sys/net/ipv6/conf/h1/disable_ipv6', '1');
    const peer = (args: string[]): string => bed!.peerRun(args);
    // preferH2 fixed the neighbours of each link. The server answers from the socket of the link a query came in on, and a device-bound socket
    // sends on its device even with no route there (on-link): a query from h1's address that came in
    // on p2 is answered through p2, which needs h1's address as a neighbour on p2 (else h2 answers an ARP).
    peer(['ip', 'neigh', 'replace', BED.h1.v4, 'lladdr', mac('h2', run), 'dev', 'p2', 'nud', 'permanent']);

    const config: ZoneServerConfig = {
      host: DNS, port: 53, devices: ['p1', 'p2'], ttl: 30,
      zone: { 'x.test': { A: ['192.0.2.80'], AAAA: ['2001:db8::80'] }, 'big.test': { A: Array.from({ length: 40 }, (_, i) => `192.0.2.${100 + i}`) } },
      truncate: ['big.test'],
    };
    const helper = pathToFileURL(fileURLToPath(new URL('../helpers/dns-server.js', import.meta.url))).href;
    server = await bed.peerNode(`import { serveZone } from ${JSON.stringify(helper)}; await serveZone(${JSON.stringify(config)});`);
    createInterface({ input: server.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) heard.push(JSON.parse(line) as HeardLine);
    });
  });

  after(async () => bed?.close());

  /** Runs `fn`, then waits (bounded) until the server has printed `expect` queries; the peer's rx counters around it. */
  async function counted<T>(expect: number, fn: () => Promise<T>): Promise<Counted<T>> {
    const from = heard.length;
    const [p1, p2] = await bed!.peerRxQuiet();
    const before = { p1, p2 };
    const result = await fn();
    for (let i = 0; i < 100 && heard.length < from + expect; i++) await new Promise((r) => setTimeout(r, 20));
    const c = { result, heard: heard.slice(from), p1: bed!.peerRx('p1') - before.p1, p2: bed!.peerRx('p2') - before.p2 };
    console.log(`      (peer rx: p1 +${c.p1}, p2 +${c.p2}; heard: ${c.heard.map((h) => `${h.transport} ${h.type} from ${h.from}${h.link ? ` on ${h.link}` : ''}`).join(', ') || 'nothing'})`);
    return c;
  }

  /** A lookup in a child process with HIPER_DEVICE_BINDING=off (device binding is decided once per process). */
  async function withoutDeviceBinding(name: string, options: ResolveOptions): Promise<ChildResult> {
    const script = fileURLToPath(new URL('../helpers/dns-egress-child.js', import.meta.url));
    const r = await promisify(execFile)(process.execPath, [script, name, JSON.stringify(options)], { env: { ...process.env, HIPER_DEVICE_BINDING: 'off' }, timeout: 20_000 });
    return JSON.parse(r.stdout) as ChildResult;
  }

  const options = { dnsServers: [DNS], cache: false as const };

  it('the routes prefer h2: a query with no DNS interface reaches the server through p2', async () => {
    const c = await counted(1, () => resolve('x.test', { ...options, family: 4 }));
    assert.deepEqual(c.result.map((r) => r.address), ['192.0.2.80']);
    assert.deepEqual(c.heard.map((h) => `${h.transport} ${h.link} ${h.from}`), [`udp p2 ${BED.h2.v4}`]);
    assert.deepEqual([c.p1, c.p2], [0, 1]);
  });

  it('dnsInterface h1: A and AAAA leave device-bound through h1 and only h1', async () => {
    const c = await counted(2, () => resolve('x.test', { ...options, dnsInterface: 'h1' }));
    assert.deepEqual(new Set(c.result.map((r) => `${r.address} ${r.ttl}`)), new Set(['192.0.2.80 30', '2001:db8::80 30']));
    assert.deepEqual(c.heard.map((h) => `${h.transport} ${h.link} ${h.from}`).sort(), [`udp p1 ${BED.h1.v4}`, `udp p1 ${BED.h1.v4}`]);
    assert.deepEqual(c.heard.map((h) => h.type).sort(), ['A', 'AAAA']);
    assert.deepEqual([c.p1, c.p2], [2, 0]);
  });

  it('a truncated answer is asked again over TCP, through h1 as well', async () => {
    const c = await counted(2, () => resolve('big.test', { ...options, dnsInterface: 'h1', family: 4 }));
    assert.equal(c.result.length, 40);
    assert.deepEqual(c.heard.map((h) => `${h.transport} ${h.link ?? '-'} ${h.from}`), [`udp p1 ${BED.h1.v4}`, `tcp - ${BED.h1.v4}`]);
    // The datagram, then the connection: SYN, ACK, the query, at least the ACK of the answer and the FIN.
    assert.ok(c.p1 >= 5, `${c.p1} packets on p1`);
    assert.equal(c.p2, 0);
  });

  it('without device binding: the fallback from h1\'s address is told as such, and its query leaves through h2', async () => {
    const c = await counted(1, () => withoutDeviceBinding('x.test', { ...options, dnsInterface: 'h1', family: 4 }));
    assert.deepEqual(c.result.records?.map((r) => r.address), ['192.0.2.80'], c.result.error?.message);
    assert.deepEqual(c.result.messages.map((m) => [m.transport, m.method, m.device, m.localAddress, m.server]), [['c-ares', 'address', 'h1', BED.h1.v4, `${DNS}:53`]]);
    assert.match(c.result.messages[0]!.reason!, /HIPER_DEVICE_BINDING=off/);
    // h1's source address, but the kernel routed it by destination: out through h2.
    assert.deepEqual(c.heard.map((h) => `${h.transport} ${h.link} ${h.from}`), [`udp p2 ${BED.h1.v4}`]);
    assert.deepEqual([c.p1, c.p2], [0, 1]);
  });

  it('without device binding and with strict: ERR_DEVICE_BIND_UNAVAILABLE, and no packet leaves', async () => {
    const c = await counted(0, () => withoutDeviceBinding('x.test', { ...options, dnsInterface: 'h1', strict: true }));
    assert.equal(c.result.error?.code, 'ERR_DEVICE_BIND_UNAVAILABLE');
    assert.deepEqual(c.result.messages, []);
    assert.deepEqual(c.heard, []);
    assert.deepEqual([c.p1, c.p2], [0, 0]);
  });

  /** Connects to x.test through h1; nothing answers there (192.0.2.80): what counts is the lookup before. */
  const connectThroughH1 = (dnsFollowsInterface?: boolean): Promise<void> =>
    connect({ host: 'x.test', port: 53, interface: 'if!h1', family: 4, timeout: 300, resolve: options, ...(dnsFollowsInterface ? { dnsFollowsInterface } : {}) })
      .then((c) => void c.socket.destroy(), () => undefined);

  it('connect with dnsFollowsInterface: the lookup leaves through the transfer\'s interface, h1', async () => {
    const c = await counted(1, () => connectThroughH1(true));
    assert.deepEqual(c.heard.map((h) => `${h.transport} ${h.link} ${h.from}`), [`udp p1 ${BED.h1.v4}`]);
    assert.equal(c.p2, 0);
  });

  it('connect without dnsFollowsInterface: the lookup follows the routes (h2), as in curl', async () => {
    const c = await counted(1, () => connectThroughH1());
    assert.deepEqual(c.heard.map((h) => `${h.transport} ${h.link} ${h.from}`), [`udp p2 ${BED.h2.v4}`]);
  });
});
