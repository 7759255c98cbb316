/**
 * What ShardedMulti adds to the Multi behaviour suite (multi.test.ts and the others run against it
 * too): what cannot cross a thread is refused by name; transfers of one pool key meet in one worker;
 * bodies arrive as ArrayBuffers of their own; lookups go through this thread's one DNS cache; the
 * callbacks run here; errors keep their code, message, input and details; a worker that ends takes
 * only its own transfers with it (ERR_WORKER_LOST) and is replaced.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Multi, ShardedMulti, type MultiApi } from '../../../src/multi/index.js';
import { poolKey, shardOf } from '../../../src/multi/sharded/shard-key.js';
import { ConnectionIds } from '../../../src/multi/sharded/connection-ids.js';
import { HiperError, parseTargetUrl } from '../../../src/shared/index.js';
import { code } from '../../helpers/expect-code.js';
import { startFaultServer, expectedBody, type FaultServer } from '../../helpers/fault-server.js';
import { TestDnsServer, replyTo } from '../../helpers/dns-server.js';

/** An HTTP server whose handler is given per test. */
async function httpServer(handler: http.RequestListener): Promise<{ base: string; close(): Promise<void> }> {
  const srv = http.createServer(handler);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    base: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    close: async () => {
      srv.closeAllConnections();
      srv.close();
      await once(srv, 'close');
    },
  };
}

