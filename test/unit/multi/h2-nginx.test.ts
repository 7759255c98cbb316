/**
 * HTTP/2 interop with nginx (Debian nginx-light): started by the test, in the foreground, with a
 * temporary prefix, a certificate made at test time and a loopback port; stopped after.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { H2Connection } from '../../../src/multi/h2-connection.js';
import type { TransferImpl } from '../../../src/multi/transfer.js';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { needs } from '../../helpers/needs.js';
import { mulberry32 } from '../../helpers/prng.js';
import { FakeOwner, connectH2, makeTransfer, patternBody } from './h2-helpers.js';

const NGINX = '/usr/sbin/nginx';
/** nginx's http2_max_concurrent_streams on the main server, below the 200 transfers sent at once. */
const MAX_STREAMS = 50;
/** keepalive_requests on the second server: nginx sends GOAWAY after this many streams. */
const GOAWAY_AFTER = 20;

/** Temp paths of the modules this nginx was built with (a path for a module left out is a config error). */
function tempPaths(dir: string): string {
  const built = spawnSync(NGINX, ['-V'], { encoding: 'utf8' }).stderr;
  const lines = [`client_body_temp_path ${dir}/body;`];
  for (const m of ['proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    if (!built.includes(`--without-http_${m}_module`)) lines.push(`${m}_temp_path ${dir}/${m};`);
  }
  return lines.join('\n      ');
}

/** Why this nginx cannot serve the test, or undefined. */
function nginxMissing(): string | undefined {
  if (!existsSync(NGINX)) return `${NGINX} is not installed (Debian nginx-light)`;
  const v = spawnSync(NGINX, ['-V'], { encoding: 'utf8' });
  if (v.status !== 0) return `${NGINX} -V failed: ${v.stderr.trim()}`;
  if (!v.stderr.includes('--with-http_v2_module') || !v.stderr.includes('--with-http_ssl_module')) return `${NGINX} lacks http_v2 or ssl`;
  return undefined;
}

/**
 * nginx runs under a small shell that kills it when its stdin closes: on stop(), and also if the test
 * process dies without cleaning up, so no nginx is left behind.
 */
const WATCHDOG = 'bin="$1"; shift; exec 3<&0; "$bin" "$@" & pid=$!; { read _ <&3; kill $pid 2>/dev/null; } & wait $pid';

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

/** Resolves once something accepts connections on the port (nginx has no readiness signal); bounded. */
async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nginx did not listen on ${port}`);
}

interface Nginx {
  port: number;
  goawayPort: number;
  stop(): Promise<void>;
}

async function startNginx(cert: TestCert, files: Map<string, Buffer>): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'hiper-nginx-h2-'));
  // Readable by nginx's user, should it drop root.
  chmodSync(dir, 0o755);
  const www = join(dir, 'www');
  mkdirSync(www);
  for (const [name, body] of files) writeFileSync(join(www, name), body);
  const [port, goawayPort] = [await freePort(), await freePort()];
  const server = (p: number, extra: string): string => `
    server {
      listen 127.0.0.1:${p} ssl http2;
      ssl_certificate ${cert.certPath};
      ssl_certificate_key ${cert.keyPath};
      http2_max_concurrent_streams ${MAX_STREAMS};
      root ${www};
      ${extra}
      location = /post { return 200 "posted\\n"; }
    }`;
  writeFileSync(join(dir, 'nginx.conf'), `
    daemon off;
    master_process off;
    worker_processes 1;
    pid ${dir}/nginx.pid;
    error_log ${dir}/error.log warn;
    events { worker_connections 256; }
    http {
      access_log off;
      ${tempPaths(dir)}
      default_type application/octet-stream;
      ${server(port, '')}
      ${server(goawayPort, `keepalive_requests ${GOAWAY_AFTER};`)}
    }
  `);
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', NGINX, '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  try {
    await listening(port, child);
    await listening(goawayPort, child);
  } catch (err) {
    child.stdin!.end();
    let log = '';
    try {
      log = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}: ${(stderr + log).trim().slice(-500)}`);
  }
  return {
    port,
    goawayPort,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.stdin!.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('H2Connection with nginx', function () {
  this.timeout(30_000);
  let cert: TestCert | undefined;
  let nginx: Nginx | undefined;
  const files = new Map<string, Buffer>();
  const conns: H2Connection[] = [];

  before(async function () {
    const missing = nginxMissing();
    needs(this, missing === undefined, missing ?? '');
    const prng = mulberry32(2024);
    for (let i = 0; i < 200; i++) {
      const size = prng.chance(0.1) ? prng.int(100_000, 400_000) : prng.int(0, 20_000);
      files.set(`f${i}`, patternBody(i, size));
    }
    cert = makeCert();
    nginx = await startNginx(cert, files);
  });
  after(async () => {
    for (const c of conns) c.close();
    await nginx?.stop();
    cert?.cleanup();
  });

  async function open(port: number, owner: FakeOwner, id = 1): Promise<H2Connection> {
    const conn = await connectH2(port, cert!.cert, owner, id);
    conns.push(conn);
    return conn;
  }

  it(`200 GETs at once share one connection; beyond nginx's ${MAX_STREAMS} streams they queue; bodies byte-exact`, async () => {
    const owner = new FakeOwner();
    const conn = await open(nginx!.port, owner);
    const names = [...files.keys()];
    const ts = names.map((n) => makeTransfer({ url: `https://127.0.0.1:${nginx!.port}/${n}` }));
    conn.send(ts[0]!);
    owner.queue.push(...ts.slice(1));
    const results = await Promise.all(ts.map((t) => t.done));
    results.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal(r.httpVersion, '2');
      assert.ok(r.body.equals(files.get(names[i]!)!), `${names[i]} byte-exact`);
      assert.equal(r.info.connectionId, 1);
    });
    assert.equal(conn.maxConcurrentStreams, MAX_STREAMS);
    assert.equal(owner.peakDepth, MAX_STREAMS);
    assert.equal(owner.sawFull, true);
    assert.equal(conn.requests, 200);
    assert.equal(conn.refusedRetries, 0);
    assert.ok(results[0]!.headers.some(([n, v]) => n === 'server' && v.startsWith('nginx')));
    let total = 0;
    for (const b of files.values()) total += b.length;
    console.log(`      200 streams, ${(total / 1e6).toFixed(1)} MB, peak ${owner.peakDepth} open`);
  });

  it('POST with a body of several Buffers; HEAD and a 404', async () => {
    const owner = new FakeOwner();
    const conn = await open(nginx!.port, owner);
    const base = `https://127.0.0.1:${nginx!.port}`;
    const post = makeTransfer({ url: `${base}/post`, method: 'POST', body: [Buffer.alloc(70_000, 1), Buffer.alloc(5, 2)], headers: { 'Content-Type': 'application/octet-stream' } });
    const head = makeTransfer({ url: `${base}/f1`, method: 'HEAD' });
    const missing = makeTransfer({ url: `${base}/nothing` });
    for (const t of [post, head, missing]) conn.send(t);
    const [p, h, m] = await Promise.all([post.done, head.done, missing.done]);
    assert.equal(p.status, 200);
    assert.equal(String(p.body), 'posted\n');
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    assert.equal(h.headers.find(([n]) => n === 'content-length')?.[1], String(files.get('f1')!.length));
    assert.equal(m.status, 404);
  });

  it(`nginx's GOAWAY after ${GOAWAY_AFTER} requests: the rest come back unprocessed and complete on a new connection`, async () => {
    const owner = new FakeOwner();
    const conn = await open(nginx!.goawayPort, owner);
    const names = [...files.keys()].slice(0, 40);
    const ts = names.map((n) => makeTransfer({ url: `https://127.0.0.1:${nginx!.goawayPort}/${n}` }));
    conn.send(ts[0]!);
    owner.queue.push(...ts.slice(1));
    await owner.until(() => owner.closedCalls.length > 0);
    const handedBack = owner.closedCalls[0]!;
    const completed = ts.filter((t) => t.completed);
    assert.equal(completed.length + handedBack.length, ts.length, 'each transfer either completed or came back');
    assert.equal(completed.length, GOAWAY_AFTER);
    for (const t of handedBack) {
      assert.equal(t.ended, false);
      assert.ok(conn.unprocessed.has(t), 'above the GOAWAY last stream id');
    }
    // As the Multi does: once more, on a new connection.
    const retryOwner = new FakeOwner();
    const second = await open(nginx!.goawayPort, retryOwner, 2);
    await retryOwner.until(() => second.pipelinable);
    for (const t of handedBack) second.send(t);
    await Promise.all(handedBack.map((t) => t.done));
    for (const t of ts) {
      const r = await t.done;
      assert.ok(r.body.equals(files.get(names[ts.indexOf(t as TransferImpl)]!)!));
    }
    console.log(`      ${completed.length} answered before GOAWAY, ${handedBack.length} handed back and retried`);
  });
});
