/**
 * What `hiper get` puts on the wire against what curl 7.88 puts there for the same flags: a recording
 * server takes each request's head and body bytes; the defaults that must differ (User-Agent's product,
 * the multipart boundary's random digits, each server's port) are masked, everything else must be equal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Multi } from '../../../src/multi/index.js';
import { hiperVersion } from '../../../src/cli/version.js';
import { CLI, runCli, type CliRun } from '../../helpers/cli.js';
import { hasProgram, needs } from '../../helpers/needs.js';
import { startRecorder, type Recorder } from '../../helpers/request-recorder.js';

const CURL = '/usr/bin/curl';
const dir = mkdtempSync(join(tmpdir(), 'hiper-request-wire-'));
const nl = join(dir, 'nl.txt');
writeFileSync(nl, 'l1\r\nl2\n');
const upload = join(dir, 'up.txt');
writeFileSync(upload, 'upload body\n'.repeat(100));
const headerFile = join(dir, 'headers.txt');
writeFileSync(headerFile, 'X-F1: a\r\nX-F2: b\n\nAccept:\n');
const cfg = join(dir, 'cfg');
writeFileSync(cfg, '# a config file\nheader = "X-K: a b"\ndata-raw: "k=1"\n');

/** Runs a program, stdin given or none. */
function run(program: string, args: string[], cwd?: string, stdin?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function runCurl(args: string[], cwd?: string): Promise<CliRun> {
  return run(CURL, args, cwd);
}

/** The requests as text, with the parts that differ by design masked. */
function masked(r: Recorder): string[] {
  return r.requests.map(({ head, body }) => `${head}\r\n\r\n${body.toString('latin1')}`
    .replace(/^User-Agent: (curl\/7\.88\.1|hiper\/[^\r]+)$/m, 'User-Agent: DEFAULT')
    .replace(/-{24}[0-9a-f]{16}/g, 'BOUNDARY')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT'));
}

/** The requests curl and hiper send for these flags (URL paths relative to the server). */
async function both(args: (base: string) => string[]): Promise<{ curl: string[]; hiper: string[]; codes: [number | null, number | null]; err: string }> {
  const c = await startRecorder();
  const h = await startRecorder();
  try {
    const rc = await runCurl(['-s', ...args(c.url)]);
    const rh = await runCli(['get', '-s', ...args(h.url)]);
    return { curl: masked(c), hiper: masked(h), codes: [rc.code, rh.code], err: rh.err };
  } finally {
    await c.close();
    await h.close();
  }
}

describe('cli get: the request on the wire, as curl sends it', function () {
  before(function () {
    needs(this, hasProgram(CURL), 'real curl at /usr/bin/curl');
  });

  const cases: Array<[string, (u: string) => string[]]> = [
    ['defaults', (u) => [`${u}/a`]],
    ['-u -r -e -A -H, in curl\'s order', (u) => ['-u', 'u:p', '-r', '0-5,-3', '-e', 'http://ref/', '-A', 'ua', '-H', 'X-A: 1', `${u}/b`]],
    ['-H replacing, removing and Host', (u) => ['-H', 'Host: h.test', '-H', 'Accept:', '-H', 'User-Agent: me', `${u}/c`]],
    ['-H @file: a header a line', (u) => ['-H', `@${headerFile}`, '-H', 'X-Z: z', `${u}/c2`]],
    ['-d, --data-binary, --data-raw, --data-urlencode joined', (u) => ['-d', 'x=1', '-d', `@${nl}`, '--data-binary', `@${nl}`, '--data-raw', '@raw', '--data-urlencode', "c=x y&!*'()~", '-H', 'X-A: 1', `${u}/d`]],
    ['-d with -H Content-Type', (u) => ['-d', 'x', '-H', 'Content-Type: text/plain', `${u}/e`]],
    ['--json, several, @file', (u) => ['--json', '{"a":', '--json', `@${nl}`, `${u}/f`]],
    ['--json with -H Accept', (u) => ['--json', '1', '-H', 'Accept: text/x', `${u}/g`]],
    ['-F text, file, <file, ;type=', (u) => ['-F', 'a=1', '-F', `f=@${nl};type=text/x`, '-F', `g=@${upload}`, '-F', `t=<${nl}`, '-F', 'y=v;type=text/foo', `${u}/h`]],
    ['-F file with filename=', (u) => ['-F', `f=@${nl};filename=other.bin`, `${u}/i`]],
    ['-F with -H Content-Type: the boundary is added', (u) => ['-F', 'a=1', '-H', 'Content-Type: multipart/related', `${u}/i2`]],
    ['-F with -H Content-Type: multipart/form-data', (u) => ['-F', 'a=1', '-H', 'Content-Type: multipart/form-data', '-H', 'X-A: 1', `${u}/i3`]],
    ['credentials in the URL, percent-decoded', (u) => [u.replace('http://', 'http://us%40er:p%3Ass@') + '/j']],
    ['each URL its own credentials', (u) => [u.replace('http://', 'http://a:1@') + '/j1', `${u}/j2`, u.replace('http://', 'http://b@') + '/j3']],
    ['-u wins over URL credentials', (u) => ['-u', 'a:b', u.replace('http://', 'http://x:y@') + '/k']],
    ['-G', (u) => ['-G', '-d', 'a=1', '--data-urlencode', 'c=x y', `${u}/l?z=1`]],
    ['-G -I', (u) => ['-G', '-I', '-d', 'a=1', `${u}/m`]],
    ['-X PUT -d', (u) => ['-X', 'PUT', '-d', 'x', `${u}/n`]],
    ['--http1.0', (u) => ['--http1.0', `${u}/p`]],
    ['globs: each URL, in curl\'s order', (u) => [`${u}/{a,b}[1-2]`, `${u}/[08-10:2]`]],
    ['--url and positionals in order', (u) => [`${u}/q1`, '--url', `${u}/q2`, `${u}/q3`]],
    ['no scheme', (u) => [`${u.slice('http://'.length)}/r`]],
    ['-K config file', (u) => ['-K', cfg, `${u}/s`]],
  ];
  for (const [name, args] of cases) {
    it(name, async () => {
      const r = await both(args);
      assert.deepEqual(r.codes, [0, 0], r.err);
      assert.ok(r.curl.length > 0);
      assert.deepEqual(r.hiper, r.curl);
    });
  }

  it('-K - and @- read stdin', async () => {
    const results: string[][] = [];
    for (const program of [[CURL], [process.execPath, CLI, 'get']]) {
      const r = await startRecorder();
      try {
        const config = `url = "${r.url}/stdin"\nheader = "X-S: 1"\n`;
        const ran = await run(program[0]!, [...program.slice(1), '-s', '-K', '-'], undefined, config);
        assert.equal(ran.code, 0, ran.err);
        const ran2 = await run(program[0]!, [...program.slice(1), '-s', '-d', 'a=1', '--data-urlencode', 'b@-', `${r.url}/stdin2`], undefined, 'x y&z\n');
        assert.equal(ran2.code, 0, ran2.err);
        results.push(masked(r));
      } finally {
        await r.close();
      }
    }
    assert.equal(results[0]!.length, 2);
    assert.deepEqual(results[1], results[0]);
  });

  it('sends User-Agent hiper/<version>', async () => {
    const h = await startRecorder();
    try {
      const run = await runCli(['get', '-s', `${h.url}/ua`]);
      assert.equal(run.code, 0);
      assert.match(h.requests[0]!.head, new RegExp(`\r\nUser-Agent: hiper/${hiperVersion().replace(/\./g, '\\.')}\r\n`));
    } finally {
      await h.close();
    }
  });

  it('--http1.0: each request on its own connection (keep-alive is HTTP/1.1\'s)', async () => {
    let connections = 0;
    const versions: string[] = [];
    const server = createServer((req, res) => {
      versions.push(req.httpVersion);
      res.end('ok\n');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r10 = await runCli(['get', '-s', '--http1.0', `${url}/a`, `${url}/b`]);
      assert.equal(r10.code, 0, r10.err);
      assert.equal(r10.out, 'ok\nok\n');
      assert.deepEqual([versions, connections], [['1.0', '1.0'], 2]);
      const r11 = await runCli(['get', '-s', `${url}/a`, `${url}/b`]);
      assert.equal(r11.code, 0, r11.err);
      assert.deepEqual([versions.slice(2), connections], [['1.1', '1.1'], 3]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the library sends an HTTP/1.0 request line for httpVersion "1.0"', async () => {
    const h = await startRecorder();
    const multi = new Multi();
    try {
      const r = await multi.add({ url: `${h.url}/x`, httpVersion: '1.0', headers: [['X-A', '1']] }).done;
      assert.equal(r.status, 200);
      assert.equal(h.requests[0]!.head, `GET /x HTTP/1.0\r\nHost: 127.0.0.1:${h.port}\r\nX-A: 1`);
      const plain = await multi.add({ url: `${h.url}/y`, httpVersion: '1.0' }).done;
      assert.equal(plain.status, 200);
      assert.equal(h.requests[1]!.head, `GET /y HTTP/1.0\r\nHost: 127.0.0.1:${h.port}`);
      assert.throws(() => new Multi({ httpVersion: '1.0' as never }), /httpVersion/);
    } finally {
      await multi.close();
      await h.close();
    }
  });
});

/** Every file under a folder, with its contents. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p, 'latin1');
    }
  };
  walk(root);
  return out;
}

describe('cli get: files and exit codes, as curl', function () {
  before(function () {
    needs(this, hasProgram(CURL), 'real curl at /usr/bin/curl');
  });

  const cases: Array<[string, (u: string) => string[]]> = [
    ['-o with #N per glob URL', (u) => [`${u}/{a,b}/[1-2]`, '-o', 'f_#1_#2.txt']],
    ['-O, --remote-name-all, --output-dir, --create-dirs', (u) => ['--output-dir', 'out/x', '--create-dirs', '-O', `${u}/p/one.txt?q=1`, '--remote-name-all', `${u}/two`]],
    ['-o into new folders with --create-dirs', (u) => ['--create-dirs', '-o', 'a/b/c.txt', `${u}/c`]],
    ['-O without a file name: exit 23', (u) => ['-O', `${u}/`]],
    ['a bad glob: exit 3', (u) => [`${u}/[1-`]],
    ['-F with -d: exit 2', (u) => ['-F', 'a=1', '-d', 'b', `${u}/`]],
    ['-F with a file that is not there: exit 26', (u) => ['-F', 'f=@/nonexistent/x', `${u}/`]],
    ['-K with a file that is not there: exit 26', (u) => ['-K', '/nonexistent/x', `${u}/`]],
  ];
  for (const [name, args] of cases) {
    it(name, async () => {
      const rec = await startRecorder();
      try {
        const cwdCurl = mkdtempSync(join(tmpdir(), 'hiper-files-curl-'));
        const cwdHiper = mkdtempSync(join(tmpdir(), 'hiper-files-hiper-'));
        const rc = await runCurl(['-s', ...args(rec.url)], cwdCurl);
        const rh = await runCli(['get', '-s', ...args(rec.url)], { cwd: cwdHiper });
        assert.equal(rh.code, rc.code, rh.err);
        assert.deepEqual(tree(cwdHiper), tree(cwdCurl));
      } finally {
        await rec.close();
      }
    });
  }
});
