/**
 * Response bodies as a user of a Multi takes them, over HTTP/1.1 (node:http) and HTTP/2 (node:http2):
 * streamed (`stream: true`: an async iterable, a web ReadableStream), handed to onData (whose promise
 * holds the connection), and limited (maxBodySize). Each claim is checked from outside: the bytes and
 * their SHA-256, the error a reader gets, and what the server could write while the reader stopped.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { constants as bufferConstants } from 'node:buffer';
import type http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { MultiApi, Transfer } from '../../../src/multi/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { code } from '../../helpers/expect-code.js';
import { DEFAULT_HIGH_WATER_MARK } from '../../../src/multi/body/stream.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { patternBytes, patternSha256, patternSlices } from '../../helpers/pattern.js';
import {
  readHeads, settledValue, startBed, startRaw, until, writeCounted, type BodyBed, type Protocol,
} from '../../helpers/body-servers.js';
import { IMPLEMENTATIONS, itMultiOnly } from './implementations.js';

const MiB = 1024 * 1024;



function sha256(chunks: Iterable<Buffer>): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** A one-shot signal either side may reach first. */
class Signals {
  private readonly map = new Map<string, { promise: Promise<void>; fire: () => void }>();
  private get(key: string): { promise: Promise<void>; fire: () => void } {
    let s = this.map.get(key);
    if (s === undefined) {
      let fire!: () => void;
      const promise = new Promise<void>((resolve) => (fire = resolve));
      s = { promise, fire };
      this.map.set(key, s);
    }
    return s;
  }
  wait(key: string): Promise<void> {
    return this.get(key).promise;
  }
  fire(key: string): void {
    this.get(key).fire();
  }
}

interface ServerState {
  /** Bytes the server's writer took, by request URL. */
  progress: Map<string, { written: number }>;
  /** Request URLs whose response closed (finished or cut). */
  closed: Set<string>;
  signals: Signals;
}

/**
 * Routes (N: body length, M: a first part; a "?tag" keeps URLs apart):
 *   /pattern/N       Content-Length N, the pattern, written with backpressure
 *   /nolength/N      no length (chunked on HTTP/1.1, none on HTTP/2)
 *   /hold/N/M        Content-Length N: M bytes, then the rest once signalled
 *   /cut/N/M         Content-Length N: M bytes, then cut (socket destroyed, stream reset) once signalled
 *   /headonly/N      Content-Length N and no body, ever
 *   /counted/M       no length: M bytes, then nothing more, ever
 */
function routes(state: ServerState, bed: () => BodyBed) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url!;
    const [, route, a, b] = url.split('?')[0]!.split('/');
    const n = Number(a);
    const m = Number(b);
    const progress = { written: 0 };
    state.progress.set(url, progress);
    res.on('close', () => state.closed.add(url));
    const end = (ok: boolean): void => {
      if (ok) res.end();
    };
    switch (route) {
      case 'pattern':
        res.writeHead(200, { 'content-length': n });
        void writeCounted(res, n, progress).then(end);
        return;
      case 'nolength':
        res.writeHead(200);
        void writeCounted(res, n, progress).then(end);
        return;
      case 'hold':
        res.writeHead(200, { 'content-length': n });
        void (async () => {
          if (!(await writeCounted(res, m, progress))) return;
          await state.signals.wait(url);
          end(await writeCounted(res, n - m, progress, m));
        })();
        return;
      case 'cut':
        res.writeHead(200, { 'content-length': n });
        void (async () => {
          if (!(await writeCounted(res, m, progress))) return;
          await state.signals.wait(url);
          bed().cut(res);
        })();
        return;
      case 'headonly':
        res.writeHead(200, { 'content-length': n });
        res.flushHeaders();
        return;
      case 'counted':
        res.writeHead(200);
        void writeCounted(res, n, progress);
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  };
}

/** Reads a streamed body whole: its SHA-256, length and number of slices. */
async function drink(body: AsyncIterable<Buffer>): Promise<{ sha: string; length: number; slices: number }> {
  const h = createHash('sha256');
  let length = 0;
  let slices = 0;
  for await (const c of body) {
    h.update(c);
    length += c.length;
    slices++;
  }
  return { sha: h.digest('hex'), length, slices };
}

