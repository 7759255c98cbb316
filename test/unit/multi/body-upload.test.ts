/**
 * Request bodies as a user of a Multi gives them, over HTTP/1.1 (node:http) and HTTP/2 (node:http2):
 * every kind of body the server must see byte for byte with the framing it implies (Content-Length
 * when the size is known, chunked otherwise on HTTP/1.1), sources that fail or lie about their
 * length, a server that answers before it reads the body, and one that does not read at all.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Multi } from '../../../src/multi/index.js';
import type { RequestBody } from '../../../src/multi/types.js';
import { HiperError } from '../../../src/shared/index.js';
import { code } from '../../helpers/expect-code.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { patternBytes } from '../../helpers/pattern.js';
import { readHeads, settledValue, startBed, startRaw, until, type BodyBed, type Protocol } from '../../helpers/body-servers.js';
import { endOfTick } from '../../helpers/ticks.js';

const MiB = 1024 * 1024;



function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** What the server saw of a request. */
interface Seen {
  size: number;
  sha: string;
  contentLength: string | null;
  transferEncoding: string | null;
}

interface ServerState {
  /** Requests whose body did not come whole (the client stopped it), by URL. */
  aborted: Set<string>;
  /** Requests that ended (response closed), by URL. */
  closed: Set<string>;
}

/**
 * /echo: reads the body and answers what it saw (JSON Seen). /early: answers 413 at once, reading
 * nothing of the body. /stall: neither reads nor answers.
 */
function routes(state: ServerState) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url!;
    res.on('close', () => state.closed.add(url));
    req.on('error', () => {});
    req.on('aborted', () => state.aborted.add(url));
    req.on('close', () => {
      if (!req.complete) state.aborted.add(url);
    });
    const path = url.split('?')[0];
    if (path === '/echo') {
      const h = createHash('sha256');
      let size = 0;
      req.on('data', (c: Buffer) => {
        h.update(c);
        size += c.length;
      });
      req.on('end', () => {
        const seen: Seen = {
          size, sha: h.digest('hex'),
          contentLength: (req.headers['content-length'] as string | undefined) ?? null,
          transferEncoding: (req.headers['transfer-encoding'] as string | undefined) ?? null,
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(seen));
      });
      return;
    }
    if (path === '/early') {
      res.writeHead(413, { 'content-length': 8 });
      res.end('too big\n');
      return;
    }
    if (path === '/stall') return;
    res.writeHead(404);
    res.end();
  };
}

/** A source that yields `total` pattern bytes in `piece`-byte slices, counting what was pulled and noting its end. */
function countingSource(total: number, piece = 64 * 1024): { source: AsyncGenerator<Buffer>; pulled: () => number; closed: Promise<void> } {
  let pulled = 0;
  let close!: () => void;
  const closed = new Promise<void>((resolve) => (close = resolve));
  async function* gen(): AsyncGenerator<Buffer> {
    try {
      for (let at = 0; at < total; at += piece) {
        const n = Math.min(piece, total - at);
        pulled += n;
        yield patternBytes(n, at);
      }
    } finally {
      close();
    }
  }
  return { source: gen(), pulled: () => pulled, closed };
}

/** Resolves when a stream has closed (however it ended: a stream cut short is destroyed with an AbortError). */
function closeOf(stream: Readable): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

interface BodyCase {
  name: string;
  body: () => RequestBody;
  /** The bytes the server must see. */
  bytes: Buffer;
  headers?: Record<string, string>;
  /** 'length': Content-Length (both protocols); 'chunked': chunked on HTTP/1.1, no length on HTTP/2. */
  framing: 'length' | 'chunked';
}

