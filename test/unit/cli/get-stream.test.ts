/**
 * `hiper get` moves bodies as they arrive, both ways: a download goes to its -o file or to stdout while
 * it runs (a closed pipe ends it at once), an upload is read from its file as it is sent. Measured on the
 * real command, a child process, against servers on loopback.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { StdoutQueue } from '../../../src/cli/output.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { patternSha256, patternSlices, writePattern } from '../../helpers/pattern.js';
import { peakRssProbe } from '../../helpers/peak-rss.js';

const MB = 1e6;
const MIB = 1 << 20;
const GIB = 1 << 30;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** What the echo route saw of a request. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  /** The body, when it is small. */
  text?: string;
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MIB })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The CLI with its stdin, stdout and stderr as pipes. */
function spawnCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The child's exit code and stderr; killed (and the test failed) if it has not exited within `ms`. */
async function exited(child: ChildProcessWithoutNullStreams, ms: number): Promise<{ code: number | null; err: string; ms: number }> {
  const started = performance.now();
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, ms);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  assert.ok(!timedOut, `the command did not exit within ${ms} ms; stderr: ${err}`);
  return { code, err, ms: performance.now() - started };
}

describe('hiper get: bodies stream both ways', function () {
  this.timeout(30_000);
  let server: http.Server;
  let base: string;
  let dir: string;
  /** Routes by path prefix, added by the tests that need them. */
  const routes = new Map<string, Handler>();

  before(async () => {
    server = http.createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      for (const [prefix, handle] of routes) if (path.startsWith(prefix)) return handle(req, res);
      res.statusCode = 404;
      res.end('no such route\n');
    });
    // /pattern/N: N bytes of the test pattern with Content-Length, written with backpressure.
    routes.set('/pattern/', (req, res) => {
      const n = Number(req.url!.split('/')[2]!.split('?')[0]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
      writePattern(res, n).then(() => res.end(), () => {});
    });
    // /chunked/N: N bytes without a Content-Length.
    routes.set('/chunked/', (req, res) => {
      const n = Number(req.url!.split('/')[2]);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      writePattern(res, n).then(() => res.end(), () => {});
    });
    // /echo...: what the request was, as JSON.
    routes.set('/echo', (req, res) => {
      const h = createHash('sha256');
      let bytes = 0;
      const small: Buffer[] = [];
      req.on('data', (d: Buffer) => {
        h.update(d);
        bytes += d.length;
        if (bytes <= 64 * 1024) small.push(d);
      });
      req.on('end', () => {
        const seen: Seen = { method: req.method!, url: req.url!, headers: req.headers, bytes, sha256: h.digest('hex'), ...(bytes <= 64 * 1024 ? { text: Buffer.concat(small).toString('latin1') } : {}) };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(seen));
      });
    });
    // /count: the number of body bytes received.
    routes.set('/count', (req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => res.end(String(n)));
    });
    routes.set('/missing', (_req, res) => {
      res.statusCode = 404;
      res.end('not here\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'hiper-stream-'));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('-o: 1 GiB goes to the file as it arrives, byte for byte, with a peak RSS under 100 MB', async function () {
    this.timeout(60_000);
    const tiny = join(dir, 'tiny-download.bin');
    const file = join(dir, 'gib.bin');
    try {
      // What the command itself takes: the same download of 10 bytes.
      const baseProbe = peakRssProbe();
      const small = await runCli(['get', '-o', tiny, `${base}/pattern/10`], { env: baseProbe.env });
      assert.equal(small.code, 0, small.err);
      const baseline = baseProbe.read();
      const probe = peakRssProbe();
      const started = performance.now();
      const r = await runCli(['get', '-o', file, '-w', '%{size_download}', `${base}/pattern/${GIB}`], { env: probe.env, timeoutMs: 45_000 });
      const seconds = (performance.now() - started) / 1000;
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, String(GIB));
      const rss = probe.read();
      console.log(`      1 GiB to a file in ${seconds.toFixed(1)} s, peak RSS ${(rss / MB).toFixed(1)} MB (10 bytes: ${(baseline / MB).toFixed(1)} MB)`);
      assert.equal(statSync(file).size, GIB);
      assert.equal(await fileSha256(file), patternSha256(GIB), 'the file is the body, byte for byte');
      // Nothing is gathered, and the dead socket reads are reclaimed as the body flows (src/cli/reclaim.ts).
      assert.ok(rss < 100 * MB, `peak RSS ${(rss / MB).toFixed(1)} MB, ${(baseline / MB).toFixed(1)} MB for 10 bytes`);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('stdout: the first bytes are on the pipe while the server still holds the rest', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    routes.set('/hold', (_req, res) => {
      res.writeHead(200, { 'content-length': '200' });
      res.write(Buffer.alloc(100, 'a'));
      void released.then(() => res.end(Buffer.alloc(100, 'b')));
    });
    const child = spawnCli(['get', `${base}/hold`]);
    child.stdin.end();
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      // The server finishes only once the first 100 bytes have come out of the command.
      if (out.length >= 100) release();
    });
    const r = await exited(child, 10_000);
    assert.equal(r.code, 0, r.err);
    assert.equal(out, 'a'.repeat(100) + 'b'.repeat(100));
  });

  it('| head -c 100: a closed pipe ends the transfer at once, exit 23, the server sees its connection closed', async () => {
    let serverBytes!: Promise<number>;
    routes.set('/head-c', (req, res) => {
      serverBytes = new Promise((resolve) => res.on('close', () => resolve(req.socket.bytesWritten)));
      res.writeHead(200, { 'content-length': String(GIB) });
      writePattern(res, GIB).then(() => res.end(), () => {});
    });
    const child = spawnCli(['get', `${base}/head-c`]);
    child.stdin.end();
    let got = Buffer.alloc(0);
    let closedAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (got.length >= 100) return;
      got = Buffer.concat([got, d]);
      // What `head -c 100` does: read 100 bytes, then close its end of the pipe.
      if (got.length >= 100) {
        closedAt = performance.now();
        child.stdout.destroy();
      }
    });
    const r = await exited(child, 10_000);
    const afterClose = performance.now() - closedAt;
    assert.equal(r.code, 23, r.err);
    assert.ok(afterClose < 2_000, `exited ${afterClose.toFixed(0)} ms after its reader went away`);
    assert.equal(r.err, '', 'quietly, as curl -s');
    assert.deepEqual(got.subarray(0, 100), Buffer.concat([...patternSlices(100)]));
    const sent = await serverBytes;
    assert.ok(sent < 64 * MIB, `the server wrote ${sent} of ${GIB} bytes before its connection closed`);
  });

  for (const half of [256 * 1024, 16]) it(`--parallel: bodies on stdout do not interleave; one that waited its turn is written, then goes on streaming (2 × ${half} bytes each)`, async () => {
    const signal = (): { promise: Promise<void>; fire: () => void } => {
      let fire!: () => void;
      const promise = new Promise<void>((resolve) => (fire = resolve));
      return { promise, fire };
    };
    const aStarted = signal();
    const bStarted = signal();
    const bRest = signal();
    // a sends half, waits for b's first half to have been sent, then sends its second half.
    routes.set(`/ab${half}/a`, (_req, res) => {
      res.writeHead(200, { 'content-length': String(2 * half) });
      res.write(Buffer.alloc(half, 'a'), () => aStarted.fire());
      void bStarted.promise.then(() => res.end(Buffer.alloc(half, 'A')));
    });
    // b starts once a has, and sends its second half only when the test says.
    routes.set(`/ab${half}/b`, (_req, res) => {
      void aStarted.promise.then(() => {
        res.writeHead(200, { 'content-length': String(2 * half) });
        res.write(Buffer.alloc(half, 'b'), () => bStarted.fire());
        void bRest.promise.then(() => res.end(Buffer.alloc(half, 'B')));
      });
    });
    const child = spawnCli(['get', '--parallel', `${base}/ab${half}/a`, `${base}/ab${half}/b`]);
    child.stdin.end();
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      // b's second half is sent once b holds stdout: after all of a and b's first half (a came first,
      // and b's first half waited in memory), or at once if b came first.
      if (out.length >= 3 * half || out.startsWith('b')) bRest.fire();
    });
    const r = await exited(child, 10_000);
    assert.equal(r.code, 0, r.err);
    const a = 'a'.repeat(half) + 'A'.repeat(half);
    const b = 'b'.repeat(half) + 'B'.repeat(half);
    assert.ok(out === a + b || out === b + a, `stdout is one body after the other (${out.length} bytes)`);
  });

  it('-T FILE: a PUT of the file byte for byte, with its size as Content-Length', async () => {
    const file = join(dir, 'up.bin');
    const size = 3 * MIB + 12_345;
    writeFileSync(file, Buffer.concat([...patternSlices(size)]));
    const r = await runCli(['get', '-T', file, `${base}/echo/put`]);
    assert.equal(r.code, 0, r.err);
    const seen = JSON.parse(r.out) as Seen;
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.url, '/echo/put');
    assert.equal(seen.headers['content-length'], String(size));
    assert.equal(seen.headers['transfer-encoding'], undefined);
    assert.equal(seen.bytes, size);
    assert.equal(seen.sha256, patternSha256(size));
  });

  it('-T FILE to a URL ending in "/" adds the file name; the next URL is a plain GET', async () => {
    const file = join(dir, 'name me.txt');
    writeFileSync(file, 'x');
    const r = await runCli(['get', '-T', file, `${base}/echo/dir/?q=1`, `${base}/echo/next`, '-w', '\\n']);
    assert.equal(r.code, 0, r.err);
    const [first, second] = r.out.trim().split('\n').map((l) => JSON.parse(l) as Seen);
    assert.equal(first!.method, 'PUT');
    assert.equal(first!.url, '/echo/dir/name%20me.txt?q=1');
    assert.equal(first!.text, 'x');
    assert.equal(second!.method, 'GET');
    assert.equal(second!.url, '/echo/next');
  });

  it('-T - reads stdin as it comes and sends it chunked', async () => {
    const child = spawnCli(['get', '-T', '-', `${base}/echo/in/`]);
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stdin.write('first line\r\n');
    child.stdin.end('second\n');
    const r = await exited(child, 10_000);
    assert.equal(r.code, 0, r.err);
    const seen = JSON.parse(out) as Seen;
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.url, '/echo/in/', 'no name is added for stdin');
    assert.equal(seen.headers['transfer-encoding'], 'chunked');
    assert.equal(seen.headers['content-length'], undefined);
    assert.equal(seen.text, 'first line\r\nsecond\n');
  });

  it('--data-binary @FILE: a POST of the bytes as they are (CR and LF kept), with Content-Length; -d @FILE drops them', async () => {
    const file = join(dir, 'form.txt');
    const content = 'a=1\r\nb=2\n\r\n';
    writeFileSync(file, content);
    const binary = await runCli(['get', '--data-binary', `@${file}`, `${base}/echo/post`]);
    assert.equal(binary.code, 0, binary.err);
    const seen = JSON.parse(binary.out) as Seen;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.text, content);
    assert.equal(seen.headers['content-length'], String(content.length));
    assert.equal(seen.headers['content-type'], 'application/x-www-form-urlencoded');
    // Several are joined with '&' in the order given, -d without its line ends.
    const joined = await runCli(['get', '-d', `@${file}`, '--data-binary', `@${file}`, '-d', 'z=3', `${base}/echo/post`]);
    assert.equal(joined.code, 0, joined.err);
    assert.equal((JSON.parse(joined.out) as Seen).text, `a=1b=2&${content}&z=3`);
  });

  it('--max-filesize: a larger body announced is refused before any file exists, one counted as it passes; exit 63', async () => {
    const announced = join(dir, 'announced.bin');
    const a = await runCli(['get', '--max-filesize', '1k', '-o', announced, `${base}/pattern/5000`]);
    assert.equal(a.code, 63, a.err);
    assert.match(a.err, /\(63\) [^\n]*announces a body of 5000 bytes, more than maxBodySize 1024/);
    assert.equal(existsSync(announced), false, 'no file for a body refused at its head');
    const c = await runCli(['get', '--max-filesize', '64K', '-o', '/dev/null', `${base}/chunked/${4 * MIB}`]);
    assert.equal(c.code, 63, c.err);
    assert.match(c.err, /\(63\) [^\n]*more than maxBodySize 65536/);
    const fits = await runCli(['get', '--max-filesize', '1M', '-w', '%{size_download}', '-o', '/dev/null', `${base}/chunked/${MIB}`]);
    assert.equal(fits.code, 0, fits.err);
    assert.equal(fits.out, String(MIB));
    const bad = await runCli(['get', '--max-filesize', '1.5k', `${base}/pattern/1`]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--max-filesize expects a number of bytes/);
  });

  it('-f with a 404: no -o file is created, exit 22; without -f the body is written', async () => {
    const failed = join(dir, 'failed.txt');
    const f = await runCli(['get', '-f', '-o', failed, `${base}/missing`]);
    assert.equal(f.code, 22, f.err);
    assert.equal(existsSync(failed), false);
    const kept = join(dir, 'kept.txt');
    const k = await runCli(['get', '-o', kept, `${base}/missing`]);
    assert.equal(k.code, 0, k.err);
    assert.equal(readFileSync(kept, 'utf8'), 'not here\n');
  });

  it('-o a file that cannot be written: the transfer ends at once, exit 23', async function () {
    if (!existsSync('/dev/full')) this.skip();
    let serverBytes!: Promise<number>;
    routes.set('/full', (req, res) => {
      serverBytes = new Promise((resolve) => res.on('close', () => resolve(req.socket.bytesWritten)));
      res.writeHead(200, { 'content-length': String(GIB) });
      writePattern(res, GIB).then(() => res.end(), () => {});
    });
    const r = await runCli(['get', '-o', '/dev/full', `${base}/full`]);
    assert.equal(r.code, 23, r.err);
    assert.match(r.err, /\(23\) [^\n]*failure writing output to \/dev\/full: ENOSPC/);
    assert.ok((await serverBytes) < 64 * MIB);
  });

  it('-T of 512 MiB: read from the file as it is sent, peak RSS within 64 MB of a tiny transfer', async function () {
    this.timeout(60_000);
    const tiny = join(dir, 'tiny.bin');
    const big = join(dir, 'half-gib.bin');
    writeFileSync(tiny, 'tiny');
    // Sparse: no disk is used, and the reads are of zeros.
    writeFileSync(big, '');
    truncateSync(big, 512 * MIB);
    try {
      const baseProbe = peakRssProbe();
      const small = await runCli(['get', '-T', tiny, `${base}/count`], { env: baseProbe.env });
      assert.equal(small.code, 0, small.err);
      assert.equal(small.out, '4');
      const baseline = baseProbe.read();
      const probe = peakRssProbe();
      const started = performance.now();
      const r = await runCli(['get', '-T', big, `${base}/count`], { env: probe.env, timeoutMs: 45_000 });
      const seconds = (performance.now() - started) / 1000;
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, String(512 * MIB), 'the server counted every byte');
      const rss = probe.read();
      console.log(`      512 MiB upload in ${seconds.toFixed(1)} s, peak RSS ${(rss / MB).toFixed(1)} MB (a tiny one: ${(baseline / MB).toFixed(1)} MB)`);
      assert.ok(rss < baseline + 64 * MB, `peak RSS ${(rss / MB).toFixed(1)} MB, baseline ${(baseline / MB).toFixed(1)} MB`);
    } finally {
      rmSync(big, { force: true });
    }
  });

  it('-I -o FILE: the head is what the file gets', async () => {
    const file = join(dir, 'head.txt');
    const r = await runCli(['get', '-I', '-o', file, `${base}/echo/h`]);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(file, 'latin1'), /^HTTP\/1\.1 200 OK\r\ncontent-type: application\/json\r\n[^]*\r\n\r\n$/);
  });

  it('refuses two request methods, as curl does', async () => {
    const file = join(dir, 'm.txt');
    writeFileSync(file, 'm');
    for (const args of [['-I', '-d', 'x'], ['-I', '-T', file], ['-T', file, '-d', 'x']]) {
      const r = await runCli(['get', ...args, `${base}/echo`]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /only one HTTP method/);
    }
    const missing = await runCli(['get', '-T', join(dir, 'none.bin'), `${base}/echo/x`]);
    assert.equal(missing.code, 26, missing.err);
    assert.match(missing.err, /\(26\) [^\n]*cannot open [^\n]*none\.bin to upload/);
  });
});