describe('ShardedMulti', function () {
  this.timeout(20_000);
  let server: FaultServer;
  let base: string;
  let multi: ShardedMulti;
  before(async () => {
    server = await startFaultServer({ seed: 31 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());
  beforeEach(() => {
    multi = new ShardedMulti({ workers: 2, pipelining: true });
  });
  afterEach(() => multi.close());

  describe('what cannot cross a thread is refused, naming it', () => {
    const multiCases: Array<[string, Record<string, unknown>, string]> = [
      ['workers 0', { workers: 0 }, 'workers'],
      ['workers 1.5', { workers: 1.5 }, 'workers'],
      ['a connector', { connector: async () => undefined }, 'connector'],
      ['a resolver', { resolver: async () => [] }, 'resolver'],
      ['a clock', { clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} } }, 'clock'],
      ['a chooser', { chooseConnection: () => 'wait' }, 'chooseConnection'],
      ['a function inside tls', { tls: { checkServerIdentity: () => undefined } }, 'tls.checkServerIdentity'],
    ];
    for (const [name, options, input] of multiCases) {
      it(`new ShardedMulti with ${name}: ERR_INVALID_ARGUMENT naming ${input}`, () => {
        assert.throws(() => new ShardedMulti(options as never), (e: unknown) => code('ERR_INVALID_ARGUMENT')(e) && (e as HiperError).input === input);
      });
    }

    const transferCases: Array<[string, Record<string, unknown>, string]> = [
      ['a Readable body', { method: 'PUT', body: Readable.from([Buffer.from('x')]) }, 'body'],
      ['an async iterable body', { method: 'PUT', body: (async function* () { yield Buffer.from('x'); })() }, 'body'],
      ['socketOptions.beforeConnect', { socketOptions: { beforeConnect: () => {} } }, 'socketOptions.beforeConnect'],
      ['a resolve cache object', { resolve: { cache: new Map() } }, 'resolve.cache'],
      ['an abort signal in resolve', { resolve: { signal: new AbortController().signal } }, 'resolve.signal'],
    ];
    for (const [name, options, input] of transferCases) {
      it(`add() with ${name}: ERR_INVALID_ARGUMENT naming ${input}, nothing started`, () => {
        assert.throws(() => multi.add({ url: `${base}/size/1`, ...options } as never), (e: unknown) => code('ERR_INVALID_ARGUMENT')(e) && (e as HiperError).input === input);
        assert.equal(multi.stats().transfersRunning, 0);
      });
    }

    it('callbacks and bodies given whole do cross: onData, onHeaders, retry.onRetry, a Buffer and an array of them', async () => {
      const heads: number[] = [];
      const slices: Buffer[] = [];
      const r = await multi.add({
        url: `${base}/size/20`, method: 'POST', body: [Buffer.from('a'), Buffer.from('b')], retry: { count: 1, onRetry: () => {} },
        onHeaders: (h) => heads.push(h.status), onData: (c) => void slices.push(c),
      }).done;
      assert.deepEqual([r.status, heads, Buffer.concat(slices)], [200, [200], expectedBody('/size/20')]);
    });
  });

  describe('sharding by pool key', () => {
    it('one key always goes to one slot, and keys spread over every slot', () => {
      for (const workers of [1, 2, 3, 4, 16]) {
        const seen = new Set<number>();
        for (let i = 0; i < 256; i++) {
          const key = poolKey({ url: `http://198.51.100.${i}:80/` }, parseTargetUrl(`http://198.51.100.${i}:80/`), {});
          const slot = shardOf(key, workers);
          assert.equal(shardOf(key, workers), slot);
          assert.ok(slot >= 0 && slot < workers);
          seen.add(slot);
        }
        assert.equal(seen.size, workers, `${workers} workers`);
      }
    });

    it('the key is the one Multi pools by: egress and an http/1.1-only https are keys of their own', () => {
      const key = (o: Record<string, unknown>, url = 'http://127.0.0.1:8080/'): string => poolKey({ url, ...o }, parseTargetUrl(url), {});
      assert.notEqual(key({}), key({ localAddress: '127.0.0.2' }));
      assert.equal(key({ localAddress: '127.0.0.2' }), key({ localAddress: '127.0.0.2' }));
      assert.equal(key({ happyEyeballsDelay: 100 }), key({}), 'the attempt delay is not a key');
      assert.notEqual(key({}, 'https://127.0.0.1:8080/'), key({ httpVersion: '1.1' }, 'https://127.0.0.1:8080/'));
    });

    it('40 transfers of one origin pipeline on the connections of one worker', async () => {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => multi.add({ url: `${base}/size/${i}` }).done));
      results.forEach((r, i) => assert.deepEqual(r.body, expectedBody(`/size/${i}`)));
      assert.ok(results.some((r) => r.info.pipelinePosition > 0), 'pipelined');
      assert.equal(new Set(results.map((r) => r.info.connectionId)).size, multi.stats().connectionsOpened);
      assert.ok(multi.stats().connectionsOpened <= 6);
    });

    it('connection ids: by first sighting across slots, bounded, counted afresh for a replaced worker', () => {
      const ids = new ConnectionIds(3);
      const seen = (pairs: Array<[number, number]>): number[] => pairs.map(([slot, id]) => ids.of(slot, id));
      assert.deepEqual(seen([[0, 1], [1, 1], [0, 1], [0, 2], [1, 1]]), [1, 2, 1, 3, 2]);
      assert.deepEqual(seen([[0, 3], [0, 4], [0, 2], [0, 1]]), [4, 5, 3, 6], 'slot 0 keeps its 3 newest: 1 was forgotten');
      ids.forget(1);
      assert.deepEqual(seen([[1, 1]]), [7], 'a new worker in slot 1 counts from 1 again');
    });

    it('connection ids are never shared by two workers', async () => {
      const shown = new Set<number>();
      for (let i = 1; i <= 8; i++) {
        const r = await multi.add({ url: `${base}/size/1`, localAddress: `127.0.0.${i}` }).done;
        shown.add(r.info.connectionId!);
      }
      assert.equal(shown.size, 8);
    });

    it('ShardedMultis share the process\'s worker threads', () => {
      const other = new ShardedMulti({ workers: 2 });
      try {
        assert.deepEqual(other.threadIds, multi.threadIds);
        assert.equal(new Set(multi.threadIds).size, 2);
      } finally {
        void other.close();
      }
    });
  });

  describe('bodies move between threads', () => {
    it('a buffered body arrives in an ArrayBuffer of its own, byte-exact', async () => {
      const r = await multi.add({ url: `${base}/size/3000000` }).done;
      assert.ok(r.body.equals(expectedBody('/size/3000000')));
      assert.equal(r.body.byteOffset, 0);
      assert.equal(r.body.buffer.byteLength, r.body.length);
    });

    it('onData slices and streamed slices each arrive in an exact ArrayBuffer of their own', async () => {
      const slices: Buffer[] = [];
      await multi.add({ url: `${base}/size/500000`, onData: (c) => void slices.push(c) }).done;
      const t = multi.add({ url: `${base}/size/500000`, stream: true });
      for await (const c of (await t.response).body) slices.push(c);
      assert.ok(slices.length > 2);
      for (const c of slices) assert.deepEqual([c.byteOffset, c.buffer.byteLength], [0, c.length]);
      assert.ok(Buffer.concat(slices).equals(Buffer.concat([expectedBody('/size/500000'), expectedBody('/size/500000')])));
    });
  });

  describe('callbacks run on this thread, as in one Multi', () => {
    it("onData's promise holds the transfer: done waits for it", async () => {
      let release!: () => void;
      const holding = new Promise<void>((r) => (release = r));
      let calls = 0;
      const t = multi.add({ url: `${base}/size/300000`, onData: () => (++calls === 1 ? holding : undefined) });
      let settled = false;
      void t.done.then(() => (settled = true));
      await until(() => calls === 1);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(settled, false, 'done waits for the promise');
      assert.equal(calls, 1, 'nothing more is handed over while it is pending');
      release();
      const r = await t.done;
      assert.equal(r.info.sizeDownload, 300000);
    });

    it('a throwing onHeaders ends its own transfer with ERR_ABORTED naming the error; the next one is fine', async () => {
      const bad = multi.add({ url: `${base}/size/10`, onHeaders: () => { throw new Error('no thanks'); } });
      await assert.rejects(bad.done, (e: unknown) => code('ERR_ABORTED')(e) && /threw: no thanks/.test((e as Error).message));
      assert.deepEqual((await multi.add({ url: `${base}/size/10` }).done).body, expectedBody('/size/10'));
    });

    it('retry.onRetry is told of each retry (a 503, then a 200)', async () => {
      let n = 0;
      const s = await httpServer((_req, res) => {
        res.statusCode = ++n === 1 ? 503 : 200;
        res.end(String(n));
      });
      try {
        const events: unknown[] = [];
        const r = await multi.add({ url: `${s.base}/`, retry: { count: 2, delay: 1, onRetry: (e) => events.push(e) } }).done;
        assert.deepEqual([r.status, String(r.body), r.info.retries], [200, '2', 1]);
        assert.deepEqual(events, [{ reason: 'http', delay: 1, left: 2, status: 503 }]);
      } finally {
        await s.close();
      }
    });
  });

  describe('errors, stats and timers as in one Multi', () => {
    it('a failed connect gives the same HiperError: code, message, input and details', async () => {
      const errors: HiperError[] = [];
      for (const m of [new Multi(), multi] as MultiApi[]) {
        const e = await m.add({ url: 'http://127.0.0.1:1/' }).done.then(() => undefined, (err: unknown) => err);
        assert.ok(e instanceof HiperError);
        errors.push(e);
        if (m instanceof Multi) await m.close();
      }
      const [one, sharded] = errors as [HiperError, HiperError];
      assert.deepEqual([sharded.code, sharded.message, sharded.input], [one.code, one.message, one.input]);
      const shape = (e: HiperError): unknown => (e.details.attempts as Array<Record<string, unknown>>).map((a) => [a.remote, a.outcome, a.error]);
      assert.deepEqual(shape(sharded), shape(one));
    });

    it("remove() of another ShardedMulti's transfer is false; close() twice is one closing", async () => {
      const s = await httpServer(() => {});
      const other = new ShardedMulti({ workers: 1 });
      try {
        const t = other.add({ url: `${s.base}/` });
        assert.equal(multi.remove(t), false);
        assert.equal(multi.remove(t), false);
        const closing = other.close();
        assert.equal(other.close(), closing);
        await closing;
        await assert.rejects(t.done, code('ERR_ABORTED'));
      } finally {
        await other.close();
        await s.close();
      }
    });

    it("info times are on this thread's clock, from the add() here; ids are this ShardedMulti's", async () => {
      const before = performance.now();
      const t = multi.add({ url: `${base}/size/1` });
      const after = performance.now();
      const r = await t.done;
      const ended = performance.now();
      assert.equal(r.info, t.info);
      assert.equal(r.info.id, t.id);
      assert.ok(r.info.startTime >= before && r.info.startTime <= after, `${r.info.startTime} not in [${before}, ${after}]`);
      const { connect, pretransfer, starttransfer, total } = r.info.timings;
      assert.ok(connect <= pretransfer && pretransfer <= starttransfer && starttransfer <= total, JSON.stringify(r.info.timings));
      assert.ok(r.info.startTime + total <= ended);
    });

    it('stats() and timeout() ask the workers: a stalled transfer with a time limit', async () => {
      const s = await httpServer(() => {});
      try {
        const t = multi.add({ url: `${s.base}/`, timeout: 5000 });
        await until(() => multi.stats().connections === 1);
        const left = multi.timeout();
        assert.ok(left > 0 && left <= 5000, String(left));
        assert.deepEqual([multi.stats().transfersRunning, multi.stats().connectionsOpened], [1, 1]);
        assert.ok(multi.remove(t));
        await assert.rejects(t.done, code('ERR_ABORTED'));
        await until(() => multi.timeout() > 5000 || multi.timeout() === -1);
      } finally {
        await s.close();
      }
    });

    it('a worker that ends takes its own transfers with it (ERR_WORKER_LOST) and is replaced', async () => {
      const s = await httpServer(() => {});
      const one = new ShardedMulti({ workers: 1 });
      try {
        const stalled = one.add({ url: `${s.base}/` });
        await until(() => one.stats().connections === 1);
        const before = one.threadIds[0];
        await one.restartWorker(0);
        await assert.rejects(stalled.done, (e: unknown) => code('ERR_WORKER_LOST')(e) && (e as HiperError).input === stalled.info.url);
        const r = await one.add({ url: `${base}/size/5` }).done;
        assert.deepEqual(r.body, expectedBody('/size/5'));
        assert.notEqual(one.threadIds[0], before);
        assert.equal(one.stats().connectionsOpened, 2, 'the ended worker\'s connection still counts');
      } finally {
        await one.close();
        await s.close();
      }
    });
  });

  describe('shared by the workers', () => {
    it('one DNS cache: one name on two workers is looked up once', async () => {
      const dns = await TestDnsServer.start({
        host: '127.0.0.1',
        respond: (heard, replier) => replier.reply(replyTo(heard.packet, heard.type === 'A' ? [{ type: 'A', name: heard.name, ttl: 60, data: '127.0.0.1' }] : [])),
      });
      try {
        const name = `shared-${process.pid}.test`;
        const url = `http://${name}:${server.port}/size/7`;
        const resolve = { dnsServers: [`127.0.0.1:${dns.port}`] };
        // Two egresses whose keys go to different workers.
        const key = (localAddress: string): number => shardOf(poolKey({ url, localAddress }, parseTargetUrl(url), { httpVersion: undefined }), 2);
        const addresses = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 1}`);
        const first = addresses[0]!;
        const other = addresses.find((a) => key(a) !== key(first));
        assert.ok(other !== undefined);
        for (const localAddress of [first, other]) {
          const r = await multi.add({ url, localAddress, resolve }).done;
          assert.deepEqual(r.body, expectedBody('/size/7'));
        }
        assert.equal(dns.heard.filter((h) => h.name === name && h.type === 'A').length, 1);
      } finally {
        await dns.close();
      }
    });

    it('the interface table: a transfer pinned to lo plans on the table this thread sent', async () => {
      const r = await multi.add({ url: `${base}/size/3`, interface: 'lo' }).done;
      assert.deepEqual([r.status, r.info.interface], [200, 'lo']);
    });
  });
});

/** Polls `cond` every 5 ms, at most 2 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail('condition not reached in 2 s');
}
