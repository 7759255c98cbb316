/**
 * hiper's own DNS client (dnsInterface with device binding) against small dns-packet servers on
 * 127.0.0.1, the queries bound to device lo. Waiting is driven by a fake clock: no sleeps.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { HiperError } from '../../../src/shared/index.js';
import { deviceBinding } from '../../../src/bind/index.js';
import { dnsServersIdentity, resolve, type DnsQueryMessage, type ResolveOptions } from '../../../src/resolve/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fdsSettle, openFds } from '../../helpers/fds.js';
import { needs } from '../../helpers/needs.js';
import { TestDnsServer, replyTo, type Heard, type Replier } from '../../helpers/dns-server.js';

const isCode = (code: string, mention?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (mention) assert.match(e.message, mention);
  return true;
};

const TOP_BIT = 0x8000_0000;
const rr = (h: Heard, data: string, ttl: number): dnsPacket.Answer =>
  h.type === 'AAAA' ? { name: h.name, type: 'AAAA', class: 'IN', ttl, data: `2001:db8::${data.split('.').pop()}` } : { name: h.name, type: 'A', class: 'IN', ttl, data };

/** The replies of the scripted server, by the first label of the name asked. */
const script: Record<string, (h: Heard, r: Replier) => void> = {
  ok: (h, r) => r.reply(replyTo(h.packet, [rr(h, '192.0.2.1', h.type === 'A' ? 300 : 200)])),
  topbit: (h, r) => r.reply(replyTo(h.packet, [rr(h, '192.0.2.2', TOP_BIT + 7)])),
  cname: (h, r) => r.reply(replyTo(h.packet, [{ name: h.name, type: 'CNAME', class: 'IN', ttl: 20, data: 'target.hiper.test' }, { ...rr(h, '192.0.2.3', 300), name: 'target.hiper.test' }])),
  nx: (h, r) => r.reply(replyTo(h.packet, [], 3)),
  servfail: (h, r) => r.reply(replyTo(h.packet, [], 2)),
  refused: (h, r) => r.reply(replyTo(h.packet, [], 5)),
  nodata: (h, r) => r.reply(replyTo(h.packet)),
  wrongid: (h, r) => {
    r.reply(replyTo(h.packet, [rr(h, '192.0.2.66', 60)], 0, 0, (h.id + 1) & 0xffff));
    r.reply(replyTo(h.packet, [rr(h, '192.0.2.4', 60)]));
  },
  wrongname: (h, r) => {
    r.reply(replyTo({ ...h.packet, questions: [{ name: 'evil.hiper.test', type: h.type as 'A', class: 'IN' }] }, [{ ...rr(h, '192.0.2.66', 60), name: 'evil.hiper.test' }]));
    r.reply(replyTo(h.packet, [rr(h, '192.0.2.5', 60)]));
  },
  otherport: (h, r) => {
    r.replyFromAnotherPort(replyTo(h.packet, [rr(h, '192.0.2.66', 60)]));
    r.reply(replyTo(h.packet, [rr(h, '192.0.2.6', 60)]));
  },
  malformed: (h, r) => {
    const bad = replyTo(h.packet, [rr(h, '192.0.2.7', 60)]);
    r.reply(bad.subarray(0, bad.length - 2));
  },
  big: (h, r) => {
    if (h.transport === 'udp') return r.reply(replyTo(h.packet, [], 0, dnsPacket.TRUNCATED_RESPONSE));
    r.reply(replyTo(h.packet, Array.from({ length: 40 }, (_, i) => rr(h, `192.0.2.${100 + i}`, 90))));
  },
  silent: () => {},
};

function scripted(h: Heard, r: Replier): void {
  (script[h.name.split('.')[0]!] ?? script.nx!)(h, r);
}

