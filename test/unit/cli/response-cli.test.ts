/**
 * `hiper get`'s response flags end to end, side by side with curl 7.88 against the same local server:
 * -L (methods, bodies, credentials, --max-redirs), -i and -D with redirects, --compressed, -C, cookies
 * (-b, -c, -j) and the low-speed limit. What is compared is what a user sees: the bytes on stdout, the
 * files written, the exit code, and what the server received.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun, runCurl } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';
import { acceptEncoding } from '../../../src/cli/decode.js';
import { peakRssProbe } from '../../helpers/peak-rss.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}


const FULL = Buffer.from('0123456789abcdefghij');
/** A gzip body that inflates to far more than it is (made by the test that uses it). */
let bomb = Buffer.alloc(0);

/** The routes: /r/CODE/LOCATION (a redirect that sets a cookie), /loop, encoded bodies, ranges, cookies, a stall. */
function handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
  res.sendDate = false;
  const [, first, code = '', ...rest] = path.split('/');
  if (first === 'r' && /^\d+$/.test(code)) {
    res.writeHead(Number(code), { Location: decodeURIComponent(rest.join('/')), 'Set-Cookie': `hop${code}=1; Path=/` });
    res.end('redirect body\n');
  } else if (path === '/loop') {
    res.writeHead(302, { Location: '/loop' });
    res.end('loop body\n');
  } else if (path === '/gzip') {
    res.writeHead(200, { 'Content-Encoding': 'gzip' });
    res.end(zlib.gzipSync('hello gzip\n'));
  } else if (path === '/two') {
    res.writeHead(200, { 'Content-Encoding': 'deflate, gzip' });
    res.end(zlib.gzipSync(zlib.deflateSync('hello deflate then gzip\n')));
  } else if (path === '/br') {
    res.writeHead(200, { 'Content-Encoding': 'br' });
    res.end(zlib.brotliCompressSync('hello br\n'));
  } else if (path === '/corrupt') {
    res.writeHead(200, { 'Content-Encoding': 'gzip' });
    res.end('this is not gzip');
  } else if (path === '/unknown') {
    res.writeHead(200, { 'Content-Encoding': 'snappy' });
    res.end('snappy body');
  } else if (path === '/range' || path === '/norange') {
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    if (m === null || path === '/norange') {
      res.writeHead(200, { 'Content-Length': FULL.length });
      res.end(FULL);
      return;
    }
    const start = Number(m[1]);
    if (start >= FULL.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${FULL.length}` });
      res.end('416 body');
      return;
    }
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${FULL.length - 1}/${FULL.length}`, 'Content-Length': FULL.length - start });
    res.end(FULL.subarray(start));
  } else if (path === '/set') {
    res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Domain=127.0.0.1; HttpOnly', 'c=3; Expires=Wed, 09 Jun 2038 10:18:14 GMT', 'd=4; Domain=example.com', 'e=5; Path=/set/deeper']);
    res.end('set\n');
  } else if (path === '/bomb') {
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': bomb.length });
    res.end(bomb);
  } else if (path === '/stall') {
    res.writeHead(200, { 'Content-Length': 1000 });
    res.write('x');
  } else {
    res.end(`${req.method} ${path}\n`);
  }
}