describe('request bodies', function () {
  this.timeout(20_000);
  let cert: TestCert;
  let dir: string;
  const N = 300_007;
  const data = patternBytes(N);
  let file: string;

  before(() => {
    cert = makeCert();
    dir = mkdtempSync(join(tmpdir(), 'hiper-upload-'));
    file = join(dir, 'body.bin');
    writeFileSync(file, data);
  });
  after(() => {
    cert.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const text = 'hiper ✓ façade ' + 'x'.repeat(1000);
  const cases: BodyCase[] = [
    { name: 'a string (as UTF-8)', body: () => text, bytes: Buffer.from(text, 'utf8'), framing: 'length' },
    { name: 'a Buffer', body: () => data, bytes: data, framing: 'length' },
    { name: 'a Uint8Array that views part of a larger buffer', body: () => new Uint8Array(data.buffer, data.byteOffset + 7, N - 7), bytes: data.subarray(7), framing: 'length' },
    { name: 'an array of Buffers', body: () => [data.subarray(0, 1), data.subarray(1, 70_000), data.subarray(70_000)], bytes: data, framing: 'length' },
    { name: 'an empty Buffer', body: () => Buffer.alloc(0), bytes: Buffer.alloc(0), framing: 'length' },
    {
      name: 'an async generator', framing: 'chunked', bytes: data,
      body: () => (async function* () {
        for (let at = 0; at < N; at += 50_000) yield data.subarray(at, at + 50_000);
      })(),
    },
    {
      name: 'an async generator with a Content-Length header', framing: 'length', bytes: data, headers: { 'Content-Length': String(N) },
      body: () => (async function* () {
        yield data.subarray(0, 1000);
        yield data.subarray(1000);
      })(),
    },
    { name: 'an async generator of strings and Uint8Arrays', framing: 'chunked', bytes: Buffer.from('ab✓cd'), body: () => (async function* () {
      yield 'ab';
      yield '✓';
      yield new Uint8Array([0x63, 0x64]);
    })() },
    { name: 'an empty async generator', framing: 'chunked', bytes: Buffer.alloc(0), body: () => (async function* () {})() },
    { name: 'Readable.from(Buffers)', framing: 'chunked', bytes: data, body: () => Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]) },
    { name: 'fs.createReadStream of a whole file (Content-Length sent)', framing: 'length', bytes: data, body: () => createReadStream(file) },
    { name: 'fs.createReadStream of part of a file', framing: 'chunked', bytes: data.subarray(10, 20_011), body: () => createReadStream(file, { start: 10, end: 20_010 }) },
    {
      name: 'a web ReadableStream', framing: 'chunked', bytes: data,
      body: () => {
        let at = 0;
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= N) return controller.close();
            controller.enqueue(new Uint8Array(data.subarray(at, at + 65_536)));
            at += 65_536;
          },
        }) as unknown as RequestBody;
      },
    },
  ];

  for (const protocol of ['h1', 'h2'] as Protocol[]) {
    describe(`over ${protocol === 'h1' ? 'HTTP/1.1' : 'HTTP/2'}`, () => {
      let bed: BodyBed;
      let state: ServerState;
      let multi: Multi;
      let seq = 0;
      const url = (path: string): string => `${bed.base}${path}?${++seq}`;
      const pathOf = (u: string): string => new URL(u).pathname + new URL(u).search;

      before(async () => {
        state = { aborted: new Set(), closed: new Set() };
        bed = await startBed(protocol, routes(state), cert);
      });
      after(() => bed.close());
      beforeEach(() => {
        multi = new Multi(bed.multiOptions);
      });
      afterEach(() => multi.close());

      for (const c of cases) {
        it(`${c.name}: the exact bytes, ${c.framing === 'length' ? 'with Content-Length' : protocol === 'h1' ? 'chunked' : 'without a length'}`, async () => {
          const r = await multi.add({ url: url('/echo'), method: 'POST', body: c.body(), ...(c.headers ? { headers: c.headers } : {}) }).done;
          assert.equal(r.status, 200);
          const seen = JSON.parse(String(r.body)) as Seen;
          assert.equal(seen.size, c.bytes.length);
          assert.equal(seen.sha, sha256(c.bytes));
          if (c.framing === 'length') {
            assert.equal(seen.contentLength, String(c.bytes.length));
            assert.equal(seen.transferEncoding, null);
          } else {
            assert.equal(seen.contentLength, null);
            assert.equal(seen.transferEncoding, protocol === 'h1' ? 'chunked' : null);
          }
          assert.equal(r.info.sizeUpload, c.bytes.length);
        });
      }

      /** Sources that lie about their length or yield what is not bytes; each is closed once refused. */
      const failures: Array<{ name: string; source: () => { body: RequestBody; closed: Promise<unknown> }; headers?: Record<string, string>; message: RegExp }> = [
        {
          name: 'a stream that gives fewer bytes than its Content-Length', headers: { 'content-length': '100000' },
          source: () => {
            const body = Readable.from([data.subarray(0, 60_000)]);
            return { body, closed: closeOf(body) };
          },
          message: /60000 of the 100000 bytes/,
        },
        {
          name: 'a stream that gives more bytes than its Content-Length', headers: { 'content-length': '100000' },
          source: () => {
            const body = Readable.from([data.subarray(0, 60_000), data.subarray(60_000, 120_000), data.subarray(120_000)]);
            return { body, closed: closeOf(body) };
          },
          message: /more than the 100000 bytes/,
        },
        {
          name: 'a file stream longer than its Content-Length header', headers: { 'content-length': '1000' },
          source: () => {
            const body = createReadStream(file);
            return { body, closed: closeOf(body) };
          },
          message: /more than the 1000 bytes/,
        },
        {
          name: 'a source that yields something other than bytes',
          source: () => {
            let close!: () => void;
            const closed = new Promise<void>((resolve) => (close = resolve));
            async function* body(): AsyncGenerator<Buffer> {
              try {
                yield data.subarray(0, 10);
                yield 42 as unknown as Buffer;
                yield data.subarray(10);
              } finally {
                close();
              }
            }
            return { body: body(), closed };
          },
          message: /yielded number/,
        },
      ];
      for (const f of failures) {
        it(`${f.name}: ERR_READ_BODY, the source is closed, the request cut off, and the next transfer works`, async () => {
          const u = url('/echo');
          const { body, closed } = f.source();
          const t = multi.add({ url: u, method: 'POST', body, ...(f.headers ? { headers: f.headers } : {}) });
          await assert.rejects(t.done, (e: unknown) => {
            code('ERR_READ_BODY')(e);
            assert.match((e as HiperError).message, f.message);
            return true;
          });
          await closed;
          // The server never gets a whole request (HTTP/1.1: the connection closes; HTTP/2: the stream is reset).
          await until(() => state.aborted.has(pathOf(u)), 'the server to see the request cut off');
          const next = await multi.add({ url: url('/echo'), method: 'POST', body: 'ok' }).done;
          assert.equal((JSON.parse(String(next.body)) as Seen).size, 2);
        });
      }

      it('a source that throws: ERR_READ_BODY with the thrown error as its cause', async () => {
        const boom = new Error('the disk went away');
        const body = (async function* () {
          yield data.subarray(0, 70_000);
          throw boom;
        })();
        const t = multi.add({ url: url('/echo'), method: 'PUT', body });
        await assert.rejects(t.done, (e: unknown) => {
          code('ERR_READ_BODY')(e);
          assert.equal((e as HiperError).cause, boom);
          assert.match((e as HiperError).message, /after 70000 bytes: the disk went away/);
          return true;
        });
        assert.equal(t.info.sizeUpload, 70_000);
      });

      it('a server that answers 413 before reading the body: the transfer gets the 413, the upload stops', async () => {
        const src = countingSource(512 * MiB);
        const t = multi.add({ url: url('/early'), method: 'POST', body: src.source });
        const r = await t.done;
        assert.equal(r.status, 413);
        assert.equal(String(r.body), 'too big\n');
        await src.closed;
        assert.ok(src.pulled() < 128 * MiB, `${src.pulled()} bytes pulled`);
        assert.ok(r.info.sizeUpload <= src.pulled());
        const next = await multi.add({ url: url('/echo'), method: 'POST', body: 'after' }).done;
        assert.equal((JSON.parse(String(next.body)) as Seen).size, 5);
      });

      it('a server that does not read: the pump waits (the source is no longer pulled); removing the transfer closes the source', async () => {
        const src = countingSource(1024 * MiB);
        const t = multi.add({ url: url('/stall'), method: 'POST', body: src.source });
        const stalled = await settledValue(src.pulled);
        assert.ok(stalled > 0);
        assert.ok(stalled < 48 * MiB, `${stalled} bytes pulled from a source nobody reads`);
        assert.ok(t.info.sizeUpload <= stalled);
        multi.remove(t);
        await assert.rejects(t.done, code('ERR_ABORTED'));
        await src.closed;
        assert.equal(src.pulled(), stalled, 'nothing more was pulled');
      });

      it('info.sizeUpload counts the bytes sent as they go', async () => {
        const src = countingSource(4 * MiB + 5, 100_000);
        const r = await multi.add({ url: url('/echo'), method: 'POST', body: src.source }).done;
        const seen = JSON.parse(String(r.body)) as Seen;
        assert.equal(seen.size, 4 * MiB + 5);
        assert.equal(seen.sha, sha256(patternBytes(4 * MiB + 5)));
        assert.equal(r.info.sizeUpload, 4 * MiB + 5);
      });
    });
  }

  describe('HTTP/2 specifics', () => {
    it('a 413 from a server that then neither reads nor resets the stream: the transfer gets the 413, the stream is cancelled, the session carries on (streamed and whole bodies)', async () => {
      const server = http2.createSecureServer({ key: cert.key, cert: cert.cert });
      const serverCodes: number[] = [];
      server.on('stream', (stream, headers) => {
        stream.on('error', () => {});
        if (headers[':path'] === '/up') {
          stream.on('close', () => serverCodes.push(stream.rstCode));
          stream.pause();
          stream.respond({ ':status': 413, 'content-length': 0 }, { endStream: true });
        } else {
          stream.respond({ ':status': 200 });
          stream.end('next');
        }
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const multi = new Multi({ tls: { ca: cert.cert } });
      try {
        const src = countingSource(1024 * MiB);
        const r = await multi.add({ url: `${base}/up`, method: 'POST', body: src.source }).done;
        assert.equal(r.status, 413);
        await src.closed;
        assert.ok(src.pulled() < 48 * MiB);
        await until(() => serverCodes.length === 1, 'the server to see the stream close');
        assert.deepEqual(serverCodes, [http2.constants.NGHTTP2_CANCEL]);
        await until(() => multi.stats().connectionsIdle === 1, 'the session to be idle');
        // The same with a body given whole, larger than the server's window: what is not sent yet is not wanted.
        const whole = await multi.add({ url: `${base}/up`, method: 'POST', body: patternBytes(8 * MiB) }).done;
        assert.equal(whole.status, 413);
        await until(() => serverCodes.length === 2, 'the server to see the second stream close');
        assert.deepEqual(serverCodes, [http2.constants.NGHTTP2_CANCEL, http2.constants.NGHTTP2_CANCEL]);
        await until(() => multi.stats().connectionsIdle === 1, 'the session to be idle again');
        const next = await multi.add({ url: `${base}/next` }).done;
        assert.equal(String(next.body), 'next');
        assert.equal(next.info.connectionId, r.info.connectionId);
        assert.equal(whole.info.connectionId, r.info.connectionId);
      } finally {
        await multi.close();
        server.close();
      }
    });
  });

  describe('HTTP/1.1 specifics (raw server)', () => {
    it('a 413 from a server that then neither reads nor closes: the transfer gets the 413 and the connection is closed', async () => {
      const server = await startRaw((s) => {
        readHeads(s, () => {
          s.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n');
          s.pause();
        });
      });
      const multi = new Multi();
      try {
        const src = countingSource(1024 * MiB);
        const r = await multi.add({ url: `http://127.0.0.1:${server.port}/up`, method: 'POST', body: src.source }).done;
        assert.equal(r.status, 413);
        await src.closed;
        assert.ok(src.pulled() < 48 * MiB);
        // The server sent no Connection: close; still the client cannot send another request on it.
        await until(() => multi.stats().connections === 0, 'the client to close the connection');
      } finally {
        await multi.close();
        await server.close();
      }
    });

    it('a connection lost before the answer: an OPTIONS with a whole body is sent again, one with a streamed body is not', async () => {
      const requests: string[] = [];
      // The first connection closes as soon as a request head arrives; later ones answer.
      const server = await startRaw((s, i) => readHeads(s, (head) => {
        requests.push(`${i} ${head.split('\r\n')[0]}`);
        if (i === 0) s.destroy();
        else s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
      }));
      try {
        const url = `http://127.0.0.1:${server.port}/`;
        const whole = new Multi();
        const r = await whole.add({ url, method: 'OPTIONS', body: data }).done;
        await whole.close();
        assert.equal(String(r.body), 'ok');
        assert.equal(r.info.tries, 2);
        requests.length = 0;
        server.sockets.length = 0;

        const streamed = new Multi();
        const src = countingSource(8 * MiB);
        const t = streamed.add({ url, method: 'OPTIONS', body: src.source });
        await assert.rejects(t.done, code('ERR_CONNECTION_CLOSED'));
        await src.closed;
        await streamed.close();
        assert.equal(t.info.tries, 1);
        assert.deepEqual(requests, ['0 OPTIONS / HTTP/1.1'], 'sent once');
      } finally {
        await server.close();
      }
    });

    it('while a body streams up, nothing is pipelined behind it; the next request goes once it is sent', async () => {
      const heads: Array<{ socket: number; line: string }> = [];
      // Answers each request once its Content-Length body (if any) has come.
      const server = await startRaw((s, i) => {
        let buffered = '';
        let bodyLeft = -1;
        s.setEncoding('latin1');
        s.on('data', (d: string) => {
          buffered += d;
          for (;;) {
            if (bodyLeft < 0) {
              const end = buffered.indexOf('\r\n\r\n');
              if (end < 0) return;
              const head = buffered.slice(0, end);
              buffered = buffered.slice(end + 4);
              heads.push({ socket: i, line: head.split('\r\n')[0]! });
              bodyLeft = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
            }
            if (buffered.length < bodyLeft) return;
            buffered = buffered.slice(bodyLeft);
            s.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${bodyLeft > 0 ? 'up' : 'ok'}`);
            bodyLeft = -1;
          }
        });
      });
      const multi = new Multi({ pipelining: true, maxConnectionsPerHost: 1 });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        await multi.add({ url: `${base}/warm` }).done;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const up = multi.add({
          url: `${base}/up`, method: 'POST', headers: { 'content-length': '10' },
          body: (async function* () {
            yield Buffer.from('12345');
            await gate;
            yield Buffer.from('67890');
          })(),
        });
        const get = multi.add({ url: `${base}/get` });
        await endOfTick();
        assert.equal(multi.stats().transfersQueued, 1, 'the GET waits: the only connection is uploading');
        await until(() => heads.length >= 2, 'the upload head');
        assert.deepEqual(heads.map((h) => h.line), ['GET /warm HTTP/1.1', 'POST /up HTTP/1.1'], 'nothing written behind the upload');
        release();
        assert.equal(String((await up.done).body), 'up');
        assert.equal(String((await get.done).body), 'ok');
        // Once the body is sent, the connection takes the next request.
        assert.deepEqual(heads, [{ socket: 0, line: 'GET /warm HTTP/1.1' }, { socket: 0, line: 'POST /up HTTP/1.1' }, { socket: 0, line: 'GET /get HTTP/1.1' }]);
      } finally {
        await multi.close();
        await server.close();
      }
    });
  });
});