describe('resolve: hiper\'s DNS client, device-bound to lo', function () {
  let main: TestDnsServer;
  let server: string;
  before(async function () {
    needs(this, deviceBinding().available, `device binding is unavailable (${deviceBinding().reason})`);
    main = await TestDnsServer.start({ host: '127.0.0.1', respond: scripted });
    server = `127.0.0.1:${main.port}`;
    // Once, before fds are counted: the process-wide parts a first lookup opens (the live interface table's netlink socket).
    await resolve('ok.hiper.test', opts());
  });
  after(async () => main?.close());

  const opts = (extra: Partial<ResolveOptions> = {}): ResolveOptions => ({ dnsServers: [server], dnsInterface: 'lo', cache: false, ...extra });

  /** Runs `body` and checks that it leaves no fd open and (with a fake clock) no timer behind. */
  async function clean<T>(clock: FakeClock | undefined, body: () => Promise<T>): Promise<T> {
    const before = openFds();
    const result = await body();
    assert.equal(await fdsSettle(before), before, 'fds left open');
    if (clock) assert.equal(clock.pending, 0, 'timers left');
    return result;
  }

  const answers: Array<[string, Partial<ResolveOptions>, string[]]> = [
    ['ok.hiper.test', {}, ['192.0.2.1 4 300', '2001:db8::1 6 200']],
    ['topbit.hiper.test', { family: 4 }, ['192.0.2.2 4 0']],
    ['cname.hiper.test', { family: 4 }, ['192.0.2.3 4 20']],
    ['wrongid.hiper.test', { family: 4 }, ['192.0.2.4 4 60']],
    ['wrongname.hiper.test', { family: 4 }, ['192.0.2.5 4 60']],
    ['otherport.hiper.test', { family: 4 }, ['192.0.2.6 4 60']],
  ];
  for (const [name, extra, expected] of answers) {
    it(`${name} -> ${expected.join(', ')}`, async () => {
      const records = await clean(undefined, () => resolve(name, opts(extra)));
      assert.deepEqual(new Set(records.map((r) => `${r.address} ${r.family} ${r.ttl}`)), new Set(expected));
      assert.ok(records.every((r) => r.source === 'dns'));
    });
  }

  const failures: Array<[string, string, RegExp]> = [
    ['nx.hiper.test', 'ERR_DNS_NOT_FOUND', /nx\.hiper\.test does not exist \(NXDOMAIN\)/],
    ['servfail.hiper.test', 'ERR_DNS_SERVFAIL', /SERVFAIL/],
    ['refused.hiper.test', 'ERR_DNS_REFUSED', /REFUSED/],
    ['nodata.hiper.test', 'ERR_DNS_NOT_FOUND', /nodata\.hiper\.test has no IPv4 address/],
    ['malformed.hiper.test', 'ERR_DNS_FAILED', /malformed answer from 127\.0\.0\.1:\d+/],
  ];
  for (const [name, code, message] of failures) {
    it(`${name} -> ${code}`, async () => {
      await clean(undefined, () => assert.rejects(resolve(name, opts({ family: 4 })), isCode(code, message)));
    });
  }

  it('a truncated answer is asked again over TCP from the same egress, and the full answer is taken', async () => {
    const from = main.heard.length;
    const records = await clean(undefined, () => resolve('big.hiper.test', opts({ family: 4 })));
    assert.equal(records.length, 40);
    assert.deepEqual(main.heard.slice(from).map((h) => `${h.transport} ${h.from}`), ['udp 127.0.0.1', 'tcp 127.0.0.1']);
  });

  it('each query is told on "hiper:dns:query" with method device, and queries carry fresh IDs', async () => {
    const seen: DnsQueryMessage[] = [];
    const listen = (m: unknown): void => { seen.push(m as DnsQueryMessage); };
    subscribe('hiper:dns:query', listen);
    const from = main.heard.length;
    try {
      await resolve('ok.hiper.test', opts());
    } finally {
      unsubscribe('hiper:dns:query', listen);
    }
    assert.deepEqual(seen.map((m) => `${m.type} ${m.transport} ${m.method} ${m.device} ${m.localAddress} ${m.server} ${m.try}`).sort(), [
      `A udp device lo 127.0.0.1 ${server} 1`, `AAAA udp device lo 127.0.0.1 ${server} 1`,
    ]);
    const ids = main.heard.slice(from).map((h) => h.id);
    assert.equal(new Set(ids).size, 2);
  });

  it('strict is met with device binding', async () => {
    assert.equal((await resolve('ok.hiper.test', opts({ family: 4, strict: true }))).length, 1);
  });

  it('the cache key tells device-bound, address-bound and other configurations apart', () => {
    const ids = [
      dnsServersIdentity({ servers: [server], interface: 'lo' }),
      dnsServersIdentity({ servers: [server] }),
      dnsServersIdentity({ servers: [server], localAddress4: '127.0.0.1' }),
      dnsServersIdentity({ servers: [server], interface: 'h1' }),
    ];
    assert.equal(new Set(ids).size, ids.length);
    assert.match(ids[0]!, /\|lo\|.*\|device$/);
  });

  describe('servers, tries and time limits (fake clock)', function () {
    let silent: TestDnsServer;
    let other: TestDnsServer;
    before(async () => {
      silent = await TestDnsServer.start({ host: '127.0.0.1', respond: () => {} });
      other = await TestDnsServer.start({ host: '127.0.0.1', respond: scripted });
    });
    after(async () => {
      await silent?.close();
      await other?.close();
    });

    /** Waits (bounded by the test timeout) until `server` has heard `n` queries in all. */
    async function heard(s: TestDnsServer, n: number): Promise<void> {
      while (s.heard.length < n) await s.nextHeard();
    }

    it('no answer from the first server: after its try times out, the next server answers', async () => {
      const clock = new FakeClock();
      const base = silent.heard.length;
      const records = await clean(clock, async () => {
        const p = resolve('ok.hiper.test', opts({ family: 4, clock, dnsServers: [`127.0.0.1:${silent.port}`, `127.0.0.1:${other.port}`] }));
        await heard(silent, base + 1);
        clock.advance(1_999);
        assert.equal(other.heard.filter((h) => h.name === 'ok.hiper.test').length, 0);
        clock.advance(1);
        return p;
      });
      assert.deepEqual(records.map((r) => r.address), ['192.0.2.1']);
    });

    it('SERVFAIL from the first server: the next one is asked at once', async () => {
      const mixed = await TestDnsServer.start({ host: '127.0.0.1', respond: (h, r) => r.reply(replyTo(h.packet, [], 2)) });
      try {
        const got = await clean(undefined, () => resolve('ok.hiper.test', opts({ family: 4, dnsServers: [`127.0.0.1:${mixed.port}`, `127.0.0.1:${other.port}`] })));
        assert.deepEqual(got.map((r) => r.address), ['192.0.2.1']);
        assert.equal(mixed.heard.length, 1);
      } finally {
        await mixed.close();
      }
    });

    it('a closed port (ICMP unreachable) passes to the next server without waiting', async () => {
      const dead = dgram.createSocket('udp4');
      dead.bind(0, '127.0.0.1');
      await once(dead, 'listening');
      const port = dead.address().port;
      await new Promise<void>((r) => dead.close(() => r()));
      const clock = new FakeClock();
      const records = await clean(clock, () => resolve('ok.hiper.test', opts({ family: 4, clock, dnsServers: [`127.0.0.1:${port}`, `127.0.0.1:${other.port}`] })));
      assert.deepEqual(records.map((r) => r.address), ['192.0.2.1']);
    });

    it('all servers silent: 2 tries each, the timeout doubling, then ERR_DNS_FAILED naming them, all sockets closed', async () => {
      const clock = new FakeClock();
      const second = await TestDnsServer.start({ host: '127.0.0.1', respond: () => {} });
      const base = silent.heard.length;
      try {
        await clean(clock, async () => {
          const p = resolve('silent.hiper.test', opts({ family: 4, clock, dnsServers: [`127.0.0.1:${silent.port}`, `127.0.0.1:${second.port}`] }));
          const failed = assert.rejects(p, (e: unknown) => {
            isCode('ERR_DNS_FAILED', /no answer from 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ \(timed out, 4 tries\)/)(e);
            const attempts = (e as HiperError).details.queries as Array<{ outcome: string; try: number }>;
            assert.deepEqual(attempts.map((a) => `${a.try} ${a.outcome}`), ['1 timeout', '1 timeout', '2 timeout', '2 timeout']);
            return true;
          });
          await heard(silent, base + 1);
          clock.advance(2_000);
          await heard(second, 1);
          clock.advance(2_000);
          await heard(silent, base + 2);
          clock.advance(3_999);
          assert.equal(second.heard.length, 1, 'the second round waits twice as long');
          clock.advance(1);
          await heard(second, 2);
          clock.advance(4_000);
          await failed;
        });
        assert.equal(silent.heard.length - base + second.heard.length, 4);
      } finally {
        await second.close();
      }
    });

    it('resolve\'s own time limit ends the lookup first: ERR_TIMEOUT, the query socket closed', async () => {
      const clock = new FakeClock();
      const base = silent.heard.length;
      await clean(clock, async () => {
        const p = resolve('silent.hiper.test', opts({ family: 4, clock, timeout: 1_500, dnsServers: [`127.0.0.1:${silent.port}`] }));
        const failed = assert.rejects(p, isCode('ERR_TIMEOUT', /took longer than 1500 ms/));
        await heard(silent, base + 1);
        clock.advance(1_500);
        await failed;
      });
    });

    it('abort mid-query: ERR_ABORTED, sockets closed, nothing left behind', async () => {
      const clock = new FakeClock();
      const base = silent.heard.length;
      await clean(clock, async () => {
        const ac = new AbortController();
        const p = resolve('silent.hiper.test', opts({ clock, signal: ac.signal, dnsServers: [`127.0.0.1:${silent.port}`] }));
        const failed = assert.rejects(p, isCode('ERR_ABORTED'));
        await heard(silent, base + 2); // A and AAAA
        ac.abort();
        await failed;
      });
    });

    it('abort during the TCP retry closes the TCP socket too', async () => {
      const clock = new FakeClock();
      const hold = await TestDnsServer.start({ host: '127.0.0.1', respond: (h, r) => { if (h.transport === 'udp') r.reply(replyTo(h.packet, [], 0, dnsPacket.TRUNCATED_RESPONSE)); } });
      try {
        await clean(clock, async () => {
          const ac = new AbortController();
          const failed = assert.rejects(resolve('big.hiper.test', opts({ family: 4, clock, signal: ac.signal, dnsServers: [`127.0.0.1:${hold.port}`] })), isCode('ERR_ABORTED'));
          await heard(hold, 2);
          assert.equal(hold.heard[1]!.transport, 'tcp');
          ac.abort();
          await failed;
        });
      } finally {
        await hold.close();
      }
    });
  });
});

