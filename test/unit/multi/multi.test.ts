import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import dc from 'node:diagnostics_channel';
import type { MultiApi, TransferResult } from '../../../src/multi/index.js';
import { connect } from '../../../src/connect/index.js';
import { HiperError, type AddressRecord } from '../../../src/shared/index.js';
import { code } from '../../helpers/expect-code.js';
import { startFaultServer, expectedBody, type FaultServer } from '../../helpers/fault-server.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { IMPLEMENTATIONS, itMultiOnly as multiOnly } from './implementations.js';


/** A raw server answering each request with `respond(socket, index, requestLine)`, index counted across connections. */
async function rawServer(respond: (socket: net.Socket, index: number, line: string) => void): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let index = 0; // across connections
  const state = { port: 0, connections: 0, close: async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await once(server, 'close');
  } };
  const server = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on('error', () => {});
    let buffered = '';
    s.on('data', (d) => {
      buffered += String(d);
      let end;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        respond(s, index++, head.split('\r\n')[0]!);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

for (const impl of IMPLEMENTATIONS) describe(impl.name, function () {
  this.timeout(20_000);
  /** Tests that inject a clock, connector, resolver or chooser, or subscribe to this thread's diagnostics channels: Multi only. */
  const itMultiOnly = multiOnly(impl);
  let server: FaultServer;
  let base: string;
  before(async () => {
    server = await startFaultServer({ seed: 7 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  describe('requests and responses', () => {
    const cases: Array<{ name: string; method?: string; path: string; body?: string; status: number; bodyOf?: string }> = [
      { name: 'GET with a body', path: '/size/1000', status: 200, bodyOf: '/size/1000' },
      { name: 'GET of an empty body', path: '/size/0', status: 200, bodyOf: '/size/0' },
      { name: 'HEAD: no body', method: 'HEAD', path: '/size/1000', status: 200 },
      { name: '204: no body', path: '/status/204', status: 204 },
      { name: '304: no body', path: '/status/304', status: 304 },
      { name: 'POST with a body', method: 'POST', path: '/size/10', body: 'hello', status: 200, bodyOf: '/size/10' },
      { name: '404 with a body', path: '/nothing', status: 404, bodyOf: '/nothing' },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const multi = impl.make();
        const r = await multi.add({ url: base + c.path, ...(c.method ? { method: c.method } : {}), ...(c.body ? { body: c.body } : {}) }).done;
        assert.equal(r.status, c.status);
        assert.deepEqual(r.body, c.bodyOf ? expectedBody(c.bodyOf) : Buffer.alloc(0));
        assert.equal(r.info.httpVersion, '1.1');
        assert.equal(r.info.numConnects, 1);
        assert.equal(r.info.remote?.address, '127.0.0.1');
        await multi.close();
      });
    }

    it('streams body slices to onData and keeps the result body empty', async () => {
      const multi = impl.make();
      const slices: Buffer[] = [];
      let head: unknown;
      const r = await multi.add({ url: `${base}/size/300000`, onData: (b) => slices.push(b), onHeaders: (h) => { head = h; } }).done;
      assert.equal(r.body.length, 0);
      assert.deepEqual(Buffer.concat(slices), expectedBody('/size/300000'));
      assert.equal((head as { status: number }).status, 200);
      assert.equal(r.info.sizeDownload, 300000);
      await multi.close();
    });

    it('gives timings in order and the connection trace to the transfer that opened it', async () => {
      const multi = impl.make();
      const first = await multi.add({ url: `${base}/size/10` }).done;
      const second = await multi.add({ url: `${base}/size/10` }).done;
      const t = first.info.timings;
      assert.ok(t.namelookup <= t.connect && t.connect <= t.pretransfer && t.pretransfer <= t.starttransfer && t.starttransfer <= t.total, JSON.stringify(t));
      assert.ok(first.info.connectTrace);
      assert.equal(second.info.reused, true);
      assert.equal(second.info.numConnects, 0);
      assert.equal(second.info.connectTrace, undefined);
      assert.equal(second.info.connectionId, first.info.connectionId);
      await multi.close();
    });
  });

  describe('bad input is refused at add(), naming it', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['no url', {}, 'ERR_INVALID_URL'],
      ['ftp scheme', { url: 'ftp://127.0.0.1/' }, 'ERR_INVALID_URL'],
      ['not a URL', { url: 'http://' }, 'ERR_INVALID_URL'],
      ['CR in a header value', { url: 'http://127.0.0.1/', headers: { 'x-a': 'b\r\nx: y' } }, 'ERR_INVALID_HEADER'],
      ['LF in a header name', { url: 'http://127.0.0.1/', headers: [['x\na', 'b']] }, 'ERR_INVALID_HEADER'],
      ['a method that is not a token', { url: 'http://127.0.0.1/', method: 'GE T' }, 'ERR_INVALID_ARGUMENT'],
      ['unknown option', { url: 'http://127.0.0.1/', pipeline: true }, 'ERR_INVALID_ARGUMENT'],
      ['negative timeout', { url: 'http://127.0.0.1/', timeout: -1 }, 'ERR_INVALID_ARGUMENT'],
      ['bad interface spec', { url: 'http://127.0.0.1/', interface: 'if!' }, 'ERR_INVALID_INTERFACE_SPEC'],
      ['onData not a function', { url: 'http://127.0.0.1/', onData: 1 }, 'ERR_INVALID_ARGUMENT'],
    ];
    let multi: MultiApi;
    before(() => {
      multi = impl.make();
    });
    after(() => multi.close());
    for (const [name, options, expected] of cases) {
      it(name, () => {
        assert.throws(() => multi.add(options as never), code(expected));
        assert.equal(multi.stats().transfersRunning, 0);
      });
    }

    const multiCases: Array<[string, Record<string, unknown>]> = [
      ['maxPipelineLength 0', { maxPipelineLength: 0 }],
      ['maxConnectionsPerHost 1.5', { maxConnectionsPerHost: 1.5 }],
      ['pipelining "yes"', { pipelining: 'yes' }],
      ['an unknown option', { maxPipeline: 3 }],
    ];
    for (const [name, options] of multiCases) {
      it(`new Multi: ${name}`, () => assert.throws(() => impl.make(options as never), code('ERR_INVALID_ARGUMENT')));
    }
  });

  describe('connections', () => {
    it('leader queueing: 50 transfers added at once with pipelining open one connection', async () => {
      const s = await startFaultServer({ seed: 11 });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 100 });
      const paths = Array.from({ length: 50 }, (_, i) => `/size/${i * 37}`);
      const results = await Promise.all(paths.map((p) => multi.add({ url: `http://127.0.0.1:${s.port}${p}` }).done));
      results.forEach((r, i) => assert.deepEqual(r.body, expectedBody(paths[i]!)));
      assert.equal(s.stats.connections, 1);
      assert.equal(multi.stats().connectionsOpened, 1);
      assert.deepEqual(results.map((r) => r.info.pipelinePosition).slice(0, 2), [0, 1]);
      assert.ok(Math.max(...results.map((r) => r.info.pipelinePosition)) > 1, 'pipelined');
      await multi.close();
      await s.close();
    });

    it('without pipelining, transfers spread over up to maxConnectionsPerHost connections', async () => {
      const s = await startFaultServer({ seed: 12 });
      const multi = impl.make({ maxConnectionsPerHost: 3 });
      const results = await Promise.all(Array.from({ length: 12 }, () => multi.add({ url: `http://127.0.0.1:${s.port}/size/5000` }).done));
      assert.equal(s.stats.connections, 3);
      assert.ok(results.every((r) => r.info.pipelinePosition === 0));
      await multi.close();
      await s.close();
    });

    it('a full pipeline makes the next transfer open a new connection; the total limit holds', async () => {
      const s = await startFaultServer({ seed: 13 });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 4, maxConnections: 2 });
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => multi.add({ url: `http://127.0.0.1:${s.port}/size/${i}` }).done));
      results.forEach((r, i) => assert.deepEqual(r.body, expectedBody(`/size/${i}`)));
      assert.equal(s.stats.connections, 2);
      assert.ok(results.every((r) => r.info.pipelinePosition < 4));
      await multi.close();
      await s.close();
    });

    it('only GET and HEAD are pipelined: a POST waits for an idle connection', async () => {
      const s = await startFaultServer({ seed: 14 });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 10, maxConnectionsPerHost: 1 });
      const url = `http://127.0.0.1:${s.port}/size/100`;
      const ts = [multi.add({ url }), multi.add({ url }), multi.add({ url, method: 'POST', body: 'x' }), multi.add({ url })];
      const results = await Promise.all(ts.map((t) => t.done));
      assert.equal(results[2]!.info.pipelinePosition, 0);
      assert.equal(s.stats.connections, 1);
      await multi.close();
      await s.close();
    });

    it('connections with different egress (local address) are never shared', async () => {
      const multi = impl.make({ pipelining: true });
      const a = await multi.add({ url: `${base}/size/1`, localAddress: '127.0.0.1' }).done;
      const b = await multi.add({ url: `${base}/size/1`, localAddress: '127.0.0.2' }).done;
      const c = await multi.add({ url: `${base}/size/1`, localAddress: '127.0.0.2' }).done;
      assert.notEqual(a.info.connectionId, b.info.connectionId);
      assert.equal(c.info.connectionId, b.info.connectionId);
      assert.equal(a.info.local?.address, '127.0.0.1');
      assert.equal(b.info.local?.address, '127.0.0.2');
      await multi.close();
    });

    itMultiOnly('two host names on one address share a plain-http connection (resolved first)', async () => {
      const resolver = async (host: string): Promise<AddressRecord[]> => {
        assert.ok(host === 'a.test' || host === 'b.test', host);
        return [{ address: '127.0.0.1', family: 4, source: 'pinned' }];
      };
      const multi = impl.make({ resolver });
      const a = await multi.add({ url: `http://a.test:${server.port}/size/2` }).done;
      const b = await multi.add({ url: `http://b.test:${server.port}/size/3` }).done;
      assert.equal(b.info.connectionId, a.info.connectionId);
      assert.equal(b.info.reused, true);
      assert.deepEqual(b.body, expectedBody('/size/3'));
      await multi.close();
    });

    itMultiOnly('when the leader fails to connect, the waiting transfers move on to a new connection', async () => {
      let calls = 0;
      const multi = impl.make({
        pipelining: true,
        maxPipelineLength: 20,
        connector: async (o) => {
          if (++calls === 1) throw new HiperError('ERR_CONNECT_ALL_FAILED', 'first connect refused', { input: o.host });
          return connect(o);
        },
      });
      const ts = Array.from({ length: 10 }, (_, i) => multi.add({ url: `${base}/size/${i}` }));
      const settled = await Promise.allSettled(ts.map((t) => t.done));
      assert.equal(settled[0]!.status, 'rejected');
      assert.ok(settled.slice(1).every((r) => r.status === 'fulfilled'));
      assert.equal(calls, 2);
      await multi.close();
    });

    itMultiOnly('an idle connection is closed after maxIdleTime (injected clock) and counted', async () => {
      const clock = new FakeClock();
      const multi = impl.make({ clock, maxIdleTime: 5000 });
      await multi.add({ url: `${base}/size/1` }).done;
      assert.equal(multi.stats().connectionsIdle, 1);
      assert.equal(multi.timeout(), 5000);
      clock.advance(5000);
      assert.deepEqual([multi.stats().connectionsIdle, multi.stats().connectionsClosedIdle, multi.stats().connections], [0, 1, 0]);
      assert.equal(multi.timeout(), -1);
      await multi.close();
    });

    it('a connection receiving a body over the penalty size takes no more pipelined requests', async () => {
      const s = await startFaultServer({ seed: 15, chunkedRate: 0 });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 10, pipelinePenaltySize: 100_000 });
      const big = multi.add({ url: `http://127.0.0.1:${s.port}/size/3000000` });
      const small = multi.add({ url: `http://127.0.0.1:${s.port}/size/10` });
      const [b, sm] = await Promise.all([big.done, small.done]);
      assert.equal(b.body.length, 3_000_000);
      assert.notEqual(sm.info.connectionId, b.info.connectionId);
      await multi.close();
      await s.close();
    });

    itMultiOnly('a custom chooser sees the candidates and can send a transfer to a new connection', async () => {
      const seen: number[] = [];
      const multi = impl.make({
        pipelining: true,
        maxPipelineLength: 10,
        chooseConnection: (candidates, canOpen) => {
          seen.push(candidates.length);
          return canOpen ? 'new' : candidates[0]?.id ?? 'wait';
        },
      });
      const first = multi.add({ url: `${base}/size/100000` });
      await new Promise<void>((resolve) => first.info.status === undefined ? setTimeout(resolve, 50) : resolve());
      const results = await Promise.all([first.done, ...Array.from({ length: 3 }, () => multi.add({ url: `${base}/size/10` }).done)]);
      assert.ok(results.every((r) => r.status === 200));
      assert.ok(multi.stats().connectionsOpened >= 2);
      await multi.close();
    });

    itMultiOnly('a chooser answer that names no candidate ends that transfer with ERR_INVALID_ARGUMENT; the others run', async () => {
      let calls = 0;
      const multi = impl.make({ pipelining: true, maxPipelineLength: 10, chooseConnection: () => (++calls === 2 ? 12345 : 'new') });
      const ts = Array.from({ length: 3 }, () => multi.add({ url: `${base}/size/10` }));
      const settled = await Promise.allSettled(ts.map((t) => t.done));
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
      code('ERR_INVALID_ARGUMENT')((settled[1] as PromiseRejectedResult).reason);
      assert.match(String((settled[1] as PromiseRejectedResult).reason.message), /chooseConnection returned 12345/);
      await multi.close();
    });

    itMultiOnly('a chooser that throws ends that transfer with ERR_INVALID_ARGUMENT naming it; the others run', async () => {
      let calls = 0;
      const multi = impl.make({
        pipelining: true, maxPipelineLength: 10,
        chooseConnection: () => {
          if (++calls === 2) throw new TypeError('no idea');
          return 'new';
        },
      });
      const ts = Array.from({ length: 3 }, () => multi.add({ url: `${base}/size/10` }));
      const settled = await Promise.allSettled(ts.map((t) => t.done));
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
      const reason = (settled[1] as PromiseRejectedResult).reason as HiperError;
      code('ERR_INVALID_ARGUMENT')(reason);
      assert.equal(reason.input, 'chooseConnection');
      assert.match(reason.message, /chooseConnection threw: no idea/);
      await multi.close();
    });
  });

  describe('ending exactly once', () => {
    it('remove() ends a transfer with ERR_ABORTED, mid-pipeline, and the others stay byte-exact', async () => {
      const s = await startFaultServer({ seed: 21, split: 'random' });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 10 });
      const paths = Array.from({ length: 10 }, (_, i) => `/body/${i}/${1000 + i * 500}`);
      const ts = paths.map((p) => multi.add({ url: `http://127.0.0.1:${s.port}${p}` }));
      multi.remove(ts[3]!);
      multi.remove(ts[3]!);
      assert.equal(multi.remove(ts[3]!), false);
      const settled = await Promise.allSettled(ts.map((t) => t.done));
      settled.forEach((r, i) => {
        if (i === 3) {
          assert.equal(r.status, 'rejected');
          code('ERR_ABORTED')((r as PromiseRejectedResult).reason);
        } else {
          assert.equal(r.status, 'fulfilled');
          assert.deepEqual((r as PromiseFulfilledResult<TransferResult>).value.body, expectedBody(paths[i]!));
        }
      });
      await multi.close();
      await s.close();
    });

    it('a connection closing with requests outstanding: unanswered GETs are retried once on a new connection', async () => {
      const s = await startFaultServer({ seed: 22, closeAfter: 5 });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 10, maxConnectionsPerHost: 1 });
      const paths = Array.from({ length: 9 }, (_, i) => `/size/${i + 1}`);
      const results = await Promise.all(paths.map((p) => multi.add({ url: `http://127.0.0.1:${s.port}${p}` }).done));
      results.forEach((r, i) => assert.deepEqual(r.body, expectedBody(paths[i]!)));
      assert.equal(s.stats.connections, 2);
      assert.ok(results.some((r) => r.info.tries === 2));
      assert.ok(multi.stats().retries > 0);
      await multi.close();
      await s.close();
    });

    it('a server that answers one request per connection: every GET comes through, each retry counting the progress since', async () => {
      const s = await startFaultServer({ seed: 23, closeAfter: 1 });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 10, maxConnectionsPerHost: 1 });
      const ts = Array.from({ length: 4 }, (_, i) => multi.add({ url: `http://127.0.0.1:${s.port}/size/${i}` }));
      const results = await Promise.all(ts.map((t) => t.done));
      assert.deepEqual(results.map((r) => r.info.tries), [1, 2, 3, 4]);
      await multi.close();
      await s.close();
    });

    it('a server that never answers: the GET is sent twice, then ERR_PIPELINE_ABORTED naming the tries', async () => {
      const raw = await rawServer((socket) => socket.destroy());
      const multi = impl.make();
      await assert.rejects(multi.add({ url: `http://127.0.0.1:${raw.port}/` }).done, (err: unknown) => {
        code('ERR_PIPELINE_ABORTED')(err);
        assert.equal((err as HiperError).details.tries, 2);
        assert.match((err as Error).message, /sent 2 times without a whole answer/);
        return true;
      });
      assert.equal(raw.connections, 2);
      await multi.close();
      await raw.close();
    });

    it('maxTries bounds the sends even while the server makes progress', async () => {
      const s = await startFaultServer({ seed: 23, closeAfter: 1 });
      const multi = impl.make({ pipelining: true, maxPipelineLength: 10, maxConnectionsPerHost: 1, maxTries: 2 });
      const settled = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => multi.add({ url: `http://127.0.0.1:${s.port}/size/${i}` }).done));
      assert.deepEqual(settled.map((r) => r.status === 'fulfilled' ? r.value.info.tries : (r.reason as HiperError).code), [1, 2, 'ERR_PIPELINE_ABORTED', 'ERR_PIPELINE_ABORTED']);
      await multi.close();
      await s.close();
    });

    it('a POST whose connection closes before any answer is not retried (ERR_CONNECTION_CLOSED)', async () => {
      const raw = await rawServer((socket) => socket.destroy());
      const multi = impl.make();
      await assert.rejects(multi.add({ url: `http://127.0.0.1:${raw.port}/`, method: 'POST', body: 'x' }).done, code('ERR_CONNECTION_CLOSED'));
      assert.equal(raw.connections, 1);
      await multi.close();
      await raw.close();
    });

    it('a malformed response is ERR_HTTP_PARSE; the connection is closed, never reused', async () => {
      const raw = await rawServer((socket, index) => socket.write(index === 0 ? 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
      const multi = impl.make();
      await assert.rejects(multi.add({ url: `http://127.0.0.1:${raw.port}/` }).done, (e: unknown) => code('ERR_HTTP_PARSE')(e) && (e as HiperError).details.reason === 'conflicting-content-length');
      const r = await multi.add({ url: `http://127.0.0.1:${raw.port}/` }).done;
      assert.equal(String(r.body), 'ok');
      assert.equal(raw.connections, 2);
      await multi.close();
      await raw.close();
    });

    it('data with no request outstanding closes that connection and reaches no transfer', async () => {
      const raw = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
      const multi = impl.make();
      const r = await multi.add({ url: `http://127.0.0.1:${raw.port}/` }).done;
      assert.equal(String(r.body), 'ok');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(multi.stats().connections, 0);
      await multi.close();
      await raw.close();
    });

    itMultiOnly('a transfer timeout (one heap, injected clock) ends only that transfer', async () => {
      const raw = await rawServer(() => {});
      const clock = new FakeClock();
      const multi = impl.make({ clock });
      const t = multi.add({ url: `http://127.0.0.1:${raw.port}/`, timeout: 1000 });
      assert.equal(multi.timeout(), 1000);
      clock.advance(1000);
      await assert.rejects(t.done, code('ERR_TIMEOUT'));
      await multi.close();
      await raw.close();
    });

    itMultiOnly('a low-speed limit (curl --speed-limit/--speed-time) ends a stalled transfer', async () => {
      const raw = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'));
      const clock = new FakeClock();
      const multi = impl.make({ clock });
      const t = multi.add({ url: `http://127.0.0.1:${raw.port}/`, lowSpeed: { bytes: 10, seconds: 2 } });
      await new Promise<void>((resolve) => { const poll = (): void => { if (t.info.sizeDownload > 0) resolve(); else setTimeout(poll, 5); }; poll(); });
      clock.advance(2000);
      await assert.rejects(t.done, (e: unknown) => code('ERR_TIMEOUT')(e) && /slower than 10 bytes\/s/.test((e as Error).message));
      await multi.close();
      await raw.close();
    });

    itMultiOnly('a low-speed limit does not end a transfer that its own reader holds (an onData promise pending)', async () => {
      const raw = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc'));
      const clock = new FakeClock();
      const multi = impl.make({ clock });
      let release!: () => void;
      const reading = new Promise<void>((r) => (release = r));
      let first!: () => void;
      const arrived = new Promise<void>((r) => (first = r));
      const t = multi.add({ url: `http://127.0.0.1:${raw.port}/`, lowSpeed: { bytes: 10, seconds: 2 }, onData: () => { first(); return reading; } });
      await arrived;
      clock.advance(4000);
      assert.equal(t.info.error, undefined, 'held by its reader: not slow');
      release();
      await new Promise((r) => setImmediate(r));
      clock.advance(2000);
      await assert.rejects(t.done, code('ERR_TIMEOUT'));
      await multi.close();
      await raw.close();
    });

    itMultiOnly('publishes transfer start, headers and done / error on diagnostics channels', async () => {
      const seen: string[] = [];
      const names = ['start', 'headers', 'done', 'error'];
      const subscribers = names.map((n) => {
        const fn = (): number => seen.push(n);
        dc.subscribe(`hiper:transfer:${n}`, fn);
        return fn;
      });
      try {
        const multi = impl.make();
        await multi.add({ url: `${base}/size/1` }).done;
        await assert.rejects(multi.add({ url: 'http://127.0.0.1:1/' }).done);
        await multi.close();
      } finally {
        names.forEach((n, i) => dc.unsubscribe(`hiper:transfer:${n}`, subscribers[i]!));
      }
      assert.deepEqual(seen, ['start', 'headers', 'done', 'start', 'error']);
    });

    it('close() ends every running transfer with ERR_ABORTED', async () => {
      const raw = await rawServer(() => {});
      const multi = impl.make();
      const ts = [multi.add({ url: `http://127.0.0.1:${raw.port}/a` }), multi.add({ url: `http://127.0.0.1:${raw.port}/b` })];
      await multi.close();
      for (const t of ts) await assert.rejects(t.done, code('ERR_ABORTED'));
      assert.throws(() => multi.add({ url: `http://127.0.0.1:${raw.port}/` }), code('ERR_INVALID_ARGUMENT'));
      await raw.close();
    });

    it('a throwing onData ends its own transfer only', async () => {
      const multi = impl.make({ pipelining: true });
      const bad = multi.add({ url: `${base}/size/10`, onData: () => { throw new Error('no thanks'); } });
      const good = multi.add({ url: `${base}/size/20` });
      await assert.rejects(bad.done, code('ERR_ABORTED'));
      assert.deepEqual((await good.done).body, expectedBody('/size/20'));
      await multi.close();
    });
  });

  it('works with node:http as the server (keep-alive reuse)', async () => {
    const srv = http.createServer((req, res) => res.end(req.url));
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as net.AddressInfo).port;
    const multi = impl.make({ pipelining: true, maxPipelineLength: 50 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => multi.add({ url: `http://127.0.0.1:${port}/${i}` }).done));
    results.forEach((r, i) => assert.equal(String(r.body), `/${i}`));
    assert.equal(multi.stats().connectionsOpened, 1);
    await multi.close();
    srv.close();
  });
});
