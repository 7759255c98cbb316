/**
 * The output side of `hiper get` end to end, beside real curl where parity is the point: -w '%{json}'
 * and -w on failed transfers, --trace-json, -v as it happens, and the -Z connection limits.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCurl } from '../../helpers/cli.js';
import { hasProgram, needs } from '../../helpers/needs.js';

/** curl run to completion (its server is in this process, so not spawnSync). */
const hasCurl = hasProgram('curl') && spawnSync('curl', ['--version']).status === 0;

describe('hiper get output', function () {
  this.timeout(60_000);
  let server: http.Server;
  let base: string;
  let port: number;
  let dir: string;
  /** Connections the server accepted since the last reset. */
  let connections = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      if (req.url!.startsWith('/slow')) return void setTimeout(() => res.end('s'), 300);
      res.end(`${req.method} ${req.url}`);
    });
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    dir = mkdtempSync(join(tmpdir(), 'hiper-output-'));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('-w %{json} beside curl', () => {
    // The served URL is asked for with curl's own User-Agent, so that both requests are the same bytes.
    const targets: Array<{ what: string; url: () => string; exit: number; same: string[]; extra?: string[] }> = [
      { what: 'a served URL', url: () => `${base}/j`, exit: 0, extra: ['-A', 'curl/7.88.1'],
        same: ['size_request', 'content_type', 'errormsg', 'exitcode', 'filename_effective', 'http_code', 'http_version', 'local_ip', 'method', 'num_connects', 'num_headers', 'num_redirects',
          'redirect_url', 'remote_ip', 'remote_port', 'response_code', 'scheme', 'size_download', 'size_header', 'size_upload', 'url', 'url_effective', 'urlnum'] },
      { what: 'a refused port', url: () => 'http://127.0.0.1:1/', exit: 7,
        same: ['content_type', 'exitcode', 'filename_effective', 'http_code', 'http_version', 'local_ip', 'local_port', 'num_connects', 'remote_ip', 'remote_port', 'response_code',
          'scheme', 'size_download', 'size_header', 'url', 'urlnum'] },
      { what: 'a host that does not resolve', url: () => 'http://nonexistent.invalid/', exit: 6,
        same: ['content_type', 'exitcode', 'http_code', 'local_ip', 'local_port', 'num_connects', 'remote_ip', 'remote_port', 'response_code', 'scheme', 'size_download', 'urlnum'] },
    ];
    for (const t of targets) {
      it(`${t.what}: curl's keys in curl's order with curl's types, and the same values`, async function () {
        needs(this, hasCurl, 'curl is not installed');
        const args = ['-s', ...(t.extra ?? []), '-o', '/dev/null', '-w', '%{json}', t.url()];
        const [c, h] = await Promise.all([runCurl(args), runCli(['get', ...args])]);
        assert.equal(c.code, t.exit, c.err);
        assert.equal(h.code, t.exit, h.err);
        const theirs = JSON.parse(c.out) as Record<string, unknown>;
        const ours = JSON.parse(h.out) as Record<string, unknown>;
        assert.deepEqual(Object.keys(ours).slice(0, Object.keys(theirs).length), Object.keys(theirs));
        for (const k of Object.keys(theirs)) assert.equal(typeof ours[k], typeof theirs[k], `${k}: ${JSON.stringify(ours[k])} vs curl's ${JSON.stringify(theirs[k])}`);
        for (const k of t.same) assert.deepEqual(ours[k], theirs[k], `${k}: ${JSON.stringify(ours[k])} vs curl's ${JSON.stringify(theirs[k])}`);
        // Times as curl writes them: six decimals.
        assert.match(h.out, /"time_total":\d+\.\d{6},/);
        assert.equal(typeof ours.connect_trace, t.exit === 0 ? 'object' : 'object');
        if (t.exit === 0) assert.equal((ours.connect_trace as { remote: { port: number } }).remote.port, port);
        else assert.equal(typeof ours.error_code, 'string');
      });
    }

    it('-w on a failed transfer prints what curl prints (refused port, unknown host)', async function () {
      needs(this, hasCurl, 'curl is not installed');
      const format = '%{num_connects}|%{remote_port}|%{local_port}|%{remote_ip}|%{local_ip}|%{http_code}|%{exitcode}|%{scheme}|%{size_download}|%{urlnum}\\n';
      for (const url of ['http://127.0.0.1:1/', 'http://nonexistent.invalid/']) {
        const [c, h] = await Promise.all([runCurl(['-s', '-w', format, url]), runCli(['get', '-s', '-w', format, url])]);
        assert.equal(h.code, c.code);
        assert.equal(h.out, c.out, url);
      }
    });

    it('%{urlnum}, %{filename_effective} and %{onerror} over several URLs, as curl', async function () {
      needs(this, hasCurl, 'curl is not installed');
      const file = join(dir, 'one.txt');
      const args = ['-s', '-o', file, '-w', '%{urlnum} [%{filename_effective}]%{onerror} failed %{exitcode}\\n', `${base}/a`, 'http://127.0.0.1:1/', `${base}/b`];
      const c = await runCurl(args);
      const h = await runCli(['get', ...args]);
      assert.equal(h.out.replace(/^GET \/b/m, ''), c.out.replace(/^GET \/b/m, ''));
      assert.match(h.out, /^0 \[[^\]]+one\.txt\]1 \[\] failed 7\n/);
    });
  });

  describe('--trace-json', () => {
    it('- : one object per line per transfer with the old --json shape (status, bytes, error code, info)', async () => {
      const r = await runCli(['get', '--trace-json', '-', '--parallel', '-o', '/dev/null', `${base}/j`, '-o', '/dev/null', 'http://127.0.0.1:1/']);
      assert.equal(r.code, 7);
      const objects = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
      assert.equal(objects.length, 2);
      const ok = objects.find((o) => o.url === `${base}/j`)!;
      const bad = objects.find((o) => o.url === 'http://127.0.0.1:1/')!;
      assert.deepEqual([ok.ok, ok.status, ok.httpVersion, ok.bytes], [true, 200, '1.1', 'GET /j'.length]);
      assert.equal(ok.info.bindMethod, 'none');
      assert.ok(Array.isArray(ok.headers));
      assert.equal(bad.ok, false);
      assert.equal(bad.error.code, 'ERR_CONNECT_ALL_FAILED');
      assert.equal(bad.error.attempts[0].error, 'ECONNREFUSED');
    });

    it('FILE: the lines go to the file and the bodies stay on stdout', async () => {
      const file = join(dir, 'trace.ndjson');
      const r = await runCli(['get', '--trace-json', file, `${base}/a`, `${base}/b`]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, 'GET /aGET /b');
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { url: string; status: number });
      assert.deepEqual(lines.map((l) => [l.url, l.status]), [[`${base}/a`, 200], [`${base}/b`, 200]]);
    });

    it('FILE in a folder that does not exist: 23, naming it', async () => {
      const r = await runCli(['get', '--trace-json', join(dir, 'none', 't.json'), `${base}/a`]);
      assert.equal(r.code, 23);
      assert.match(r.err, /\(23\) failure writing output to [^\n]*none\/t\.json/);
    });
  });

  describe('-v as it happens', () => {
    it('a refused port: the attempt, its failure and the error; no request lines', async () => {
      const r = await runCli(['get', '-v', 'http://127.0.0.1:1/']);
      assert.equal(r.code, 7);
      assert.match(r.err, /^\* {3}Trying 127\.0\.0\.1:1\.\.\.\n\* connect to 127\.0\.0\.1 port 1 failed: ECONNREFUSED\n\* Failed to connect to 127\.0\.0\.1 port 1: ERR_CONNECT_ALL_FAILED[^\n]*\nhiper: \(7\) /);
      assert.doesNotMatch(r.err, /^>/m);
    });

    it('a served URL: Trying, Connected, the request as sent, the response head; the body on stdout', async () => {
      const r = await runCli(['get', '-v', '-H', 'X-Test: v', `${base}/v?q=1`]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, 'GET /v?q=1');
      assert.match(r.err, new RegExp(`^\\* {3}Trying 127\\.0\\.0\\.1:${port}\\.\\.\\.\\n\\* Connected to 127\\.0\\.0\\.1 \\(127\\.0\\.0\\.1\\) port ${port} from 127\\.0\\.0\\.1:\\d+ \\(unbound, leaving through lo\\)\\n`
        + `> GET /v\\?q=1 HTTP/1\\.1\\n> Host: 127\\.0\\.0\\.1:${port}\\n(> [^\\n]+\\n)*> \\n< HTTP/1\\.1 200 OK\\n< content-type: text/plain\\n[^]*< \\n$`));
      assert.match(r.err, /^> X-Test: v$/m);
    });

    it('an address the interface cannot serve: the skip with its reason, then the attempt', async () => {
      const r = await runCli(['get', '-v', '--interface', 'host!127.0.0.1', '--resolve', `both.test:${port}:[::1],127.0.0.1`, `http://both.test:${port}/s`]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^\* skip ::1: [^\n]+ \([\w-]+\)\n\* {3}Trying 127\.0\.0\.1:\d+ from 127\.0\.0\.1 \(address\)\.\.\.\n\* Connected to both\.test/m);
    });

    it('a second transfer on the same connection says it is reused, with no new attempt', async () => {
      const r = await runCli(['get', '-v', `${base}/1`, `${base}/2`]);
      assert.equal(r.code, 0, r.err);
      assert.equal((r.err.match(/Trying/g) ?? []).length, 1);
      assert.match(r.err, /\* Re-using existing connection #\d+ with host 127\.0\.0\.1\n> GET \/2 /);
    });
  });

  describe('-Z connection limits', () => {
    const limits: Array<{ args: string[]; urls: number; expected: number }> = [
      { args: ['--parallel-max', '20'], urls: 40, expected: 20 },
      { args: ['--parallel-max-host', '3'], urls: 12, expected: 3 },
      { args: ['--parallel-max', '400'], urls: 8, expected: 8 },
    ];
    for (const l of limits) {
      it(`${l.args.join(' ')} over ${l.urls} slow URLs to one host: ${l.expected} connections`, async () => {
        connections = 0;
        const urls = Array.from({ length: l.urls }, (_, i) => `${base}/slow${i}`);
        const r = await runCli(['get', '-Z', ...l.args, ...urls]);
        assert.equal(r.code, 0, r.err);
        assert.equal(r.out, 's'.repeat(l.urls));
        assert.equal(connections, l.expected);
      });
    }

    it('--parallel-max-host 0: a usage error naming the flag', async () => {
      const r = await runCli(['get', '-Z', '--parallel-max-host', '0', `${base}/a`]);
      assert.equal(r.code, 2);
      assert.match(r.err, /--parallel-max-host expects an integer >= 1/);
    });
  });
});