describe('resolve: a DNS interface without device binding (HIPER_DEVICE_BINDING=off)', function () {
  let dns: TestDnsServer;
  before(async () => {
    dns = await TestDnsServer.start({ host: '127.0.0.1', respond: (h, r) => r.reply(replyTo(h.packet, h.type === 'A' ? [{ name: h.name, type: 'A', class: 'IN', ttl: 30, data: '192.0.2.1' }] : [])) });
  });
  after(async () => dns?.close());

  type ChildResult = { records?: Array<{ address: string }>; error?: { code: string; message: string }; messages: DnsQueryMessage[] };
  /** Asynchronous: the server answers from this process meanwhile. */
  async function child(options: ResolveOptions): Promise<ChildResult> {
    const script = fileURLToPath(new URL('../../helpers/dns-egress-child.js', import.meta.url));
    const r = await promisify(execFile)(process.execPath, [script, 'www.hiper.test', JSON.stringify(options)], { env: { ...process.env, HIPER_DEVICE_BINDING: 'off' }, timeout: 15_000 });
    return JSON.parse(r.stdout) as ChildResult;
  }

  it('falls back to c-ares from the interface\'s address and says so on "hiper:dns:query"', async () => {
    const from = dns.heard.length;
    const out = await child({ dnsServers: [`127.0.0.1:${dns.port}`], dnsInterface: 'lo', family: 4, cache: false });
    assert.deepEqual(out.records?.map((r) => r.address), ['192.0.2.1']);
    assert.deepEqual(dns.heard.slice(from).map((h) => h.from), ['127.0.0.1']);
    assert.equal(out.messages.length, 1);
    const m = out.messages[0]!;
    assert.deepEqual([m.transport, m.method, m.device, m.localAddress, m.server], ['c-ares', 'address', 'lo', '127.0.0.1', `127.0.0.1:${dns.port}`]);
    assert.match(m.reason!, /device binding is unavailable \(turned off by HIPER_DEVICE_BINDING=off\); queries are bound to lo's addresses only/);
  });

  it('strict refuses it with ERR_DEVICE_BIND_UNAVAILABLE and sends nothing', async () => {
    const from = dns.heard.length;
    const out = await child({ dnsServers: [`127.0.0.1:${dns.port}`], dnsInterface: 'lo', strict: true, cache: false });
    assert.equal(out.error?.code, 'ERR_DEVICE_BIND_UNAVAILABLE');
    assert.match(out.error!.message, /strict: DNS interface "lo" needs device binding.*HIPER_DEVICE_BINDING=off.*no query was sent/);
    assert.deepEqual(out.messages, []);
    assert.equal(dns.heard.length, from);
  });

  it('without a DNS interface nothing changes: c-ares from dnsLocalAddress4, strict or not', async () => {
    const from = dns.heard.length;
    const out = await child({ dnsServers: [`127.0.0.1:${dns.port}`], dnsLocalAddress4: '127.0.0.2', strict: true, family: 4, cache: false });
    assert.deepEqual(out.records?.map((r) => r.address), ['192.0.2.1']);
    assert.deepEqual(dns.heard.slice(from).map((h) => h.from), ['127.0.0.2']);
    assert.deepEqual(out.messages.map((m) => [m.transport, m.method, m.device, m.reason]), [['c-ares', 'address', undefined, undefined]]);
  });
});
