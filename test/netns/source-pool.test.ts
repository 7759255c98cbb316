/**
 * Source address pools on a real link: a four-address pool spreads 16 parallel transfers (the library's
 * Multi and `hiper get -Z`) over all four, as the peer sees them; with --interface the pool's
 * connections leave through that link although the routes prefer the other (peer packet counts);
 * hash keeps one source per host; a prefix pool with --freebind connects from addresses no link has.
 */
import assert from 'node:assert/strict';
import { Multi } from '../../src/multi/index.js';
import { connect } from '../../src/connect/index.js';
import { deviceBinding } from '../../src/bind/index.js';
import { PoolBed, POOL_BED } from '../helpers/pool-bed.js';
import { runCli } from '../helpers/cli.js';
import { needs } from '../helpers/needs.js';

const { pool, port } = POOL_BED;
const url = (host: string, hold: number, i: number): string => `http://${host}:${port}/${i}?hold=${hold}`;
const counts = (list: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const a of [...list].sort()) out[a] = (out[a] ?? 0) + 1;
  return out;
};
const fourEach = Object.fromEntries(pool.map((a) => [a, 4]));

/** `hiper get -Z` with one URL per transfer, bodies (the source the peer saw) and %{local_ip} on stdout as "PEER_SAW LOCAL_IP" lines. */
async function getParallel(urls: string[], flags: string[]): Promise<Array<[string, string]>> {
  const r = await runCli(['get', '-Z', '--parallel-max', String(urls.length), '-s', '-S', ...flags, '-w', ' %{local_ip}\\n', ...urls], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.err);
  return r.out.trim().split('\n').map((line) => line.split(' ') as [string, string]);
}

describe('source address pools in the namespace bed', function () {
  this.timeout(30_000);
  let bed: PoolBed;
  before(async () => {
    bed = await PoolBed.create();
    await bed.whoami();
  });
  after(() => bed?.close());

  it('a Multi: 16 parallel transfers to one origin use all four sources, 4 each; info.local.address is what the peer saw', async () => {
    const multi = new Multi({ maxConnectionsPerHost: 16 });
    try {
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => multi.add({ url: url(POOL_BED.service.v4, 16, i), localAddress: [...pool] }).done));
      const seen = results.map((r) => String(r.body));
      assert.deepEqual(counts(seen), fourEach);
      for (const r of results) assert.equal(r.info.local?.address, String(r.body));
      assert.equal(new Set(results.map((r) => r.info.connectionId)).size, 16);
    } finally {
      await multi.close();
    }
  });

  it("hiper get -Z with 16 URLs and --source-pool A,B,C,D: all four, 4 each; -w '%{local_ip}' prints the source the peer saw", async () => {
    const lines = await getParallel(Array.from({ length: 16 }, (_, i) => url(POOL_BED.service.v4, 16, i)), ['--source-pool', pool.join(',')]);
    assert.equal(lines.length, 16);
    for (const [saw, local] of lines) assert.equal(local, saw);
    assert.deepEqual(counts(lines.map(([saw]) => saw)), fourEach);
  });

  it('with --interface if!sp1: the pool spreads, and every packet leaves through sp1 although the routes prefer sp2', async function () {
    needs(this, deviceBinding().available, `device binding (the addon) is unavailable: ${deviceBinding().reason}`);
    const [before1, before2] = await bed.peerRxQuiet();
    const lines = await getParallel(Array.from({ length: 16 }, (_, i) => url(POOL_BED.preferSp2, 16, i)), ['--interface', 'if!sp1', '--source-pool', pool.join(',')]);
    assert.deepEqual(counts(lines.map(([saw]) => saw)), fourEach);
    const [after1, after2] = await bed.peerRxQuiet();
    assert.equal(after2 - before2, 0, 'nothing reached the peer through sp2');
    // Each of the 16 connections: SYN, ACK, request, ACK of the response, FIN (at least 4 each).
    assert.ok(after1 - before1 >= 16 * 4, `the peer received ${after1 - before1} packets on spr1`);
  });

  it('hash: one host keeps one source over 8 connections; each host gets a source of the pool', async () => {
    const hosts = ['a.pool.test', 'b.pool.test', 'c.pool.test'];
    for (const host of hosts) {
      const urls = Array.from({ length: 8 }, (_, i) => url(host, 8, i));
      const lines = await getParallel(urls, ['--source-pool', pool.join(','), '--source-policy', 'hash', '--resolve', `${host}:${port}:${POOL_BED.service.v4}`]);
      assert.equal(lines.length, 8);
      const sources = new Set(lines.map(([saw]) => saw));
      assert.equal(sources.size, 1, `${host}: ${[...sources].join()}`);
      assert.ok(pool.includes([...sources][0] as never));
    }
  });

  const prefixes: Array<{ name: string; prefix: string; target: string; expect: string[] }> = [
    { name: 'IPv6 2001:db8:5::/120', prefix: POOL_BED.prefix.v6, target: `[${POOL_BED.service.v6}]`, expect: ['2001:db8:5::1', '2001:db8:5::2', '2001:db8:5::3', '2001:db8:5::4'] },
    { name: 'IPv4 198.51.100.64/28', prefix: POOL_BED.prefix.v4, target: POOL_BED.service.v4, expect: ['198.51.100.65', '198.51.100.66', '198.51.100.67', '198.51.100.68'] },
  ];
  for (const c of prefixes) {
    it(`--source-pool ${c.name} --freebind: four connections from four addresses of the prefix that no link has`, async () => {
      const lines = await getParallel(Array.from({ length: 4 }, (_, i) => url(c.target, 4, i)), ['--source-pool', c.prefix, '--freebind']);
      for (const [saw, local] of lines) assert.equal(local, saw);
      assert.deepEqual(lines.map(([saw]) => saw).sort(), c.expect);
      const ours = bed.ourAddresses();
      for (const a of c.expect) assert.ok(!ours.includes(a), `${a} is configured on a link`);
    });
  }

  it('the control: without freebind an address of the IPv6 prefix cannot be bound (EADDRNOTAVAIL); with it, it can', async () => {
    const local = '2001:db8:5::99';
    await assert.rejects(connect({ host: POOL_BED.service.v6, port, localAddress: local }), (e: unknown) => {
      assert.equal((e as { code: string }).code, 'ERR_DEVICE_BIND_FAILED', String(e));
      assert.match(String((e as Error).message), /EADDRNOTAVAIL/);
      return true;
    });
    const { socket, trace } = await connect({ host: POOL_BED.service.v6, port, localAddress: local, freebind: true });
    socket.destroy();
    assert.equal(trace.local.address, local);
  });

  it('connect() with a prefix pool and freebind: trace.local is an address of the prefix, and the candidate was freebind', async () => {
    const { socket, trace } = await connect({ host: POOL_BED.service.v6, port, localAddress: { v6: POOL_BED.prefix.v6 }, freebind: true, sourcePolicy: 'random' });
    const local = socket.localAddress;
    socket.destroy();
    assert.match(trace.local.address, /^2001:db8:5::[0-9a-f]{1,2}$/);
    assert.equal(trace.local.address, local);
  });
});
