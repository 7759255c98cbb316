/**
 * resolve against real servers in the namespace bed: dnsmasq (DNS, --log-queries shows the source
 * address of every query) and dnsdist (a DoH frontend forwarding to that dnsmasq; LogAction shows the
 * client address of every DoH query). Only documentation addresses; every server is stopped in after().
 */
import { Multi, multiDohTransport } from '../../src/multi/index.js';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bed, BED } from '../helpers/bed.js';
import { makeCert, type TestCert } from '../helpers/cert.js';
import { hasProgram, needs } from '../helpers/needs.js';
import { HiperError } from '../../src/shared/index.js';
import { deviceBinding } from '../../src/bind/index.js';
import { httpsTransport } from '../../src/connect/index.js';
import { resolve, type DohConnectionInfo, type DohTransport } from '../../src/resolve/index.js';

/** A long-running program in the peer namespace whose output is kept for the tests to read. */
class PeerServer {
  output = '';
  private readonly listeners = new Set<() => void>();
  private constructor(readonly child: ChildProcess) {
    const onData = (d: Buffer): void => {
      this.output += d.toString();
      for (const l of this.listeners) l();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => { for (const l of this.listeners) l(); });
  }

  static async start(bed: Bed, args: string[], ready: RegExp): Promise<PeerServer> {
    const [cmd, ...rest] = [...bed.nsenter(), ...args];
    const server = new PeerServer(spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] }));
    await server.waitFor(ready, `${args[0]} to start`);
    return server;
  }

  /** Resolves once the output matches (checked as output arrives), or fails after `ms`. */
  waitFor(pattern: RegExp, what: string, ms = 5_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(this.output);
        if (m) return done(() => resolve(m));
        if (this.child.exitCode !== null) return done(() => reject(new Error(`${what}: the server exited (${this.child.exitCode}): ${this.output}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}; output so far:\n${this.output}`))), ms);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill();
      await once(this.child, 'exit');
    }
  }
}