describe('hiper get: response flags side by side with curl', function () {
  this.timeout(60_000);
  const haveCurl = spawnSync('curl', ['--version']).status === 0;
  let server: http.Server;
  let port = 0;
  let seen: Seen[] = [];
  let dir = '';
  const base = (): string => `http://127.0.0.1:${port}`;

  before(async function () {
    needs(this, haveCurl, 'curl is not installed (apt-get install curl)');
    dir = mkdtempSync(join(tmpdir(), 'hiper-response-'));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        handle(req, res, new URL(req.url!, 'http://x').pathname);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs curl then hiper with the same arguments ({} in an argument: a per-tool name); each run's requests. */
  async function both(args: string[], prepare: (tool: string) => void = () => {}): Promise<Record<'curl' | 'hiper', CliRun & { seen: Seen[] }>> {
    const out = {} as Record<'curl' | 'hiper', CliRun & { seen: Seen[] }>;
    for (const tool of ['curl', 'hiper'] as const) {
      prepare(tool);
      seen = [];
      const a = args.map((x) => x.replaceAll('{}', tool));
      const run = tool === 'curl' ? await runCurl(a) : await runCli(['get', ...a]);
      out[tool] = { ...run, seen };
    }
    return out;
  }

  /** What the server saw, without what differs between the tools by nature (User-Agent, Host port, curl's Expect). */
  const requests = (s: Seen[]): Array<{ method: string; url: string; body: string; headers: Record<string, string | undefined> }> => s.map((r) => ({
    method: r.method, url: r.url, body: r.body,
    headers: Object.fromEntries(['authorization', 'cookie', 'content-type', 'range', 'accept-encoding', 'x-a'].map((h) => [h, r.headers[h] as string | undefined])),
  }));

  const redirects: Array<[string, string[]]> = [
    ['-L: a POST answered 302 is followed as a GET without its body', ['-sS', '-L', '-d', 'hello', '/r/302/%2Ffinal']],
    ['-L: 301 keeps a PUT and drops the data body', ['-sS', '-L', '-X', 'PUT', '-d', 'hi', '/r/301/%2Fp']],
    ['-L: 303 turns a POST into a GET', ['-sS', '-L', '-d', 'hi', '/r/303/%2Fg']],
    ['-L: 307 sends the POST and its body again', ['-sS', '-L', '-d', 'again', '/r/307/%2Fpost']],
    ['-L: 308 the same', ['-sS', '-L', '-d', 'again', '/r/308/%2Fpost']],
    ['-L -I: HEAD stays HEAD, every head written', ['-sS', '-L', '-I', '/r/303/%2Fhead']],
    ['-L -i: each hop\'s head, then the last body', ['-sS', '-L', '-i', '/r/302/%2Fr%2F307%2F%252Fend']],
    ['-L with a relative Location', ['-sS', '-L', '/r/301/..%2Fup%3Fq%3D1']],
    ['without -L a 3xx is written as it is', ['-sS', '-i', '/r/302/%2Fnot-followed']],
    ['--max-redirs 2: the third redirect fails with 47, nothing written', ['-sS', '-L', '--max-redirs', '2', '/loop']],
    ['--max-redirs 0', ['-sS', '-L', '--max-redirs', '0', '-i', '/loop']],
    ['-u is dropped on a redirect to another host', ['-sS', '-L', '-u', 'u:p', '-H', 'X-A: 1', '/r/302/http%3A%2F%2Flocalhost%3APORT%2Fother']],
    ['-H Authorization and -H Cookie are dropped there too', ['-sS', '-L', '-H', 'Authorization: Bearer z', '-H', 'Cookie: k=v', '/r/302/http%3A%2F%2Flocalhost%3APORT%2Fother']],
    ['--location-trusted keeps them', ['-sS', '--location-trusted', '-u', 'u:p', '/r/302/http%3A%2F%2Flocalhost%3APORT%2Fother']],
    ['credentials stay on the same host', ['-sS', '-L', '-u', 'u:p', '/r/307/%2Fsame']],
    ['a hop to another host name is looked up with the same --resolve', ['-sS', '-L', '--resolve', 'hop.test:PORT:127.0.0.1', '/r/302/http%3A%2F%2Fhop.test%3APORT%2Fthere']],
    ['-i -f on a 404: the head is written, then 22', ['-sS', '-i', '-f', '/r/404/gone']],
    ['-c -: the jar on stdout after the body', ['-sS', '-c', '-', '/r/307/%2Fdone']],
  ];
  for (const [name, args] of redirects) {
    it(name, async () => {
      const a = args.map((x) => (x.startsWith('/') ? `${base()}${x}` : x).replaceAll('PORT', String(port)));
      const r = await both(a);
      assert.equal(r.hiper.code, r.curl.code, r.hiper.err);
      assert.equal(r.hiper.out, r.curl.out);
      assert.deepEqual(requests(r.hiper.seen), requests(r.curl.seen));
    });
  }

  it('-D FILE: every hop\'s head in the file, the body on stdout', async () => {
    const r = await both(['-sS', '-L', '-D', join(dir, 'heads-{}'), `${base()}/r/302/%2Fr%2F301%2F%252Fend`]);
    assert.equal(r.hiper.code, 0);
    assert.equal(r.hiper.out, r.curl.out);
    assert.equal(readFileSync(join(dir, 'heads-hiper'), 'utf8'), readFileSync(join(dir, 'heads-curl'), 'utf8'));
    assert.match(readFileSync(join(dir, 'heads-hiper'), 'utf8'), /^HTTP\/1\.1 302 Found\r\n[^]*\r\n\r\nHTTP\/1\.1 301 [^]*\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it('-v -L: says each hop and a method switch in curl\'s words', async () => {
    const r = await both(['-v', '-L', '-d', 'x', `${base()}/r/302/%2Fswitched`]);
    for (const tool of ['curl', 'hiper'] as const) {
      assert.match(r[tool].err, new RegExp(`\\* Issue another request to this URL: '${base()}/switched'\n\\* Switch from POST to GET\n`), tool);
    }
  });

  it('-D FILE over two URLs: the file is created at the first head and holds both', async () => {
    const r = await both(['-sS', '-D', join(dir, 'two-heads-{}'), `${base()}/a`, `${base()}/b`], (tool) => writeFileSync(join(dir, `two-heads-${tool}`), 'old content\n'));
    assert.equal(r.hiper.code, 0);
    const heads = readFileSync(join(dir, 'two-heads-hiper'), 'utf8');
    assert.equal(heads, readFileSync(join(dir, 'two-heads-curl'), 'utf8'));
    assert.equal(heads.match(/^HTTP\/1\.1 200 OK\r$/gm)?.length, 2);
  });

  it('-D -: the heads on stdout before the body, as curl writes them', async () => {
    const r = await both(['-sS', '-L', '-D', '-', `${base()}/r/307/%2Fend`]);
    assert.equal(r.hiper.code, 0);
    assert.equal(r.hiper.out, r.curl.out);
  });

  const writeOut = '%{num_redirects} [%{redirect_url}] %{url_effective} %{http_code} %{size_download}';
  const reports: Array<[string, string[]]> = [
    ['-w after -L: the last hop, with the redirects counted', ['-L', '/r/302/%2Fr%2F301%2F%252Fend']],
    ['-w without -L: the redirect not followed', ['/r/302/..%2Fnext']],
  ];
  for (const [name, args] of reports) {
    it(name, async () => {
      const r = await both(['-sS', '-o', '/dev/null', '-w', writeOut, ...args.map((x) => (x.startsWith('/') ? `${base()}${x}` : x))]);
      assert.equal(r.hiper.code, 0);
      assert.equal(r.hiper.out, r.curl.out);
    });
  }

  const encodings: Array<[string, string[]]> = [
    ['--compressed: gzip decoded', ['-sS', '--compressed', '/gzip']],
    ['--compressed: two codings decoded in order', ['-sS', '--compressed', '/two']],
    ['--compressed: br decoded', ['-sS', '--compressed', '/br']],
    ['--compressed: a corrupt body is exit 61', ['-sS', '--compressed', '/corrupt']],
    ['--compressed: an unknown coding is exit 61', ['-sS', '--compressed', '/unknown']],
    ['without --compressed the bytes are written as received', ['-sS', '/unknown']],
  ];
  for (const [name, args] of encodings) {
    it(name, async () => {
      const r = await both(args.map((x) => (x.startsWith('/') ? `${base()}${x}` : x)));
      assert.equal(r.hiper.code, r.curl.code, r.hiper.err);
      assert.equal(r.hiper.out, r.curl.out);
      // hiper asks for what it decodes: curl's list, less what this Node lacks.
      for (const s of r.hiper.seen) assert.equal(s.headers['accept-encoding'], args.includes('--compressed') ? acceptEncoding() : undefined);
      if (args.includes('--compressed')) assert.ok(r.curl.seen[0]!.headers['accept-encoding']!.startsWith(acceptEncoding()));
    });
  }

  it('--compressed with -o: the file holds the decoded body; size_download counts the bytes received', async () => {
    const r = await both(['-sS', '--compressed', '-o', join(dir, 'gz-{}'), '-w', '%{size_download}', `${base()}/gzip`]);
    assert.equal(readFileSync(join(dir, 'gz-hiper'), 'utf8'), 'hello gzip\n');
    assert.equal(r.hiper.out, r.curl.out);
    assert.equal(r.hiper.out, String(zlib.gzipSync('hello gzip\n').length));
  });

  it('--compressed: 128 MiB inflated from 128 KiB of gzip to a file, as it streams (peak RSS within 48 MB of a tiny transfer)', async function () {
    const MB = 1024 * 1024;
    const size = 128 * MB;
    const gz = zlib.createGzip();
    const parts: Buffer[] = [];
    gz.on('data', (c: Buffer) => parts.push(c));
    const zeros = Buffer.alloc(MB);
    for (let i = 0; i < size / MB; i++) gz.write(zeros);
    gz.end();
    await once(gz, 'end');
    bomb = Buffer.concat(parts);
    const file = join(dir, 'inflated');
    const baseProbe = peakRssProbe();
    await runCli(['get', '-sS', '--compressed', '-o', file, `${base()}/gzip`], { env: baseProbe.env });
    const probe = peakRssProbe();
    const r = await runCli(['get', '-sS', '--compressed', '-o', file, '-w', '%{size_download}', `${base()}/bomb`], { env: probe.env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.err);
    assert.equal(statSync(file).size, size);
    assert.equal(r.out, String(bomb.length));
    rmSync(file);
    const rss = probe.read();
    assert.ok(rss < baseProbe.read() + 48 * MB, `peak RSS ${(rss / MB).toFixed(1)} MB, ${(baseProbe.read() / MB).toFixed(1)} MB for a tiny one`);
  });

  // [name, file content before (undefined: none), args]
  const resumes: Array<[string, string | undefined, string[]]> = [
    ['-C - with no file: the whole body, no Range', undefined, ['-C', '-', '/range']],
    ['-C - after 4 bytes: the rest added (206)', '0123', ['-C', '-', '/range']],
    ['-C - of a whole file: the 416 is success, the file untouched', FULL.toString(), ['-C', '-', '/range']],
    ['-C - with --fail of a whole file: 22', FULL.toString(), ['-f', '-C', '-', '/range']],
    ['-C - where the server ignores Range: 33, the file untouched', '0123', ['-C', '-', '/norange']],
    ['-C 2 adds from byte 2 after what the file holds', '0123', ['-C', '2', '/range']],
  ];
  for (const [name, before, args] of resumes) {
    it(name, async () => {
      const file = (tool: string): string => join(dir, `resume-${name.length}-${tool}`);
      const r = await both(['-sS', ...args.map((x) => (x.startsWith('/') ? `${base()}${x}` : x)), '-o', join(dir, `resume-${name.length}-{}`)], (tool) => {
        rmSync(file(tool), { force: true });
        if (before !== undefined) writeFileSync(file(tool), before);
      });
      assert.equal(r.hiper.code, r.curl.code, r.hiper.err);
      assert.equal(existsSync(file('hiper')), existsSync(file('curl')));
      if (existsSync(file('curl'))) assert.equal(readFileSync(file('hiper'), 'utf8'), readFileSync(file('curl'), 'utf8'));
      assert.deepEqual(requests(r.hiper.seen), requests(r.curl.seen));
    });
  }

  it('-C N to stdout: the body from byte N', async () => {
    const r = await both(['-sS', '-C', '5', `${base()}/range`]);
    assert.equal(r.hiper.code, 0);
    assert.equal(r.hiper.out, r.curl.out);
    assert.equal(r.hiper.out, FULL.subarray(5).toString());
  });

  /** A jar file's cookies, the expiry of a Max-Age cookie left out (it depends on the second it was set). */
  const jarText = (path: string): string => readFileSync(path, 'utf8');

  it('-c writes the cookies received (refused ones left out) in curl\'s format', async () => {
    const r = await both(['-sS', '-c', join(dir, 'jar-{}'), `${base()}/set`]);
    assert.equal(r.hiper.code, 0);
    assert.equal(jarText(join(dir, 'jar-hiper')), jarText(join(dir, 'jar-curl')));
  });

  it('-b name=value strings and a jar file (one written by curl) on every hop of -L, cookies set on the way sent after', async () => {
    const r = await both(['-sS', '-L', '-b', 'x=1', '-b', 'y=2', '-b', join(dir, 'jar-curl'), '-c', join(dir, 'jar2-{}'), `${base()}/r/302/%2Fset%2Fdeeper`]);
    assert.equal(r.hiper.code, 0);
    assert.deepEqual(requests(r.hiper.seen), requests(r.curl.seen));
    assert.equal(jarText(join(dir, 'jar2-hiper')), jarText(join(dir, 'jar2-curl')));
  });

  it('round trip: a jar hiper wrote loads in hiper and in curl alike; -j leaves its session cookies out', async () => {
    const written = join(dir, 'jar-hiper');
    for (const extra of [[], ['-j']]) {
      const r = await both(['-sS', ...extra, '-b', written, `${base()}/set/deeper`]);
      assert.deepEqual(requests(r.hiper.seen), requests(r.curl.seen));
      assert.equal(r.hiper.seen[0]!.headers.cookie, extra.length === 0 ? 'e=5; a=1; b=2; c=3' : 'c=3');
    }
  });

  it('cookies received by one URL are sent to the next of the run (-b "" turns the engine on); -b with a missing file is no cookies', async () => {
    const r = await both(['-sS', '-b', '', `${base()}/set`, `${base()}/next`]);
    assert.deepEqual(requests(r.hiper.seen), requests(r.curl.seen));
    const missing = await both(['-sS', '-b', join(dir, 'no-such-file'), `${base()}/plain`]);
    assert.equal(missing.hiper.code, 0);
    assert.deepEqual(requests(missing.hiper.seen), requests(missing.curl.seen));
  });

  it('-c into a folder that does not exist: the transfer succeeds (as curl), with a warning unless -s', async () => {
    const jar = join(dir, 'no-such-folder', 'jar');
    const r = await both(['-c', jar, `${base()}/set`]);
    assert.equal(r.hiper.code, r.curl.code);
    assert.equal(r.hiper.code, 0);
    assert.match(r.hiper.err, /failed to save cookies in .*no-such-folder/);
    assert.equal((await runCli(['get', '-s', '-c', jar, `${base()}/set`])).err, '');
  });

  it('--speed-limit/--speed-time: a stalled body ends with 28 and curl\'s words', async () => {
    const r = await both(['-sS', '-Y', '100', '-y', '1', `${base()}/stall`]);
    assert.equal(r.curl.code, 28);
    assert.equal(r.hiper.code, 28);
    assert.match(r.curl.err, /Operation too slow. Less than 100 bytes\/sec transferred the last 1 seconds/);
    assert.match(r.hiper.err, /Operation too slow. Less than 100 bytes\/sec transferred the last 1 seconds/);
  });

  it('a 307 that asks for a streamed body again: curl\'s 65; a -T file is read again', async () => {
    const up = join(dir, 'up.txt');
    writeFileSync(up, 'upload\n');
    const r = await both(['-sS', '-L', '-T', up, `${base()}/r/307/%2Fput`]);
    assert.equal(r.hiper.code, 0);
    assert.equal(r.hiper.out, r.curl.out);
    assert.deepEqual(r.hiper.seen.map((s) => s.body), ['upload\n', 'upload\n']);
  });

  const usage: Array<[string, string[]]> = [
    ['--max-redirs', ['--max-redirs', 'many']],
    ['--continue-at', ['-C', 'x']],
    ['--speed-limit', ['-Y', '-3']],
  ];
  for (const [flag, args] of usage) {
    it(`a bad ${flag} is a usage error naming it (exit 2)`, async () => {
      const r = await runCli(['get', ...args, `${base()}/plain`]);
      assert.equal(r.code, 2);
      assert.match(r.err, new RegExp(flag));
    });
  }
});