describe('hiper get: stdout shared by parallel transfers', function () {
  this.timeout(5_000);
  /** A stdout that keeps what it is given; `room` bytes fit before write() says to wait for 'drain'. */
  class FakeOut extends EventEmitter {
    text = '';
    writableLength = 0;
    constructor(private readonly room = Infinity) {
      super();
    }
    write(s: string | Uint8Array, written?: () => void): boolean {
      this.text += Buffer.from(s).toString();
      this.writableLength += s.length;
      setImmediate(() => {
        this.writableLength -= s.length;
        written?.();
        if (this.writableLength === 0) this.emit('drain');
      });
      return this.writableLength < this.room;
    }
  }
  const bytes = (s: string): Buffer => Buffer.from(s);

  for (const room of [Infinity, 1]) {
    it(`one transfer at a time; one that waited is written when its turn comes, then straight through (room ${room})`, async () => {
      const out = new FakeOut(room);
      const q = new StdoutQueue(out, () => assert.fail('no failure expected'));
      const a = q.slot();
      const b = q.slot();
      await a.write(bytes('a1'));
      assert.equal(b.write(bytes('b1')), undefined, 'a waiting slot keeps its bytes without holding its transfer');
      await a.write(bytes('a2'));
      assert.equal(out.text, 'a1a2');
      a.release();
      await b.write(bytes('b2'));
      assert.equal(out.text, 'a1a2b1b2');
      await b.write(bytes('b3'));
      b.release();
      await q.idle();
      assert.equal(out.text, 'a1a2b1b2b3');
      assert.equal(out.writableLength, 0);
    });
  }

  it('a slot that ended while waiting is written, and passes stdout on', async () => {
    const out = new FakeOut();
    const q = new StdoutQueue(out, () => {});
    const [a, b, c] = [q.slot(), q.slot(), q.slot()];
    void a.write(bytes('a'));
    void b.write(bytes('b'));
    b.release();
    void c.write(bytes('c'));
    a.release();
    c.release();
    await q.idle();
    assert.equal(out.text, 'abc');
  });

  it('a failing stdout is reported once, and writes stop', async () => {
    const out = new FakeOut();
    const failures: string[] = [];
    const q = new StdoutQueue(out, (e) => failures.push(e.code));
    const a = q.slot();
    void a.write(bytes('a'));
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.equal(a.write(bytes('more')), undefined);
    a.release();
    await q.idle();
    assert.deepEqual(failures, ['ERR_WRITE_OUTPUT']);
    assert.equal(out.text, 'a');
  });
});