/** Bounded wait until a TCP port accepts connections. */
async function portOpen(host: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ host, port }, () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${host}:${port} never opened`);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('resolve in the namespace bed (dnsmasq, dnsdist)', function () {
  this.timeout(30_000);
  let bed: Bed | undefined;
  let dnsmasq: PeerServer | undefined;

  before(async function () {
    needs(this, hasProgram('dnsmasq'), 'dnsmasq is not installed (apt-get install dnsmasq)');
    bed = await Bed.create();
    dnsmasq = await PeerServer.start(bed, [
      'dnsmasq', '-d', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--pid-file=', '--log-queries', '--log-facility=-',
      '--bind-interfaces', `--listen-address=${BED.p1.v4},${BED.p1.v6},${BED.p2.v4}`, '--port=53',
      '--local=/hiper.test/', '--local-ttl=30',
      '--host-record=www.hiper.test,198.51.100.10,2001:db8:1::10',
      '--host-record=v4only.hiper.test,198.51.100.11',
      '--cname=alias.hiper.test,www.hiper.test',
    ], /started, version/);
  });

  after(async () => {
    await dnsmasq?.stop();
    await bed?.close();
  });

  /** A unique name per test, so that each log line belongs to one test. */
  let n = 0;
  const unique = (): string => `q${++n}-${Date.now().toString(36)}.hiper.test`;

  describe('DNS servers with a chosen egress', function () {
    const queried = (name: string, type: 'A' | 'AAAA', from: string): RegExp => new RegExp(`query\\[${type}\\] ${escape(name)} from ${escape(from)}\\n`);

    it('dnsInterface h1 -> queries to 198.51.100.1 leave from 198.51.100.2', async () => {
      const name = unique();
      await assert.rejects(resolve(name, { dnsServers: [BED.p1.v4], dnsInterface: 'h1', family: 4, cache: false }), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND');
      await dnsmasq!.waitFor(queried(name, 'A', BED.h1.v4), 'the query in the dnsmasq log');
    });

    it('dnsLocalAddress4 203.0.113.2 -> queries leave from 203.0.113.2 (even toward h1\'s subnet)', async () => {
      const name = unique();
      await assert.rejects(resolve(name, { dnsServers: [BED.p1.v4], dnsLocalAddress4: BED.h2.v4, family: 4, cache: false }));
      await dnsmasq!.waitFor(queried(name, 'A', BED.h2.v4), 'the query in the dnsmasq log');
    });

    it('dnsInterface h2 -> queries to 203.0.113.1 leave from 203.0.113.2', async () => {
      const name = unique();
      await assert.rejects(resolve(name, { dnsServers: [BED.p2.v4], dnsInterface: 'h2', family: 4, cache: false }));
      await dnsmasq!.waitFor(queried(name, 'A', BED.h2.v4), 'the query in the dnsmasq log');
    });

    it('dnsInterface h1 -> queries to 2001:db8:1::1 leave from 2001:db8:1::2', async () => {
      const name = unique();
      await assert.rejects(resolve(name, { dnsServers: [BED.p1.v6], dnsInterface: 'h1', family: 6, cache: false }));
      await dnsmasq!.waitFor(queried(name, 'AAAA', BED.h1.v6), 'the query in the dnsmasq log');
    });

    it('dnsInterface h2 cannot reach an IPv6 server: an error naming why, no query leaves', async () => {
      await assert.rejects(resolve('www.hiper.test', { dnsServers: [BED.p1.v6], dnsInterface: 'h2', cache: false }), (e: unknown) => {
        assert.ok(e instanceof HiperError);
        assert.equal(e.code, 'ERR_INTERFACE_NO_ADDRESS');
        assert.match(e.message, /h2 has no IPv6 address/);
        return true;
      });
    });

    it('answers: A and AAAA with TTL, ordered (IPv6 first: the kernel routes it from the global IPv6 source of h1), CNAME, NXDOMAIN, no IPv6', async () => {
      const opts = { dnsServers: [BED.p1.v4], dnsInterface: 'h1', cache: false as const };
      assert.deepEqual(await resolve('www.hiper.test', opts), [
        { address: '2001:db8:1::10', family: 6, ttl: 30, source: 'dns' },
        { address: '198.51.100.10', family: 4, ttl: 30, source: 'dns' },
      ]);
      assert.deepEqual((await resolve('alias.hiper.test', { ...opts, family: 4 })).map((r) => r.address), ['198.51.100.10']);
      await assert.rejects(resolve('nx.hiper.test', opts), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND' && /nx\.hiper\.test does not exist/.test((e as HiperError).message));
      await assert.rejects(resolve('v4only.hiper.test', { ...opts, family: 6 }), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND' && /v4only\.hiper\.test has no IPv6 address/.test((e as HiperError).message));
    });

    it('REFUSED for a name outside the served zone', async () => {
      await assert.rejects(resolve('elsewhere.test', { dnsServers: [BED.p1.v4], family: 4, cache: false }), (e: unknown) => (e as HiperError).code === 'ERR_DNS_REFUSED');
    });
  });

  describe('DNS-over-HTTPS through dnsdist', function () {
    let dnsdist: PeerServer | undefined;
    let cert: TestCert | undefined;
    let dir: string | undefined;

    before(async function () {
      needs(this, hasProgram('dnsdist'), 'dnsdist is not installed (apt-get install dnsdist)');
      cert = makeCert(['doh.hiper.test', BED.p1.v4, BED.p2.v4, BED.p1.v6]);
      dir = mkdtempSync(join(tmpdir(), 'hiper-dnsdist-'));
      const conf = join(dir, 'dnsdist.conf');
      writeFileSync(conf, [
        'setSecurityPollSuffix("")',
        'setACL({"198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"})',
        `newServer({address="${BED.p1.v4}:53"}):setUp()`,
        ...[`${BED.p1.v4}:443`, `${BED.p2.v4}:443`, `[${BED.p1.v6}]:443`].map((a) => `addDOHLocal("${a}", "${cert!.certPath}", "${cert!.keyPath}", "/dns-query")`),
        'addAction(AllRule(), LogAction("", false, false, false, false, false))',
      ].join('\n'));
      dnsdist = await PeerServer.start(bed!, ['dnsdist', '--supervised', '--disable-syslog', '-C', conf], /Listening on .* for DoH/);
      await portOpen(BED.p1.v4, 443);
    });

    after(async () => {
      await dnsdist?.stop();
      cert?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The transport, remembering the connection of every request. */
    function watched(options: Parameters<typeof httpsTransport>[0]): { transport: DohTransport; connections: DohConnectionInfo[] } {
      const inner = httpsTransport({ ca: cert!.cert, ...options });
      const connections: DohConnectionInfo[] = [];
      return { connections, transport: async (req) => { const r = await inner(req); if (r.connection) connections.push(r.connection); return r; } };
    }
    const seenBy = (name: string, type: string, from: string): RegExp => new RegExp(`Packet from ${escape(from.includes(':') ? `[${from}]` : from)}:\\d+ for ${escape(name)}\\. ${type} with id 0`);

    it('A and AAAA, ordered, over a transport pinned to h1: dnsdist sees 198.51.100.2', async () => {
      const { transport, connections } = watched({ interface: 'h1' });
      const url = `https://${BED.p1.v4}/dns-query`;
      assert.deepEqual(await resolve('www.hiper.test', { doh: { url, transport }, cache: false }), [
        { address: '2001:db8:1::10', family: 6, ttl: 30, source: 'doh' },
        { address: '198.51.100.10', family: 4, ttl: 30, source: 'doh' },
      ]);
      assert.deepEqual(connections.map((c) => c.localAddress), [BED.h1.v4, BED.h1.v4]);
      await dnsdist!.waitFor(seenBy('www.hiper.test', 'A', BED.h1.v4), 'the A query in the dnsdist log');
      await dnsdist!.waitFor(seenBy('www.hiper.test', 'AAAA', BED.h1.v4), 'the AAAA query in the dnsdist log');
    });

    it('a transport pinned to local address 203.0.113.2: dnsdist on 198.51.100.1 sees 203.0.113.2', async () => {
      const { transport, connections } = watched({ localAddress: BED.h2.v4 });
      const name = unique();
      await assert.rejects(resolve(name, { doh: { url: `https://${BED.p1.v4}/dns-query`, transport }, family: 4, cache: false }), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND');
      assert.deepEqual(connections.map((c) => c.localAddress), [BED.h2.v4]);
      await dnsdist!.waitFor(seenBy(name, 'A', BED.h2.v4), 'the query in the dnsdist log');
    });

    it('over IPv6 from h1: dnsdist sees 2001:db8:1::2', async () => {
      const { transport, connections } = watched({ interface: 'h1' });
      const records = await resolve('alias.hiper.test', { doh: { url: `https://[${BED.p1.v6}]/dns-query`, transport, method: 'POST' }, family: 4, cache: false });
      assert.deepEqual(records, [{ address: '198.51.100.10', family: 4, ttl: 30, source: 'doh' }]);
      assert.deepEqual(connections.map((c) => c.localAddress), [BED.h1.v6]);
      await dnsdist!.waitFor(seenBy('alias.hiper.test', 'A', BED.h1.v6), 'the query in the dnsdist log');
    });

    it(`a transport pinned to h2 reaches 203.0.113.1 from 203.0.113.2 (${deviceBinding().available ? 'device' : 'address'} binding)`, async () => {
      const { transport, connections } = watched({ interface: 'h2' });
      const records = await resolve('www.hiper.test', { doh: { url: `https://${BED.p2.v4}/dns-query`, transport }, family: 6, cache: false });
      assert.deepEqual(records.map((r) => r.address), ['2001:db8:1::10']);
      assert.deepEqual(connections.map((c) => c.localAddress), [BED.h2.v4]);
    });

    it('over the multi layer (multiDohTransport) pinned to if!h1: pooled, and dnsdist sees 198.51.100.2', async () => {
      const multi = new Multi();
      try {
        const transport = multiDohTransport(multi, { interface: 'if!h1', tls: { ca: cert!.cert } });
        const name = unique();
        await assert.rejects(resolve(name, { doh: { url: `https://${BED.p1.v4}/dns-query`, transport }, cache: false }), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND');
        assert.deepEqual((await resolve('www.hiper.test', { doh: { url: `https://${BED.p1.v4}/dns-query`, transport, method: 'POST' }, family: 4, cache: false })).map((r) => r.address), ['198.51.100.10']);
        await dnsdist!.waitFor(seenBy(name, 'AAAA', BED.h1.v4), 'the query in the dnsdist log');
        assert.ok(multi.stats().connectionsOpened <= 2, `${multi.stats().connectionsOpened} connections for 3 queries`);
      } finally {
        await multi.close();
      }
    });

    it('NXDOMAIN, CNAME and no-address answers through DoH', async () => {
      const { transport } = watched({ interface: 'h1' });
      const doh = { url: `https://${BED.p1.v4}/dns-query`, transport };
      await assert.rejects(resolve('nx.hiper.test', { doh, cache: false }), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND' && /does not exist/.test((e as HiperError).message));
      assert.deepEqual((await resolve('alias.hiper.test', { doh, family: 6, cache: false })).map((r) => r.address), ['2001:db8:1::10']);
      await assert.rejects(resolve('v4only.hiper.test', { doh, family: 6, cache: false }), (e: unknown) => /has no IPv6 address/.test((e as HiperError).message));
    });
  });
});
