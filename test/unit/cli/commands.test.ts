/** The `hiper` command end to end: a child process against a server on loopback. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../../helpers/cli.js';

describe('hiper command', function () {
  this.timeout(30_000);
  let server: http.Server;
  let base: string;
  let port: number;
  let dir: string;

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/404') res.statusCode = 404;
      if (req.url === '/big') return void res.end(Buffer.alloc(8 << 20, 'big '));
      res.setHeader('content-type', 'text/plain');
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => res.end(`${req.method} ${req.url}${body ? ` ${req.headers['content-type']} ${body}` : ''}${req.headers['x-test'] ? ` x-test=${req.headers['x-test']}` : ''}`));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'hiper-cli-'));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  interface Case {
    what: string;
    args: () => string[];
    code: number;
    out?: RegExp;
    err?: RegExp;
  }
  const cases: Case[] = [
    { what: 'get: the body on stdout', args: () => ['get', `${base}/a`], code: 0, out: /^GET \/a$/ },
    { what: 'get -w with curl variables after each body', args: () => ['get', `${base}/a`, `${base}/b`, '-w', '|%{http_code} %{num_connects} %{remote_ip}:%{remote_port}\\n'],
      code: 0, out: new RegExp(`^GET /a\\|200 1 127\\.0\\.0\\.1:\\d+\\nGET /b\\|200 0 127\\.0\\.0\\.1:\\d+\\n$`) },
    { what: 'get -I prints the response head', args: () => ['get', '-I', `${base}/h`], code: 0, out: /^HTTP\/1\.1 200 OK\r\ncontent-type: text\/plain\r\n/ },
    { what: 'get -d posts form data, -H adds a header', args: () => ['get', '-d', 'a=1', '-d', 'b=2', '-H', 'X-Test: yes', `${base}/p`], code: 0,
      out: /^POST \/p application\/x-www-form-urlencoded a=1&b=2 x-test=yes$/ },
    { what: 'get -X sets the method', args: () => ['get', '-X', 'DELETE', `${base}/d`], code: 0, out: /^DELETE \/d$/ },
    { what: 'a 404 is success without --fail', args: () => ['get', `${base}/404`], code: 0 },
    { what: '--fail: 22 for a 404', args: () => ['get', '-f', `${base}/404`], code: 22, err: /\(22\).*404/ },
    { what: 'connection refused: 7, with the attempt', args: () => ['get', 'http://127.0.0.1:1/'], code: 7, err: /\(7\) http:\/\/127\.0\.0\.1:1\/: could not connect/ },
    { what: '-s silences the error', args: () => ['get', '-s', 'http://127.0.0.1:1/'], code: 7, err: /^$/ },
    { what: '-sS shows it again', args: () => ['get', '-sS', 'http://127.0.0.1:1/'], code: 7, err: /ECONNREFUSED/ },
    { what: 'a bad URL: 3', args: () => ['get', 'htp://x/'], code: 3, err: /unsupported scheme/ },
    { what: 'a name pinned to nothing usable: 6', args: () => ['get', '--resolve', 'nowhere.test:80:198.51.100.1', '-6', 'http://nowhere.test/'], code: 6 },
    { what: 'an unknown interface: 45', args: () => ['get', '--interface', 'if!nope0', `${base}/`], code: 45, err: /nope0/ },
    { what: 'an unknown flag: 2, naming it', args: () => ['get', '--bogus', `${base}/`], code: 2, err: /--bogus/ },
    { what: 'a bad number: 2, naming the flag', args: () => ['get', '--parallel-max', '0', '--parallel', `${base}/`], code: 2, err: /--parallel-max expects an integer >= 1/ },
    { what: 'a bad header: 2', args: () => ['get', '-H', 'NoColon', `${base}/`], code: 2, err: /-H expects "Name: value"/ },
    { what: 'an unknown -w variable: warned, still runs', args: () => ['get', '-w', '%{nope}', `${base}/`], code: 0, err: /unknown --write-out variable: 'nope'/ },
    { what: '-o into a folder that does not exist: 23, the next URL still on stdout', args: () => ['get', '-o', join(dir, 'none', 'x'), `${base}/x`, `${base}/y`], code: 23,
      out: /^GET \/y$/, err: /\(23\) [^\n]*\/x: failure writing output to [^\n]*none\/x/ },
    { what: '--waterfall into a folder that does not exist: 23', args: () => ['get', '--waterfall', join(dir, 'none', 'w.svg'), `${base}/x`], code: 23, err: /\(23\) failure writing output/ },
    { what: '-v: the attempt, the connection, the request and the response head on stderr', args: () => ['get', '-v', '-H', 'X-Test: v', `${base}/v?q=1`], code: 0, out: /^GET \/v\?q=1 x-test=v$/,
      err: /^\* {3}Trying 127\.0\.0\.1:\d+\.\.\.\n\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port \d+ from [^\n]*\(unbound, leaving through lo\)\n> GET \/v\?q=1 HTTP\/1\.1\n> Host: 127\.0\.0\.1:\d+\n(> [^\n]+\n)*> X-Test: v\n> \n< HTTP\/1\.1 200 OK\n< / },
    { what: 'resolve with a pinned entry', args: () => ['resolve', '--resolve', 'pin.test:80:198.51.100.7', 'pin.test'], code: 0, out: /2 addresses|1 address[^]*\n +1\. 198\.51\.100\.7 +IPv4 +pinned\n/ },
    { what: 'resolve -6 of a name pinned to IPv4 only: 6', args: () => ['resolve', '-6', '--resolve', 'pin.test:80:198.51.100.7', 'pin.test'], code: 6 },
    { what: 'connect: the attempt and the winner', args: () => ['connect', '127.0.0.1', String(port)], code: 0, out: /attempt +127\.0\.0\.1:\d+[^\n]*connected[^]*\nconnected 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ \(unbound, leaving through lo\)/ },
    { what: 'connect refused: 7', args: () => ['connect', '127.0.0.1', '1'], code: 7, err: /ECONNREFUSED/ },
    { what: 'connect with a bad port: 2', args: () => ['connect', '127.0.0.1', '70000'], code: 2, err: /PORT must be 1-65535/ },
    { what: 'no command: usage on stderr, 2', args: () => [], code: 2, err: /usage: hiper/ },
    { what: '--help: commands, -w variables and exit codes', args: () => ['--help'], code: 0, out: /%\{time_appconnect\}[^]*exit codes[^]*\n +7 +ERR_CONNECT_ALL_FAILED\n[^]*\n +45 +ERR_INVALID_INTERFACE_SPEC/ },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const r = await runCli(c.args());
      assert.equal(r.code, c.code, `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
      if (c.out) assert.match(r.out, c.out);
      if (c.err) assert.match(r.err, c.err);
    });
  }

  it('get -o writes each URL to its file, in order; the rest to stdout', async () => {
    const a = join(dir, 'a.txt');
    const r = await runCli(['get', '-o', a, `${base}/one`, `${base}/two`]);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(a, 'utf8'), 'GET /one');
    assert.equal(r.out, 'GET /two');
  });

  it('get --trace-json -: one object per transfer with status, bytes, error code and info', async () => {
    const r = await runCli(['get', '--trace-json', '-', '--parallel', '-o', '/dev/null', `${base}/j`, '-o', '/dev/null', 'http://127.0.0.1:1/']);
    assert.equal(r.code, 7);
    const objects = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const ok = objects.find((o) => o.url === `${base}/j`)!;
    const bad = objects.find((o) => o.url === 'http://127.0.0.1:1/')!;
    assert.equal(ok.status, 200);
    assert.equal(ok.bytes, 'GET /j'.length);
    assert.equal(ok.info.bindMethod, 'none');
    assert.equal(typeof ok.info.timings.total, 'number');
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 'ERR_CONNECT_ALL_FAILED');
    assert.equal(bad.error.attempts[0].error, 'ECONNREFUSED');
  });

  it('get --pipeline with --waterfall: transfers share a connection, and the picture has a row each', async () => {
    const svg = join(dir, 'w.svg');
    const urls = Array.from({ length: 12 }, (_, i) => `${base}/w${i}`);
    const r = await runCli(['get', '--pipeline', '6', '-w', '%{connection_id}\\n', '-o', '/dev/null', '--waterfall', svg, ...urls]);
    assert.equal(r.code, 0, r.err);
    const connections = new Set(r.out.trim().split('\n').filter((l) => /^\d+$/.test(l)));
    assert.ok(connections.size < 12, `${connections.size} connections for 12 transfers`);
    const picture = readFileSync(svg, 'utf8');
    assert.equal((picture.match(/<g class="transfer"/g) ?? []).length, 12);
  });

  it('connect --json: the trace; on failure the error with its attempts', async () => {
    const run = await runCli(['connect', '--json', '127.0.0.1', String(port)]);
    assert.equal(run.code, 0, run.err);
    const ok = JSON.parse(run.out) as Record<string, any>;
    assert.equal(ok.ok, true);
    assert.equal(ok.trace.remote.port, port);
    const bad = await runCli(['connect', '--json', '127.0.0.1', '1']);
    assert.equal(bad.code, 7);
    const error = (JSON.parse(bad.out) as Record<string, any>).error;
    assert.equal(error.code, 'ERR_CONNECT_ALL_FAILED');
    assert.equal(error.attempts.length, 1);
  });

  it('get -w @file and -w @- (stdin) read the format as curl does', async () => {
    const format = join(dir, 'format.txt');
    writeFileSync(format, '[%{http_code} %{method}]\\n');
    const fromFile = await runCli(['get', '-w', `@${format}`, `${base}/f`]);
    assert.equal(fromFile.code, 0, fromFile.err);
    assert.equal(fromFile.out, 'GET /f[200 GET]\n');
    const child = spawn(process.execPath, [CLI, 'get', '-w', '@-', `${base}/s`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stdin.end('<%{size_download}>');
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 0);
    assert.equal(out, 'GET /s<6>');
    const missing = await runCli(['get', '-w', `@${join(dir, 'none.txt')}`, `${base}/f`]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read .*none\.txt/);
  });

  it('stdout closed by its reader (| head): 23, quietly', async () => {
    const child = spawn(process.execPath, [CLI, 'get', `${base}/big`, `${base}/big`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 23, err);
    assert.equal(err, '');
  });

  it('demo: the tour runs on a fresh machine and exits 0', async () => {
    const r = await runCli(['demo']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1\. The interfaces[^]*2\. One connection[^]*3\. 20 transfers[^]*waterfall of the run: (\S+\.svg)/);
    rmSync(/waterfall of the run: (\S+)\/waterfall\.svg/.exec(r.out)![1]!, { recursive: true, force: true });
  });
});