/** A port nothing listens on (one just closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

for (const impl of IMPLEMENTATIONS) describe(`${impl.name}: response bodies`, function () {
  this.timeout(20_000);
  let cert: TestCert;
  before(() => {
    cert = makeCert();
  });
  after(() => cert.cleanup());

  for (const protocol of ['h1', 'h2'] as Protocol[]) {
    describe(`over ${protocol === 'h1' ? 'HTTP/1.1' : 'HTTP/2'}`, () => {
      let bed: BodyBed;
      let state: ServerState;
      let multi: MultiApi;
      let seq = 0;
      /** A URL of its own for each request (the server keys its state by URL). */
      const url = (path: string): string => `${bed.base}${path}?${++seq}`;
      const pathOf = (t: Transfer): string => new URL(t.info.url).pathname + new URL(t.info.url).search;

      before(async () => {
        state = { progress: new Map(), closed: new Set(), signals: new Signals() };
        bed = await startBed(protocol, routes(state, () => bed), cert);
      });
      after(() => bed.close());
      beforeEach(() => {
        multi = impl.make(bed.multiOptions);
      });
      afterEach(() => multi.close());

      describe('stream: true', () => {
        it('for-await gives the body byte-exact; done settles with an empty body', async () => {
          const n = 8 * MiB + 7;
          const t = multi.add({ url: url(`/pattern/${n}`), stream: true });
          const r = await t.response;
          assert.equal(r.status, 200);
          assert.equal(r.httpVersion, protocol === 'h1' ? '1.1' : '2');
          assert.ok(r.headers.some(([k, v]) => k.toLowerCase() === 'content-length' && v === String(n)));
          const got = await drink(r.body);
          assert.equal(got.length, n);
          assert.equal(got.sha, patternSha256(n));
          assert.ok(got.slices > 1);
          const done = await t.done;
          assert.equal(done.body.length, 0);
          assert.equal(done.info.sizeDownload, n);
        });

        it(`a body without a length (${protocol === 'h1' ? 'chunked' : 'no content-length'}) is byte-exact`, async () => {
          const n = 3 * MiB + 1;
          const t = multi.add({ url: url(`/nolength/${n}`), stream: true });
          const r = await t.response;
          if (protocol === 'h1') assert.ok(r.headers.some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && v === 'chunked'));
          const got = await drink(r.body);
          assert.deepEqual([got.length, got.sha], [n, patternSha256(n)]);
          await t.done;
        });

        it('body.stream() is a web ReadableStream of the same bytes', async () => {
          const n = 4 * MiB + 3;
          const t = multi.add({ url: url(`/pattern/${n}`), stream: true });
          const reader = (await t.response).body.stream().getReader();
          const h = createHash('sha256');
          let length = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            assert.ok(value instanceof Uint8Array);
            h.update(value);
            length += value.length;
          }
          assert.deepEqual([length, h.digest('hex')], [n, patternSha256(n)]);
          assert.equal((await t.done).info.sizeDownload, n);
        });

        it('an empty body ends at once; a body read after done resolved is all there', async () => {
          const empty = multi.add({ url: url('/pattern/0'), stream: true });
          assert.deepEqual(await drink((await empty.response).body), { sha: patternSha256(0), length: 0, slices: 0 });
          await empty.done;
          // Smaller than the body's high-water mark, so it is all queued without a reader.
          const small = multi.add({ url: url('/pattern/100000'), stream: true });
          await small.done;
          const got = await drink((await small.response).body);
          assert.deepEqual([got.length, got.sha], [100000, patternSha256(100000)]);
        });

        it('dump() reads the rest and drops it; done resolves', async () => {
          const t = multi.add({ url: url(`/pattern/${2 * MiB}`), stream: true });
          await (await t.response).body.dump();
          assert.equal((await t.done).info.sizeDownload, 2 * MiB);
        });

        it('a body is read once: a second reader is refused', async () => {
          const t = multi.add({ url: url('/pattern/1000'), stream: true });
          const { body } = await t.response;
          const first = drink(body);
          assert.throws(() => body[Symbol.asyncIterator](), code('ERR_INVALID_ARGUMENT'));
          assert.throws(() => body.stream(), code('ERR_INVALID_ARGUMENT'));
          assert.equal((await first).sha, patternSha256(1000));
        });

        it('breaking out of for-await ends the transfer with ERR_ABORTED; the server stops, and the next transfer gets its own body', async () => {
          const n = 256 * MiB;
          const t = multi.add({ url: url(`/pattern/${n}`), stream: true });
          const { body } = await t.response;
          let read = 0;
          for await (const c of body) {
            read += c.length;
            break;
          }
          assert.ok(read > 0);
          await assert.rejects(t.done, code('ERR_ABORTED'));
          // The server's response is cut (h1: connection closed; h2: stream cancelled), long before its end.
          await until(() => state.closed.has(pathOf(t)), 'the server to see its response end');
          assert.ok(state.progress.get(pathOf(t))!.written < n / 4);
          const next = await multi.add({ url: url('/pattern/100000') }).done;
          assert.ok(next.body.equals(patternBytes(100000)));
          if (protocol === 'h2') assert.equal(next.info.connectionId, t.info.connectionId, 'the session carries on');
          else assert.notEqual(next.info.connectionId, t.info.connectionId, 'a rest this large is not read: its connection was closed');
          assert.equal(multi.stats().transfersRunning, 0);
        });

        it('cancelling the web stream ends the transfer with ERR_ABORTED', async () => {
          const t = multi.add({ url: url(`/pattern/${64 * MiB}`), stream: true });
          const reader = (await t.response).body.stream().getReader();
          assert.equal((await reader.read()).done, false);
          await reader.cancel();
          await assert.rejects(t.done, code('ERR_ABORTED'));
          assert.ok((await multi.add({ url: url('/pattern/5000') }).done).body.equals(patternBytes(5000)));
        });

        it('breaking out with a small rest: the rest is read and dropped, and the connection carries the next transfer', async () => {
          const n = 100_000;
          const m = 60_000;
          const t = multi.add({ url: url(`/hold/${n}/${m}`), stream: true });
          const { body } = await t.response;
          for await (const _ of body) break;
          await assert.rejects(t.done, code('ERR_ABORTED'));
          state.signals.fire(pathOf(t));
          await until(() => state.closed.has(pathOf(t)), 'the server to finish the response');
          // HTTP/1.1 has to read the 40000 bytes left before the connection is free again.
          await until(() => multi.stats().connectionsIdle === 1, 'the connection to be idle');
          const next = await multi.add({ url: url('/pattern/70000') }).done;
          assert.ok(next.body.equals(patternBytes(70000)), 'the next response, not the rest of the dropped one');
          assert.equal(next.info.reused, true);
          assert.equal(next.info.connectionId, t.info.connectionId);
          assert.equal(multi.stats().connectionsOpened, 1);
        });

        it('an error in the middle of the body: the reader gets what arrived, then the error; done rejects with it', async () => {
          const n = 1_000_000;
          const m = 100_000;
          const t = multi.add({ url: url(`/cut/${n}/${m}`), stream: true });
          const { body } = await t.response;
          await until(() => t.info.sizeDownload === m, 'the first part to arrive');
          state.signals.fire(pathOf(t));
          const failure = await t.done.then(() => assert.fail('done resolved'), (e: unknown) => e);
          assert.ok(failure instanceof HiperError);
          // HTTP/1.1: a FIN in the body is an incomplete response, a reset a closed connection.
          assert.ok(protocol === 'h1' ? ['ERR_HTTP_PARSE', 'ERR_CONNECTION_CLOSED'].includes(failure.code) : failure.code === 'ERR_HTTP2', failure.message);
          if (failure.code === 'ERR_HTTP_PARSE') assert.equal(failure.details.reason, 'incomplete');
          const got: Buffer[] = [];
          await assert.rejects((async () => {
            for await (const c of body) got.push(c);
          })(), (e: unknown) => e === failure);
          assert.ok(Buffer.concat(got).equals(patternBytes(m)));
        });

        it('the error reaches a reader already waiting', async () => {
          const t = multi.add({ url: url('/cut/1000000/1000'), stream: true });
          const { body } = await t.response;
          const it = body[Symbol.asyncIterator]();
          let got = 0;
          while (got < 1000) got += (await it.next()).value!.length;
          const pending = it.next().then(() => 'resolved', (e: unknown) => e);
          state.signals.fire(pathOf(t));
          const failure = await t.done.then(() => assert.fail('done resolved'), (e: unknown) => e);
          assert.equal(await pending, failure, 'the waiting read is rejected with the error');
          assert.deepEqual(await it.next().then(() => 'resolved', (e: unknown) => e === failure), true, 'and again on the next read');
        });

        it('remove() while the reader waits: the reader gets ERR_ABORTED after what was queued', async () => {
          const t = multi.add({ url: url(`/hold/${MiB}/5000`), stream: true });
          const { body } = await t.response;
          const it = body[Symbol.asyncIterator]();
          let got = 0;
          while (got < 5000) got += (await it.next()).value!.length;
          const waiting = it.next().then(() => 'resolved', (e: unknown) => e);
          assert.equal(multi.remove(t), true);
          const e = await waiting;
          assert.ok(code('ERR_ABORTED')(e));
          await assert.rejects(t.done, code('ERR_ABORTED'));
          state.signals.fire(pathOf(t));
        });

        it('a reader that stalls past the transfer timeout gets ERR_TIMEOUT once it reads again', async () => {
          const t = multi.add({ url: url(`/pattern/${64 * MiB}`), stream: true, timeout: 300 });
          const { body } = await t.response;
          await assert.rejects(t.done, code('ERR_TIMEOUT'));
          let got = 0;
          await assert.rejects((async () => {
            for await (const c of body) got += c.length;
          })(), code('ERR_TIMEOUT'));
          assert.ok(got > 0 && got < 64 * MiB);
          assert.ok((await multi.add({ url: url('/pattern/100') }).done).body.equals(patternBytes(100)));
        });

        it('a reader that stops stops the server: its writes stall far below the body; reading again completes it byte-exact', async () => {
          const n = 128 * MiB;
          const t = multi.add({ url: url(`/pattern/${n}`), stream: true });
          const { body } = await t.response;
          const it = body[Symbol.asyncIterator]();
          const first = (await it.next()).value!;
          const progress = state.progress.get(pathOf(t))!;
          const stalled = await settledValue(() => progress.written);
          // What the server got rid of sits in kernel buffers (tens of MB at most on loopback) and in
          // the body's queue (its high-water mark, plus a read); nowhere near the body.
          assert.ok(stalled < 48 * MiB, `the server wrote ${stalled} bytes of ${n} with nobody reading`);
          assert.ok(body.queuedBytes < DEFAULT_HIGH_WATER_MARK + 1 * MiB, `${body.queuedBytes} bytes queued`);
          assert.ok(t.info.sizeDownload < 48 * MiB);
          const h = createHash('sha256').update(first);
          let length = first.length;
          for (let r = await it.next(); !r.done; r = await it.next()) {
            h.update(r.value);
            length += r.value.length;
          }
          assert.deepEqual([length, h.digest('hex')], [n, patternSha256(n)]);
          await t.done;
        });
      });

      describe('onData', () => {
        it('a promise returned holds the body: the server stalls until it settles, and done waits for it', async () => {
          const n = 128 * MiB;
          const h = createHash('sha256');
          let length = 0;
          let calls = 0;
          let settle!: () => void;
          const t = multi.add({
            url: url(`/pattern/${n}`),
            onData: (c) => {
              h.update(c);
              length += c.length;
              if (++calls === 1) return new Promise<void>((resolve) => (settle = resolve));
              return undefined;
            },
          });
          let doneSettled = false;
          void t.done.then(() => (doneSettled = true), () => (doneSettled = true));
          await until(() => calls > 0, 'the first slice');
          const progress = state.progress.get(pathOf(t))!;
          const stalled = await settledValue(() => progress.written);
          assert.ok(stalled < 48 * MiB, `the server wrote ${stalled} bytes of ${n} while onData's promise was pending`);
          assert.equal(calls, 1, 'no slice while the promise is pending');
          assert.equal(doneSettled, false);
          settle();
          const r = await t.done;
          assert.deepEqual([length, h.digest('hex'), r.info.sizeDownload, r.body.length], [n, patternSha256(n), n, 0]);
        });

        it('done waits for a promise given with the last slice', async () => {
          const order: string[] = [];
          let settle!: () => void;
          const t = multi.add({
            url: url('/pattern/10'),
            onData: () => new Promise<void>((resolve) => (settle = () => {
              order.push('settled');
              resolve();
            })),
          });
          void t.done.then(() => order.push('done'));
          await until(() => settle !== undefined, 'onData');
          // The whole response is in; still, nothing is done until the promise settles.
          await until(() => t.info.sizeDownload === 10, 'the body');
          await new Promise((r) => setImmediate(r));
          assert.deepEqual(order, []);
          settle();
          await t.done;
          assert.deepEqual(order, ['settled', 'done']);
        });

        it('a promise that rejects ends the transfer with ERR_ABORTED, its reason as the cause; the next transfer works', async () => {
          const reason = new Error('disk full');
          const t = multi.add({ url: url(`/pattern/${8 * MiB}`), onData: () => Promise.reject(reason) });
          await assert.rejects(t.done, (e: unknown) => code('ERR_ABORTED')(e) && (e as HiperError).cause === reason);
          assert.ok((await multi.add({ url: url('/pattern/3000') }).done).body.equals(patternBytes(3000)));
        });

        it('a callback that throws ends the transfer with ERR_ABORTED', async () => {
          const t = multi.add({ url: url('/pattern/3000'), onData: () => {
            throw new Error('nope');
          } });
          await assert.rejects(t.done, code('ERR_ABORTED'));
        });
      });

      if (protocol === 'h2') {
        it('a paused stream does not hold the other streams of its session', async () => {
          const big = multi.add({ url: url(`/pattern/${64 * MiB}`), stream: true });
          const { body } = await big.response;
          await settledValue(() => state.progress.get(pathOf(big))!.written);
          const other = await multi.add({ url: url(`/pattern/${2 * MiB}`) }).done;
          assert.equal(other.info.connectionId, big.info.connectionId);
          assert.equal(sha256([other.body]), patternSha256(2 * MiB));
          const rest = await drink(body);
          assert.equal(rest.length, 64 * MiB);
        });
      }

      describe('maxBodySize', () => {
        it('a larger announced length fails at the head, before any body byte is read', async () => {
          const n = 5 * MiB;
          for (const mode of ['buffered', 'stream', 'onData'] as const) {
            const t = multi.add({
              url: url(`/headonly/${n}`), maxBodySize: 1000,
              ...(mode === 'stream' ? { stream: true } : mode === 'onData' ? { onData: () => {} } : {}),
            });
            const failed = mode === 'stream' ? t.response : t.done;
            await assert.rejects(failed, (e: unknown) => {
              code('ERR_BODY_TOO_LARGE')(e);
              assert.deepEqual((e as HiperError).details, { limit: 1000, size: n, announced: true });
              return true;
            });
            assert.equal(t.info.sizeDownload, 0);
            assert.equal(t.info.status, 200);
          }
          assert.ok((await multi.add({ url: url('/pattern/999'), maxBodySize: 1000 }).done).body.equals(patternBytes(999)));
        });

        it('a body without a length fails as soon as it passes the limit, while the server still holds the response open', async () => {
          const m = 300_001;
          const t = multi.add({ url: url(`/counted/${m}`), maxBodySize: m - 1 });
          await assert.rejects(t.done, (e: unknown) => {
            code('ERR_BODY_TOO_LARGE')(e);
            assert.deepEqual((e as HiperError).details, { limit: m - 1, size: m, announced: false });
            return true;
          });
          const next = await multi.add({ url: url('/pattern/1234') }).done;
          assert.ok(next.body.equals(patternBytes(1234)));
        });

        it('a body of exactly the limit is taken, announced or not', async () => {
          const n = 200_000;
          const a = await multi.add({ url: url(`/pattern/${n}`), maxBodySize: n }).done;
          const b = await multi.add({ url: url(`/nolength/${n}`), maxBodySize: n }).done;
          assert.ok(a.body.equals(patternBytes(n)) && b.body.equals(patternBytes(n)));
        });

        it("the Multi's default applies, a transfer's own limit overrides it either way", async () => {
          const limited = impl.make({ ...bed.multiOptions, maxBodySize: 1000 });
          try {
            await assert.rejects(limited.add({ url: url('/pattern/2000') }).done, code('ERR_BODY_TOO_LARGE'));
            await assert.rejects(limited.add({ url: url('/nolength/2000'), stream: true }).done, code('ERR_BODY_TOO_LARGE'));
            const wider = await limited.add({ url: url('/pattern/2000'), maxBodySize: 5000 }).done;
            assert.ok(wider.body.equals(patternBytes(2000)));
            await assert.rejects(limited.add({ url: url('/pattern/500'), maxBodySize: 100 }).done, (e: unknown) => {
              code('ERR_BODY_TOO_LARGE')(e);
              assert.equal((e as HiperError).details.limit, 100);
              return true;
            });
            assert.ok((await limited.add({ url: url('/pattern/1000') }).done).body.equals(patternBytes(1000)));
          } finally {
            await limited.close();
          }
        });

        // Node 20 holds at most 4 GiB in one Buffer; Node 22 and later up to 2^53 - 1, more than any length a
        // response can announce: there a buffered body is bounded by maxBodySize alone.
        const bufferLimit = bufferConstants.MAX_LENGTH;
        const limitReachable = bufferLimit + 1 <= Number.MAX_SAFE_INTEGER;
        it(limitReachable
          ? 'a buffered body longer than one Buffer holds is refused at the head; streamed, it is not'
          : 'a buffered body announcing a terabyte is not refused at the head, and reserves nothing for it', async () => {
          if (!limitReachable) {
            const before = process.memoryUsage().rss;
            let head!: () => void;
            const headed = new Promise<void>((r) => (head = r));
            const t = multi.add({ url: url(`/headonly/${2 ** 40}`), onHeaders: () => head() });
            await headed;
            assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'nothing reserved for the announced length');
            multi.remove(t);
            await assert.rejects(t.done, code('ERR_ABORTED'));
            return;
          }
          const n = bufferLimit + 1;
          const buffered = multi.add({ url: url(`/headonly/${n}`) });
          await assert.rejects(buffered.done, (e: unknown) => {
            code('ERR_BODY_TOO_LARGE')(e);
            assert.deepEqual((e as HiperError).details, { limit: bufferLimit, size: n, announced: true });
            return true;
          });
          const streamed = multi.add({ url: url(`/headonly/${n}`), stream: true });
          const r = await streamed.response;
          assert.equal(r.status, 200);
          await r.body.stream().cancel();
          await assert.rejects(streamed.done, code('ERR_ABORTED'));
        });
      });
    });
  }

  describe('either protocol', () => {
    it('response on a transfer without stream: true throws ERR_INVALID_ARGUMENT', async () => {
      const multi = impl.make();
      const t = multi.add({ url: `http://127.0.0.1:${await deadPort()}/` });
      assert.throws(() => t.response, code('ERR_INVALID_ARGUMENT'));
      await assert.rejects(t.done);
      await multi.close();
    });

    it('stream and onData together are refused at add()', () => {
      const multi = impl.make();
      assert.throws(() => multi.add({ url: 'http://127.0.0.1:1/', stream: true, onData: () => {} }), code('ERR_INVALID_ARGUMENT'));
      assert.throws(() => multi.add({ url: 'http://127.0.0.1:1/', stream: 'yes' as unknown as boolean }), code('ERR_INVALID_ARGUMENT'));
      assert.equal(multi.stats().transfersRunning, 0);
    });

    it('response rejects when the transfer fails before its head, and done then needs no handler of its own', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown): void => void unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      try {
        const multi = impl.make();
        const t = multi.add({ url: `http://127.0.0.1:${await deadPort()}/`, stream: true });
        await assert.rejects(t.response, code('ERR_CONNECT_ALL_FAILED'));
        await new Promise((r) => setImmediate(r));
        await multi.close();
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  });

  describe('1xx responses before the final one', () => {
    const cases: Array<{ name: string; interim: number; maxInformational?: number; ok: boolean }> = [
      { name: 'the default allows 10', interim: 10, ok: true },
      { name: 'the default refuses 11', interim: 11, ok: false },
      { name: 'maxInformational 2 refuses 3', interim: 3, maxInformational: 2, ok: false },
      { name: 'maxInformational 20 allows 20', interim: 20, maxInformational: 20, ok: true },
      { name: 'maxInformational 0 allows none', interim: 0, maxInformational: 0, ok: true },
      { name: 'maxInformational 0 refuses 1', interim: 1, maxInformational: 0, ok: false },
    ];
    let h1: { port: number; close(): Promise<void> };
    let h2server: http2.Http2SecureServer;
    let h2port: number;
    before(async () => {
      h1 = await startRaw((s) => readHeads(s, (head) => {
        const k = Number(/^GET \/info\/(\d+)/.exec(head)?.[1] ?? 0);
        s.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n'.repeat(k) + 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }));
      h2server = http2.createSecureServer({ key: cert.key, cert: cert.cert });
      h2server.on('stream', (stream, headers) => {
        stream.on('error', () => {});
        const k = Number(/^\/info\/(\d+)/.exec(String(headers[':path']))?.[1] ?? 0);
        for (let i = 0; i < k; i++) stream.additionalHeaders({ ':status': 103, link: '</a.css>' });
        stream.respond({ ':status': 200 });
        stream.end('ok');
      });
      h2server.listen(0, '127.0.0.1');
      await once(h2server, 'listening');
      h2port = (h2server.address() as net.AddressInfo).port;
    });
    after(async () => {
      await h1.close();
      h2server.close();
    });

    for (const protocol of ['h1', 'h2'] as Protocol[]) {
      for (const c of cases) {
        it(`${protocol}: ${c.name}`, async () => {
          const base = protocol === 'h1' ? `http://127.0.0.1:${h1.port}` : `https://127.0.0.1:${h2port}`;
          const multi = impl.make({
            ...(protocol === 'h2' ? { tls: { ca: cert.cert } } : {}),
            ...(c.maxInformational !== undefined ? { parserLimits: { maxInformational: c.maxInformational } } : {}),
          });
          try {
            const t = multi.add({ url: `${base}/info/${c.interim}` });
            if (c.ok) {
              assert.equal(String((await t.done).body), 'ok');
            } else {
              await assert.rejects(t.done, (e: unknown) => {
                code('ERR_HTTP_PARSE')(e);
                assert.equal((e as HiperError).details.reason, 'too-many-informational');
                return true;
              });
            }
            // Whatever happened to that connection (HTTP/1.1) or stream (HTTP/2), the next transfer works.
            assert.equal(String((await multi.add({ url: `${base}/info/0` }).done).body), 'ok');
          } finally {
            await multi.close();
          }
        });
      }
    }
  });

  describe('HTTP/1.1 specifics (raw server)', () => {
    itMultiOnly(impl)('an onData promise holds the connection: a response pipelined behind gets nothing until it settles', async () => {
      const server = await startRaw((s) => {
        const answers: string[] = [];
        readHeads(s, (head) => {
          const path = head.split(' ')[1]!;
          answers.push(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
          // The warm-up is answered at once; the two pipelined requests together, in one write.
          if (path === '/warm') s.write(answers.splice(0).join(''));
          else if (answers.length === 2) s.write(answers.splice(0).join(''));
        });
      });
      const multi = impl.make({ pipelining: true });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        await multi.add({ url: `${base}/warm` }).done;
        let settle!: () => void;
        const seen: string[] = [];
        const first = multi.add({ url: `${base}/first`, onData: (c) => {
          seen.push(`first ${String(c)}`);
          return new Promise<void>((resolve) => (settle = resolve));
        } });
        const second = multi.add({ url: `${base}/second`, onHeaders: () => void seen.push('second head') });
        void second.done.then(() => seen.push('second done'));
        void first.done.then(() => seen.push('first done'));
        await until(() => settle !== undefined, 'the first body');
        // Both responses came in one read; the second waits in the parser while the first is held.
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(seen, ['first /first']);
        settle();
        const [a, b] = await Promise.all([first.done, second.done]);
        assert.deepEqual(seen.slice().sort(), ['first /first', 'first done', 'second done', 'second head']);
        assert.equal(String(b.body), '/second');
        assert.equal(b.info.pipelinePosition, 1);
        assert.equal(a.info.connectionId, b.info.connectionId);
      } finally {
        await multi.close();
        await server.close();
      }
    });

    it('a close-delimited body whose end arrives while the reader is behind: every byte, then a clean end', async () => {
      const n = 3 * MiB + 11;
      let finished!: Promise<unknown>;
      const server = await startRaw((s) => readHeads(s, () => {
        s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
        for (const slice of patternSlices(n)) s.write(slice);
        s.end();
        finished = once(s, 'finish');
      }));
      const multi = impl.make();
      try {
        const t = multi.add({ url: `http://127.0.0.1:${server.port}/`, stream: true });
        const { body } = await t.response;
        const it = body[Symbol.asyncIterator]();
        const first = (await it.next()).value!;
        // The server has handed everything, its FIN included, to the kernel while the reader holds back.
        await until(() => finished !== undefined, 'the request');
        await finished;
        const h = createHash('sha256').update(first);
        let length = first.length;
        for (let r = await it.next(); !r.done; r = await it.next()) {
          h.update(r.value);
          length += r.value.length;
          await new Promise((resolve) => setImmediate(resolve));
        }
        assert.deepEqual([length, h.digest('hex')], [n, patternSha256(n)]);
        assert.equal((await t.done).info.sizeDownload, n);
      } finally {
        await multi.close();
        await server.close();
      }
    });

    it("a close-delimited body whose end arrives while onData's promise is pending: done waits for it, then has every byte", async () => {
      const server = await startRaw((s) => readHeads(s, () => {
        s.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it');
      }));
      const multi = impl.make();
      try {
        let settle!: () => void;
        const got: string[] = [];
        const t = multi.add({ url: `http://127.0.0.1:${server.port}/`, onData: (c) => {
          got.push(String(c));
          return new Promise<void>((resolve) => (settle = resolve));
        } });
        await until(() => settle !== undefined, 'the body');
        // The connection is gone at both ends (the server's socket closes once the client's FIN came back).
        await until(() => server.sockets[0]!.destroyed, 'the connection to close');
        await new Promise((r) => setImmediate(r));
        settle();
        const r = await t.done;
        assert.equal(got.join(''), 'all of it');
        assert.equal(r.info.sizeDownload, 9);
        assert.equal(multi.stats().connections, 0);
      } finally {
        await multi.close();
        await server.close();
      }
    });

    it('a pipelined response read before the server closed is still delivered after a held onData settles', async () => {
      const server = await startRaw((s) => {
        const answers: string[] = [];
        readHeads(s, (head) => {
          const path = head.split(' ')[1]!;
          answers.push(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
          if (path === '/warm') s.write(answers.splice(0).join(''));
          else if (answers.length === 2) s.end(answers.splice(0).join(''));
        });
      });
      const multi = impl.make({ pipelining: true });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        await multi.add({ url: `${base}/warm` }).done;
        let settle!: () => void;
        const first = multi.add({ url: `${base}/first`, onData: () => new Promise<void>((resolve) => (settle = resolve)) });
        const second = multi.add({ url: `${base}/second` });
        await until(() => settle !== undefined, 'the first body');
        await until(() => server.sockets[0]!.destroyed, 'the connection to close');
        await new Promise((r) => setImmediate(r));
        settle();
        const [, b] = await Promise.all([first.done, second.done]);
        assert.equal(String(b.body), '/second');
        assert.equal(b.info.tries, 1, 'from the bytes held, not sent again');
        assert.equal(multi.stats().connectionsOpened, 1);
      } finally {
        await multi.close();
        await server.close();
      }
    });

    it('a close-delimited body fails as soon as it passes maxBodySize; the next transfer works', async () => {
      const m = 50_001;
      const server = await startRaw((s, i) => readHeads(s, (head) => {
        if (head.includes('/big')) {
          s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
          s.write(patternBytes(m));
          // and the connection stays open: the client must not wait for its end
        } else {
          s.end(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${i}!`);
        }
      }));
      const multi = impl.make();
      try {
        const t = multi.add({ url: `http://127.0.0.1:${server.port}/big`, maxBodySize: m - 1 });
        await assert.rejects(t.done, (e: unknown) => {
          code('ERR_BODY_TOO_LARGE')(e);
          assert.deepEqual((e as HiperError).details, { limit: m - 1, size: m, announced: false });
          return true;
        });
        const next = await multi.add({ url: `http://127.0.0.1:${server.port}/small` }).done;
        assert.equal(String(next.body), '1!');
      } finally {
        await multi.close();
        await server.close();
      }
    });

    it('a streamed response on a pipelined connection, cancelled mid-body: the transfer behind it still gets its own response', async () => {
      const n = 32 * MiB;
      const server = await startRaw((s) => {
        readHeads(s, (head) => {
          const path = head.split(' ')[1]!;
          if (path === '/big') {
            s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`);
            for (const slice of patternSlices(n)) s.write(slice);
          } else {
            s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
          }
        });
      });
      const multi = impl.make({ pipelining: true });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        await multi.add({ url: `${base}/warm` }).done;
        const big = multi.add({ url: `${base}/big`, stream: true });
        const behind = multi.add({ url: `${base}/behind` });
        const { body } = await big.response;
        for await (const _ of body) break;
        await assert.rejects(big.done, code('ERR_ABORTED'));
        const r = await behind.done;
        assert.equal(String(r.body), '/behind');
      } finally {
        await multi.close();
        await server.close();
      }
    });
  });
});
