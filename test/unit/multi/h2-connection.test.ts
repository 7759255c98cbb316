import assert from 'node:assert/strict';
import http2, { type Http2Session, type ServerHttp2Stream, type IncomingHttpHeaders, type SecureServerOptions } from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { connect } from '../../../src/connect/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { H2Connection } from '../../../src/multi/h2-connection.js';
import type { TransferImpl } from '../../../src/multi/transfer.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { FakeOwner, connectH2, makeTransfer, patternBody } from './h2-helpers.js';

const { NGHTTP2_INTERNAL_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = http2.constants;

type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, server: TestServer) => void;

interface TestServer {
  port: number;
  sessions: Set<Http2Session>;
  /** Streams open on the server now, and the most at once. */
  open: number;
  peakOpen: number;
  /** rstCode of each stream the server saw close, by path. */
  closedCodes: Map<string, number>;
  /** The TLS sockets under the sessions, to drop one without a GOAWAY. */
  sockets: Set<TLSSocket>;
  close(): Promise<void>;
}

async function startServer(cert: TestCert, handler: Handler, settings: SecureServerOptions['settings'] = {}): Promise<TestServer> {
  const server = http2.createSecureServer({ key: cert.key, cert: cert.cert, settings });
  const state: TestServer = {
    port: 0, sessions: new Set(), open: 0, peakOpen: 0, closedCodes: new Map(), sockets: new Set(),
    close: async () => {
      for (const s of state.sessions) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('secureConnection', (socket: TLSSocket) => {
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
  });
  server.on('session', (s) => {
    state.sessions.add(s);
    s.on('error', () => {});
    s.on('close', () => state.sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    state.open++;
    state.peakOpen = Math.max(state.peakOpen, state.open);
    stream.on('error', () => {});
    stream.on('close', () => {
      state.open--;
      state.closedCodes.set(String(headers[':path']), stream.rstCode);
    });
    handler(stream, headers, state);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  return state;
}

/** /size/N: N bytes of patternBody(N); /echo: the request body back, the request headers in x-seen. */
const basic: Handler = (stream, headers) => {
  const path = String(headers[':path']);
  const size = /^\/size\/(\d+)$/.exec(path);
  if (size) {
    const n = Number(size[1]);
    stream.respond({ ':status': 200, 'content-length': n, 'x-b': ['1', '2'] });
    stream.end(patternBody(n, n));
    return;
  }
  if (path === '/echo') {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 201, 'x-seen': JSON.stringify(headers) });
      stream.end(Buffer.concat(chunks));
    });
    return;
  }
  stream.respond({ ':status': 404 });
  stream.end();
};

function code(c: string, h2Code?: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
    assert.equal(e.code, c, e.message);
    if (h2Code !== undefined) assert.equal(e.details.h2Code, h2Code, e.message);
    return true;
  };
}

/** Sends once the server's SETTINGS have arrived. */
async function ready(conn: H2Connection, owner: FakeOwner): Promise<void> {
  await owner.until(() => conn.pipelinable);
}

