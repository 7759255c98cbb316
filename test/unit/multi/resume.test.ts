/**
 * A streamed GET cut off in the middle of its body is resumed with a range request (resume.ts): the
 * reader sees one uninterrupted body, never a byte twice; where the server cannot continue the same
 * representation, the transfer ends with a typed error after exactly the bytes that came before.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { Multi } from '../../../src/multi/index.js';
import { continues, resumePointOf } from '../../../src/multi/resume.js';
import { HiperError } from '../../../src/shared/index.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { patternSha256, patternSlices } from '../../helpers/pattern.js';

const MiB = 1024 * 1024;
const SIZE = 10 * MiB;
/** Absolute offsets at which the first, second and third answers are cut. */
const CUTS = [3 * MiB + 17, 5 * MiB + 1, 8 * MiB + 333];

interface RangeServerOptions {
  cuts: number[];
  headers?: Record<string, string>;
  /** Answer a Range with the whole body (200), as a server whose resource changed. */
  ignoreRange?: boolean;
}

interface Seen {
  range: string | undefined;
  ifRange: string | undefined;
}

/** A raw HTTP/1.1 server of SIZE pattern bytes that honours `Range: bytes=N-` and ends the connection at each cut in turn. */
async function rangeServer(o: RangeServerOptions): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    let buffered = '';
    const onData = (d: Buffer): void => {
      buffered += d.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const lines = buffered.slice(0, end).split('\r\n');
      const get = (name: string): string | undefined => lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
      const i = seen.length;
      seen.push({ range: get('range'), ifRange: get('if-range') });
      void answer(sock, i, seen[i]!);
    };
    sock.on('data', onData);
  });
  const answer = async (sock: net.Socket, i: number, req: Seen): Promise<void> => {
    // bytes=N- or bytes=N-(SIZE-1): the rest from N.
    const m = req.range === undefined || o.ignoreRange ? null : new RegExp(`^bytes=(\\d+)-(?:${SIZE - 1})?$`).exec(req.range);
    const start = m ? Number(m[1]) : 0;
    const head = [
      m ? 'HTTP/1.1 206 Partial Content' : 'HTTP/1.1 200 OK',
      `Content-Length: ${SIZE - start}`,
      ...(m ? [`Content-Range: bytes ${start}-${SIZE - 1}/${SIZE}`] : []),
      ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ];
    sock.write(head.join('\r\n') + '\r\n\r\n');
    const stop = o.cuts[i] ?? SIZE;
    for (const slice of patternSlices(Math.max(0, stop - start), start)) {
      if (!sock.write(slice)) await once(sock, 'drain').catch(() => {});
      if (sock.destroyed) return;
    }
    // Cut: the bytes so far are sent, then the connection ends (FIN) in the middle of the body.
    if (o.cuts[i] !== undefined) sock.end();
  };
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/big`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const RESUMABLE = { ETag: '"v1"', 'Accept-Ranges': 'bytes' };

/** Reads a streamed body: its length, its SHA-256, and its first bytes compared with the pattern. */
async function readStream(body: AsyncIterable<Buffer>, got: { bytes: number; hash: ReturnType<typeof createHash> }): Promise<void> {
  for await (const c of body) {
    got.bytes += c.length;
    got.hash.update(c);
  }
}

function prefixSha(n: number): string {
  const h = createHash('sha256');
  for (const s of patternSlices(n)) h.update(s);
  return h.digest('hex');
}

describe('resuming a cut-off streamed body (Range and If-Range)', function () {
  this.timeout(30_000);

  describe('the decision (resume.ts)', () => {
    it('resumable: 200 or 206 with Accept-Ranges: bytes and a strong ETag or else a Last-Modified', () => {
      const lm = 'Wed, 21 Oct 2015 07:28:00 GMT';
      assert.deepEqual(resumePointOf(200, [['ETag', '"a"'], ['Accept-Ranges', 'bytes']]), { validator: '"a"', validatorHeader: 'etag', start: 0, end: undefined });
      assert.deepEqual(resumePointOf(200, [['Last-Modified', lm], ['accept-ranges', 'bytes']]), { validator: lm, validatorHeader: 'last-modified', start: 0, end: undefined });
      assert.deepEqual(resumePointOf(200, [['ETag', 'W/"a"'], ['Last-Modified', lm], ['Accept-Ranges', 'bytes']])?.validatorHeader, 'last-modified');
      assert.deepEqual(resumePointOf(206, [['ETag', '"a"'], ['Accept-Ranges', 'bytes'], ['Content-Range', 'bytes 100-199/1000']]), { validator: '"a"', validatorHeader: 'etag', start: 100, end: 199 });
      assert.equal(resumePointOf(200, [['ETag', 'W/"a"'], ['Accept-Ranges', 'bytes']]), undefined, 'weak ETag alone');
      assert.equal(resumePointOf(200, [['ETag', '"a"']]), undefined, 'no Accept-Ranges');
      assert.equal(resumePointOf(200, [['ETag', '"a"'], ['Accept-Ranges', 'none']]), undefined, 'Accept-Ranges: none');
      assert.equal(resumePointOf(201, [['ETag', '"a"'], ['Accept-Ranges', 'bytes']]), undefined, 'not 200 or 206');
      assert.equal(resumePointOf(206, [['ETag', '"a"'], ['Accept-Ranges', 'bytes']]), undefined, '206 without Content-Range');
    });

    it('a continuation: 206 from the right byte with the same validator', () => {
      const p = resumePointOf(200, [['ETag', '"a"'], ['Accept-Ranges', 'bytes']])!;
      assert.equal(continues(p, 500, 206, [['Content-Range', 'bytes 500-999/1000'], ['ETag', '"a"']]), true);
      assert.equal(continues(p, 500, 206, [['Content-Range', 'bytes 500-999/1000']]), true);
      assert.equal(continues(p, 500, 206, [['Content-Range', 'bytes 400-999/1000']]), false);
      assert.equal(continues(p, 500, 206, [['Content-Range', 'bytes 500-999/1000'], ['ETag', '"b"']]), false);
      assert.equal(continues(p, 500, 200, [['ETag', '"a"']]), false);
    });
  });

  it('HTTP/1.1, cut three times: a stream reader gets the exact 10 MiB, in 4 sends', async () => {
    const s = await rangeServer({ cuts: CUTS, headers: RESUMABLE });
    const multi = new Multi();
    try {
      const t = multi.add({ url: s.url, stream: true });
      const r = await t.response;
      const got = { bytes: 0, hash: createHash('sha256') };
      await readStream(r.body, got);
      const done = await t.done;
      assert.deepEqual([got.bytes, got.hash.digest('hex')], [SIZE, patternSha256(SIZE)]);
      assert.deepEqual([done.status, done.info.status, done.info.tries, done.info.resumes, done.info.sizeDownload], [200, 200, 4, 3, SIZE]);
      assert.deepEqual(s.seen, [{ range: undefined, ifRange: undefined }, ...CUTS.map((c) => ({ range: `bytes=${c}-`, ifRange: '"v1"' }))]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('the same with onData, and a reader that is slow now and then', async () => {
    const s = await rangeServer({ cuts: CUTS, headers: { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT', 'Accept-Ranges': 'bytes' } });
    const multi = new Multi();
    try {
      const got = { bytes: 0, hash: createHash('sha256') };
      let calls = 0;
      const done = await multi.add({
        url: s.url,
        onData: (c) => {
          got.bytes += c.length;
          got.hash.update(c);
          if (++calls % 7 === 0) return new Promise((resolve) => setTimeout(resolve, 2));
          return undefined;
        },
      }).done;
      assert.deepEqual([got.bytes, got.hash.digest('hex')], [SIZE, patternSha256(SIZE)]);
      assert.deepEqual([done.status, done.info.tries, done.info.resumes], [200, 4, 3]);
      assert.equal(s.seen[1]!.ifRange, 'Wed, 21 Oct 2015 07:28:00 GMT');
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('a 206 to the caller\'s own Range: resumed from its start plus the bytes received, to the end it had', async () => {
    const s = await rangeServer({ cuts: CUTS, headers: RESUMABLE });
    const multi = new Multi();
    try {
      const from = MiB + 3;
      const got = { bytes: 0, hash: createHash('sha256') };
      const done = await multi.add({ url: s.url, headers: { Range: `bytes=${from}-` }, onData: (c) => void (got.bytes += c.length, got.hash.update(c)) }).done;
      const want = createHash('sha256');
      for (const slice of patternSlices(SIZE - from, from)) want.update(slice);
      assert.deepEqual([got.bytes, got.hash.digest('hex')], [SIZE - from, want.digest('hex')]);
      assert.deepEqual([done.status, done.info.tries, done.info.resumes], [206, 4, 3]);
      assert.deepEqual(s.seen.map((x) => x.range), [`bytes=${from}-`, ...CUTS.map((c) => `bytes=${c}-${SIZE - 1}`)]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('maxTries bounds the sends: with 2, the second cut ends the transfer after the bytes it delivered', async () => {
    const s = await rangeServer({ cuts: CUTS, headers: RESUMABLE });
    const multi = new Multi({ maxTries: 2 });
    try {
      const got = { bytes: 0, hash: createHash('sha256') };
      const t = multi.add({ url: s.url, onData: (c) => void (got.bytes += c.length, got.hash.update(c)) });
      await assert.rejects(t.done, (e: HiperError) => e.code === 'ERR_CONNECTION_CLOSED' && e.details.bytes === CUTS[1]);
      assert.deepEqual([got.bytes, got.hash.digest('hex'), t.info.tries, t.info.resumes], [CUTS[1], prefixSha(CUTS[1]!), 2, 1]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('no validator: ERR_CONNECTION_CLOSED after the bytes it delivered, nothing twice', async () => {
    const s = await rangeServer({ cuts: CUTS, headers: { 'Accept-Ranges': 'bytes' } });
    const multi = new Multi();
    try {
      const t = multi.add({ url: s.url, stream: true });
      const r = await t.response;
      const got = { bytes: 0, hash: createHash('sha256') };
      await assert.rejects(readStream(r.body, got), (e: HiperError) => e.code === 'ERR_CONNECTION_CLOSED' && e.details.bytes === CUTS[0]);
      assert.deepEqual([got.bytes, got.hash.digest('hex'), s.seen.length, t.info.resumes], [CUTS[0], prefixSha(CUTS[0]!), 1, undefined]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('weak ETag: not resumed', async () => {
    const s = await rangeServer({ cuts: CUTS, headers: { ETag: 'W/"v1"', 'Accept-Ranges': 'bytes' } });
    const multi = new Multi();
    try {
      const got = { bytes: 0, hash: createHash('sha256') };
      const t = multi.add({ url: s.url, onData: (c) => void (got.bytes += c.length, got.hash.update(c)) });
      await assert.rejects(t.done, (e: HiperError) => e.code === 'ERR_CONNECTION_CLOSED');
      assert.deepEqual([got.bytes, got.hash.digest('hex'), s.seen.length], [CUTS[0], prefixSha(CUTS[0]!), 1]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('the Range answered with 200 (the resource changed): ERR_RESUME_FAILED, exactly the bytes before the cut', async () => {
    const s = await rangeServer({ cuts: CUTS, headers: RESUMABLE, ignoreRange: true });
    const multi = new Multi();
    try {
      const t = multi.add({ url: s.url, stream: true });
      const r = await t.response;
      const got = { bytes: 0, hash: createHash('sha256') };
      await assert.rejects(readStream(r.body, got), (e: HiperError) => {
        assert.equal(e.code, 'ERR_RESUME_FAILED', e.message);
        assert.deepEqual(e.details, { bytes: CUTS[0], status: 200 });
        assert.equal(e.exitCode, 33);
        return true;
      });
      assert.deepEqual([got.bytes, got.hash.digest('hex'), s.seen.length], [CUTS[0], prefixSha(CUTS[0]!), 2]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  describe('HTTP/2', () => {
    let cert: TestCert;
    before(() => {
      cert = makeCert(['127.0.0.1']);
    });
    after(() => cert?.cleanup());

    it('a stream reset (RST_STREAM) mid-body: resumed on a new connection, the exact 10 MiB', async () => {
      const seen: Array<string | undefined> = [];
      const server = http2.createSecureServer({ key: cert.key, cert: cert.cert });
      server.on('stream', (stream, headers) => {
        const range = headers.range as string | undefined;
        const i = seen.length;
        seen.push(range);
        const m = range === undefined ? null : /^bytes=(\d+)-$/.exec(range);
        const start = m ? Number(m[1]) : 0;
        stream.on('error', () => {});
        stream.respond({
          ':status': m ? 206 : 200, 'content-length': String(SIZE - start), etag: '"h2"', 'accept-ranges': 'bytes',
          ...(m ? { 'content-range': `bytes ${start}-${SIZE - 1}/${SIZE}` } : {}),
        });
        const stop = i === 0 ? 4 * MiB + 5 : SIZE;
        void (async () => {
          for (const slice of patternSlices(stop - start, start)) {
            if (!stream.write(slice)) await once(stream, 'drain').catch(() => {});
            if (stream.destroyed) return;
          }
          if (i === 0) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
          else stream.end();
        })();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const multi = new Multi({ tls: { ca: cert.cert } });
      try {
        const t = multi.add({ url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/big`, stream: true });
        const r = await t.response;
        assert.equal(r.httpVersion, '2');
        const got = { bytes: 0, hash: createHash('sha256') };
        await readStream(r.body, got);
        const done = await t.done;
        assert.deepEqual([got.bytes, got.hash.digest('hex')], [SIZE, patternSha256(SIZE)]);
        assert.deepEqual([done.status, done.info.tries, done.info.resumes, seen.length], [200, 2, 1, 2]);
        assert.match(seen[1]!, /^bytes=\d+-$/);
        assert.ok(t.info.connectionId! > 1, 'on a new connection');
      } finally {
        await multi.close();
        server.close();
      }
    });
  });
});