describe('H2Connection', function () {
  this.timeout(20_000);
  let cert: TestCert;
  const servers: TestServer[] = [];
  const conns: H2Connection[] = [];
  before(() => {
    cert = makeCert();
  });
  after(() => cert.cleanup());
  afterEach(async () => {
    for (const c of conns.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  async function setup(handler: Handler = basic, settings?: SecureServerOptions['settings']): Promise<{ server: TestServer; owner: FakeOwner; conn: H2Connection; base: string }> {
    const server = await startServer(cert, handler, settings);
    servers.push(server);
    const owner = new FakeOwner();
    const conn = await connectH2(server.port, cert.cert, owner);
    conns.push(conn);
    return { server, owner, conn, base: `https://127.0.0.1:${server.port}` };
  }

  it('one GET: status, header pairs without pseudo-headers, body, version 2; the next is reused', async () => {
    const { conn, owner, base } = await setup();
    assert.equal(conn.pipelinable, false, 'no SETTINGS yet');
    assert.equal(conn.hasRoom, true);
    assert.equal(conn.maxConcurrentStreams, 100, 'assumed until SETTINGS');
    const t = makeTransfer({ url: `${base}/size/1000` });
    conn.send(t);
    assert.equal(conn.depth, 1);
    const r = await t.done;
    assert.equal(r.status, 200);
    assert.equal(r.httpVersion, '2');
    assert.deepEqual(r.body, patternBody(1000, 1000));
    assert.deepEqual(r.headers.filter(([n]) => n !== 'date'), [['content-length', '1000'], ['x-b', '1'], ['x-b', '2']]);
    assert.ok(r.headers.every(([n]) => !n.startsWith(':')));
    assert.equal(r.info.connectionId, 1);
    assert.equal(r.info.reused, false);
    assert.equal(conn.pipelinable, true);
    await owner.until(() => conn.depth === 0);
    const t2 = makeTransfer({ url: `${base}/size/0` });
    conn.send(t2);
    const r2 = await t2.done;
    assert.equal(r2.info.reused, true);
    assert.equal(r2.body.length, 0);
    assert.ok(owner.capacityCalls >= 2, 'SETTINGS and a stream end');
  });

  it('200 streams against maxConcurrentStreams 50: hasRoom turns false at 50, onCapacity refills, all byte-exact', async () => {
    // The server answers on the next turn, so streams pile up to the limit.
    const { server, owner, conn, base } = await setup((stream, headers, s) => setImmediate(() => basic(stream, headers, s)), { maxConcurrentStreams: 50 });
    const sizes = Array.from({ length: 200 }, (_, i) => (i * 7919) % 20000);
    const ts = sizes.map((n) => makeTransfer({ url: `${base}/size/${n}` }));
    conn.send(ts[0]!);
    owner.queue.push(...ts.slice(1));
    await ready(conn, owner);
    assert.equal(conn.maxConcurrentStreams, 50);
    const results = await Promise.all(ts.map((t) => t.done));
    results.forEach((r, i) => assert.deepEqual(r.body, patternBody(sizes[i]!, sizes[i]!)));
    assert.equal(owner.peakDepth, 50);
    assert.equal(owner.sawFull, true);
    assert.ok(server.peakOpen <= 50, `server saw ${server.peakOpen} streams at once`);
    assert.equal(conn.requests, 200);
    assert.equal(conn.refusedRetries, 0);
    assert.equal(server.sessions.size, 1);
    assert.equal(owner.closedCalls.length, 0);
  });

  it('100 streams sent before the SETTINGS of a server allowing 10 all complete (refused ones go again)', async () => {
    const { conn, owner, base } = await setup((stream, headers, s) => setImmediate(() => basic(stream, headers, s)), { maxConcurrentStreams: 10 });
    const ts = Array.from({ length: 100 }, (_, i) => makeTransfer({ url: `${base}/size/${i}` }));
    for (const t of ts) conn.send(t);
    const results = await Promise.all(ts.map((t) => t.done));
    results.forEach((r, i) => assert.deepEqual(r.body, patternBody(i, i)));
    assert.equal(conn.maxConcurrentStreams, 10);
    await owner.until(() => conn.depth === 0);
  });

  describe('request heads and bodies', () => {
    const cases: Array<{ name: string; method: string; headers?: Record<string, string>; body?: Buffer[] | string; expect: Record<string, string | undefined>; authority?: string }> = [
      {
        name: 'POST of three Buffers, connection-specific headers left out, Host as :authority',
        method: 'POST',
        headers: { Connection: 'keep-alive', 'Keep-Alive': 'timeout=5', Upgrade: 'h2c', 'Proxy-Connection': 'x', Host: 'example.test', 'X-Custom': 'A', TE: 'gzip' },
        body: [Buffer.from('hello'), Buffer.from(' '), Buffer.from('world')],
        expect: { ':method': 'POST', 'content-length': '11', 'x-custom': 'A', connection: undefined, 'keep-alive': undefined, upgrade: undefined, 'proxy-connection': undefined, te: undefined, host: undefined },
        authority: 'example.test',
      },
      { name: 'PUT without a body: content-length 0', method: 'PUT', expect: { ':method': 'PUT', 'content-length': '0' } },
      { name: 'TE: trailers is kept', method: 'GET', headers: { TE: 'trailers' }, expect: { te: 'trailers', 'content-length': undefined } },
      { name: 'a string body', method: 'PATCH', body: 'ünïcode', expect: { 'content-length': String(Buffer.byteLength('ünïcode')) } },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { conn, base } = await setup();
        const t = makeTransfer({ url: `${base}/echo`, method: c.method, ...(c.headers ? { headers: c.headers } : {}), ...(c.body !== undefined ? { body: c.body } : {}) });
        conn.send(t);
        const r = await t.done;
        assert.equal(r.status, 201);
        const expectedBody = c.body === undefined ? Buffer.alloc(0) : Array.isArray(c.body) ? Buffer.concat(c.body) : Buffer.from(c.body);
        assert.deepEqual(r.body, expectedBody);
        const seen = JSON.parse(r.headers.find(([n]) => n === 'x-seen')![1]) as Record<string, string>;
        for (const [name, value] of Object.entries(c.expect)) assert.equal(seen[name], value, name);
        assert.equal(seen[':authority'], c.authority ?? `127.0.0.1:${base.split(':')[2]}`);
        assert.equal(seen[':path'], '/echo');
        assert.equal(seen[':scheme'], 'https');
        assert.equal(r.info.sizeUpload, expectedBody.length);
      });
    }
  });

  describe('END_STREAM on the request HEADERS exactly when there is no body, whatever node:http2 assumes of the method', () => {
    /** Answers with whether the HEADERS ended the stream, and the request body back. */
    const endSeen: Handler = (stream) => {
      const ended = stream.endAfterHeaders;
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'x-end-after-headers': String(ended) });
        stream.end(Buffer.concat(chunks));
      });
    };
    const cases: Array<{ method: string; body?: string | Buffer[]; ended: boolean }> = [
      { method: 'GET', ended: true },
      { method: 'DELETE', ended: true },
      { method: 'POST', ended: true },
      { method: 'OPTIONS', ended: true },
      { method: 'GET', body: 'query', ended: false },
      { method: 'DELETE', body: [Buffer.from('one buffer')], ended: false },
      { method: 'POST', body: [Buffer.from('two '), Buffer.from('buffers')], ended: false },
      { method: 'PUT', body: 'text', ended: false },
    ];
    for (const c of cases) {
      it(`${c.method} ${c.body === undefined ? 'without a body' : `with ${typeof c.body === 'string' ? 'a string' : `${c.body.length} Buffer(s)`}`}: END_STREAM ${c.ended}`, async () => {
        const { conn, base } = await setup(endSeen);
        const t = makeTransfer({ url: `${base}/e`, method: c.method, ...(c.body !== undefined ? { body: c.body } : {}) });
        conn.send(t);
        const r = await t.done;
        assert.equal(r.status, 200);
        assert.equal(r.headers.find(([n]) => n === 'x-end-after-headers')?.[1], String(c.ended));
        const expected = c.body === undefined ? '' : Array.isArray(c.body) ? Buffer.concat(c.body).toString() : c.body;
        assert.equal(r.body.toString(), expected);
      });
    }
  });

  it('trailers reach the transfer', async () => {
    const { conn, base } = await setup((stream) => {
      stream.respond({ ':status': 200 }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-sum': '42', 'x-more': 'yes' }));
      stream.end('body');
    });
    const t = makeTransfer({ url: `${base}/t` });
    conn.send(t);
    const r = await t.done;
    assert.equal(String(r.body), 'body');
    assert.deepEqual(r.trailers, [['x-sum', '42'], ['x-more', 'yes']]);
  });

  it('streams to onData and onHeaders as they arrive', async () => {
    const { conn, base } = await setup();
    const slices: Buffer[] = [];
    let status = 0;
    const t = makeTransfer({ url: `${base}/size/300000`, onData: (b) => slices.push(b), onHeaders: (h) => { status = h.status; } });
    conn.send(t);
    const r = await t.done;
    assert.equal(r.body.length, 0);
    assert.equal(status, 200);
    assert.deepEqual(Buffer.concat(slices), patternBody(300000, 300000));
  });

  describe('RST_STREAM from the server', () => {
    const cases: Array<{ name: string; respond: (s: ServerHttp2Stream, n: number) => void; outcome: 'ok' | string; h2Code?: string; refusedRetries?: number }> = [
      { name: 'reset before any response: ERR_HTTP2 INTERNAL_ERROR', respond: (s) => s.close(NGHTTP2_INTERNAL_ERROR), outcome: 'ERR_HTTP2', h2Code: 'INTERNAL_ERROR' },
      {
        name: 'reset in the middle of the body: ERR_HTTP2 INTERNAL_ERROR',
        respond: (s) => {
          s.respond({ ':status': 200 });
          // destroy(err), not close(code): close() ends the body (END_STREAM) before its RST_STREAM.
          s.write(Buffer.alloc(1000, 1), () => setImmediate(() => s.destroy(new Error('cut'))));
        },
        outcome: 'ERR_HTTP2', h2Code: 'INTERNAL_ERROR',
      },
      {
        name: 'END_STREAM before content-length bytes: ERR_HTTP2 PROTOCOL_ERROR',
        respond: (s) => {
          s.respond({ ':status': 200, 'content-length': 5000 });
          s.end(Buffer.alloc(1000, 1));
        },
        outcome: 'ERR_HTTP2', h2Code: 'PROTOCOL_ERROR',
      },
      {
        name: 'RST_STREAM NO_ERROR in the middle of the body (no END_STREAM): ERR_HTTP2 NO_ERROR, not a short success',
        respond: (s) => {
          s.respond({ ':status': 200 });
          s.write(Buffer.alloc(1000, 1), () => setImmediate(() => s.destroy()));
        },
        outcome: 'ERR_HTTP2', h2Code: 'NO_ERROR',
      },
      { name: 'reset with ENHANCE_YOUR_CALM: named', respond: (s) => s.close(NGHTTP2_ENHANCE_YOUR_CALM), outcome: 'ERR_HTTP2', h2Code: 'ENHANCE_YOUR_CALM' },
      {
        name: 'REFUSED_STREAM once: sent again on the session and answered',
        respond: (s, n) => (n === 1 ? s.close(NGHTTP2_REFUSED_STREAM) : basic(s, { ':path': '/size/10' }, undefined as never)),
        outcome: 'ok', refusedRetries: 1,
      },
      { name: 'REFUSED_STREAM twice: ERR_HTTP2 REFUSED_STREAM', respond: (s) => s.close(NGHTTP2_REFUSED_STREAM), outcome: 'ERR_HTTP2', h2Code: 'REFUSED_STREAM', refusedRetries: 1 },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        let n = 0;
        const { conn, owner, base } = await setup((stream, headers, s) => (String(headers[':path']) === '/x' ? c.respond(stream, ++n) : basic(stream, headers, s)));
        const t = makeTransfer({ url: `${base}/x` });
        conn.send(t);
        if (c.outcome === 'ok') assert.deepEqual((await t.done).body, patternBody(10, 10));
        else await assert.rejects(t.done, code(c.outcome, c.h2Code));
        assert.equal(conn.refusedRetries, c.refusedRetries ?? 0);
        // The session stays usable.
        await owner.until(() => conn.depth === 0);
        const next = makeTransfer({ url: `${base}/size/5` });
        conn.send(next);
        assert.deepEqual((await next.done).body, patternBody(5, 5));
        assert.equal(owner.closedCalls.length, 0);
      });
    }
  });

  it('abandon mid-response: RST_STREAM CANCEL, the slot frees, the session carries on', async () => {
    const { server, conn, owner, base } = await setup((stream, headers, s) => {
      if (headers[':path'] !== '/hold') return basic(stream, headers, s);
      stream.respond({ ':status': 200 });
      stream.write(Buffer.alloc(100, 7));
    });
    let t: TransferImpl;
    let slices = 0;
    const aborted = new Promise<void>((resolve) => {
      t = makeTransfer({
        url: `${base}/hold`,
        onData: () => {
          slices++;
          // What the Multi does on remove(): the transfer ends, then its carrier is told.
          t.fail(new HiperError('ERR_ABORTED', 'removed', { input: 'test' }), true);
          conn.abandon(t);
          resolve();
        },
      });
    });
    conn.send(t!);
    await aborted;
    await assert.rejects(t!.done, code('ERR_ABORTED'));
    await owner.until(() => conn.depth === 0);
    assert.equal(slices, 1);
    const capacityBefore = owner.capacityCalls;
    const next = makeTransfer({ url: `${base}/size/64` });
    conn.send(next);
    assert.deepEqual((await next.done).body, patternBody(64, 64));
    await owner.until(() => owner.capacityCalls > capacityBefore && conn.depth === 0);
    await new Promise<void>((resolve) => (server.closedCodes.has('/hold') ? resolve() : setImmediate(resolve)));
    assert.equal(server.closedCodes.get('/hold'), NGHTTP2_CANCEL);
  });

  it('abandon before any response byte: the stream is cancelled, nothing reaches the transfer', async () => {
    const { conn, owner, base } = await setup((stream, headers, s) => (headers[':path'] === '/never' ? undefined : basic(stream, headers, s)));
    const t = makeTransfer({ url: `${base}/never` });
    conn.send(t);
    t.fail(new HiperError('ERR_TIMEOUT', 'timed out', { input: 'test' }));
    conn.abandon(t);
    await assert.rejects(t.done, code('ERR_TIMEOUT'));
    await owner.until(() => conn.depth === 0);
    assert.equal(owner.closedCalls.length, 0);
  });

  describe('GOAWAY from the server', () => {
    // Ten streams reach the server; then it sends GOAWAY naming the fourth as the last it will process.
    const cases: Array<{ name: string; code: number; /** the first stream is mid-response when GOAWAY comes */ midResponse: boolean; answered: number; failed: Array<[index: number, h2Code: string]>; unanswered: number[]; unprocessed: number[] }> = [
      { name: 'NO_ERROR: streams up to the last are answered, the rest handed back unprocessed', code: NGHTTP2_NO_ERROR, midResponse: false, answered: 4, failed: [], unanswered: [4, 5, 6, 7, 8, 9], unprocessed: [4, 5, 6, 7, 8, 9] },
      { name: 'ENHANCE_YOUR_CALM: the stream cut mid-response fails naming it; the rest handed back', code: NGHTTP2_ENHANCE_YOUR_CALM, midResponse: true, answered: 0, failed: [[0, 'ENHANCE_YOUR_CALM']], unanswered: [1, 2, 3, 4, 5, 6, 7, 8, 9], unprocessed: [4, 5, 6, 7, 8, 9] },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const held: Array<[ServerHttp2Stream, IncomingHttpHeaders]> = [];
        let first: Http2Session | undefined;
        const { conn, owner, base } = await setup((stream, headers, s) => {
          first ??= stream.session!;
          // Later sessions (the retry) are answered at once.
          if (stream.session !== first) return basic(stream, headers, s);
          held.push([stream, headers]);
          if (c.midResponse && held.length === 1) {
            stream.respond({ ':status': 200 });
            stream.write(Buffer.alloc(10));
          }
          if (held.length < 10) return;
          const lastStreamId = held[3]![0].id!;
          stream.session!.goaway(c.code, lastStreamId);
          if (c.code === NGHTTP2_NO_ERROR) for (const [st, h] of held.slice(0, 4)) basic(st, h, s);
        });
        const ts = Array.from({ length: 10 }, (_, i) => makeTransfer({ url: `${base}/size/${i + 1}` }));
        conn.send(ts[0]!);
        await ready(conn, owner);
        for (const t of ts.slice(1)) conn.send(t);
        await owner.until(() => owner.closedCalls.length > 0);
        assert.equal(owner.closedCalls.length, 1);
        assert.equal(conn.closed, true);
        await Promise.all(c.failed.map(([i, h2Code]) => assert.rejects(ts[i]!.done, code('ERR_HTTP2', h2Code))));
        const handedBack = owner.closedCalls[0]!;
        assert.deepEqual(handedBack.map((t) => ts.indexOf(t)), c.unanswered);
        assert.deepEqual([...conn.unprocessed].map((t) => ts.indexOf(t)).sort((a, b) => a - b), c.unprocessed);
        for (const t of handedBack) assert.equal(t.ended, false, 'handed back, not ended');
        const answered = ts.filter((t) => t.completed);
        assert.equal(answered.length, c.answered);
        for (const t of answered) assert.deepEqual((await t.done).body, patternBody(ts.indexOf(t) + 1, ts.indexOf(t) + 1));
        // As the Multi would: once more, on a new connection.
        const retryOwner = new FakeOwner();
        const second = await connectH2(Number(base.split(':')[2]), cert.cert, retryOwner, 2);
        conns.push(second);
        for (const t of handedBack) second.send(t);
        for (const t of handedBack) {
          const r = await t.done;
          assert.deepEqual(r.body, patternBody(ts.indexOf(t) + 1, ts.indexOf(t) + 1));
          assert.equal(r.info.connectionId, 2);
          assert.equal(r.info.tries, 2);
        }
      });
    }
  });

  describe('the server ends the session', () => {
    /** One stream mid-response (index 0) and one not answered (index 1) when the server acts. */
    const cases: Array<{ name: string; act: (session: Http2Session, server: TestServer) => void; length?: number; first: 'ok' | [string, string?]; second: 'ok' | 'unanswered' }> = [
      { name: 'graceful close(): both streams still complete', act: (s) => s.close(), first: 'ok', second: 'ok' },
      // node:http2's server resets its streams with NO_ERROR, then closes the socket.
      { name: 'destroy(): the stream cut mid-response fails ERR_HTTP2 NO_ERROR, the other is handed back', act: (s) => s.destroy(), first: ['ERR_HTTP2', 'NO_ERROR'], second: 'unanswered' },
      { name: 'destroy() of a response with content-length: ERR_HTTP2 as well', act: (s) => s.destroy(), length: 5000, first: ['ERR_HTTP2', 'NO_ERROR'], second: 'unanswered' },
      { name: 'the socket drops: ERR_CONNECTION_CLOSED mid-response, the other handed back', act: (_s, server) => { for (const socket of server.sockets) socket.destroy(); }, first: ['ERR_CONNECTION_CLOSED'], second: 'unanswered' },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const held: ServerHttp2Stream[] = [];
        const { conn, owner, base } = await setup((stream, _headers, server) => {
          held.push(stream);
          if (held.length === 1) {
            stream.respond({ ':status': 200, ...(c.length ? { 'content-length': c.length } : {}) });
            stream.write('part');
            return;
          }
          const session = stream.session!;
          c.act(session, server);
          if (c.second === 'ok') {
            held[0]!.end('-rest');
            stream.respond({ ':status': 200 });
            stream.end('second');
          }
        });
        let firstSlice!: () => void;
        const sliced = new Promise<void>((resolve) => { firstSlice = resolve; });
        const a = makeTransfer({ url: `${base}/a`, onData: () => firstSlice() });
        const b = makeTransfer({ url: `${base}/b` });
        conn.send(a);
        await sliced;
        conn.send(b);
        await owner.until(() => owner.closedCalls.length > 0 || (c.second === 'ok' && b.ended));
        if (c.first === 'ok') await a.done;
        else await assert.rejects(a.done, code(c.first[0], c.first[1]));
        if (c.second === 'ok') {
          assert.equal(String((await b.done).body), 'second');
        } else {
          assert.deepEqual(owner.closedCalls, [[b]]);
          assert.equal(b.ended, false);
        }
        await owner.until(() => owner.closedCalls.length > 0);
        assert.equal(conn.closed, true);
        assert.equal(conn.hasRoom, false);
      });
    }
  });

  it('close(): GOAWAY to the server, onClosed with nothing unanswered, the socket closes', async () => {
    const { conn, owner, base } = await setup();
    const t = makeTransfer({ url: `${base}/size/1` });
    conn.send(t);
    await t.done;
    await owner.until(() => conn.depth === 0);
    const closed = once(conn.socket, 'close');
    conn.close();
    assert.equal(conn.hasRoom, false);
    await closed;
    await owner.until(() => owner.closedCalls.length > 0);
    assert.deepEqual(owner.closedCalls, [[]]);
  });

  it('a send after GOAWAY never leaves: handed back as unprocessed', async () => {
    const { conn, owner, base } = await setup((stream, headers, s) => {
      if (headers[':path'] === '/bye') {
        stream.session!.goaway(NGHTTP2_NO_ERROR, stream.id!);
        basic(stream, { ':path': '/size/3' }, s);
        return;
      }
      basic(stream, headers, s);
    });
    const bye = makeTransfer({ url: `${base}/bye` });
    conn.send(bye);
    await owner.until(() => conn.closing);
    assert.equal(conn.hasRoom, false);
    const late = makeTransfer({ url: `${base}/size/9` });
    conn.send(late);
    await owner.until(() => owner.closedCalls.length > 0);
    assert.deepEqual((await bye.done).body, patternBody(3, 3));
    assert.deepEqual(owner.closedCalls, [[late]]);
    assert.equal(conn.unprocessed.has(late), true);
  });

  it('a TLS socket that negotiated http/1.1 is refused with ERR_INVALID_ARGUMENT', async () => {
    const server = http2.createSecureServer({ key: cert.key, cert: cert.cert, allowHTTP1: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const { socket, trace } = await connect({ host: '127.0.0.1', port, tls: { ca: cert.cert, ALPNProtocols: ['http/1.1'] } });
    try {
      assert.throws(() => new H2Connection({ id: 9, socket: socket as TLSSocket, trace, owner: new FakeOwner().asOwner() }), code('ERR_INVALID_ARGUMENT'));
    } finally {
      socket.destroy();
      server.close();
      await once(server, 'close');
    }
  });
});
