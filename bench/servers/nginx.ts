/**
 * nginx (Debian's nginx / nginx-light) as a benchmark server: a temporary prefix and config under a
 * mkdtemp directory, HTTP/1.1 on one loopback port and HTTP/2 over TLS on another, one process in the
 * foreground (daemon off, master_process off) so that killing the child ends it. Each known body is a file,
 * each download a sparse file of its size (served with sendfile, nothing held in memory).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { once } from 'node:events';
import { BODIES, DOWNLOADS, benchBody } from '../body.js';
import { onPath } from '../ceilings.js';
import { freePort } from '../../test/helpers/ports.js';

/** Debian's place, used when PATH has no nginx (sbin is often not on a user's PATH). */
const DEBIAN_NGINX = '/usr/sbin/nginx';

/** The nginx to run: PATH first, else Debian's; undefined when neither exists. */
export function findNginx(): string | undefined {
  return onPath('nginx') ?? (existsSync(DEBIAN_NGINX) ? DEBIAN_NGINX : undefined);
}

export interface NginxServer {
  h1Port: number;
  /** 0 when started without a certificate (no TLS server then). */
  h2Port: number;
  version: string;
  stop(): Promise<void>;
}

/** Why nginx cannot be used here, or undefined when it can. */
export function nginxMissing(nginx = findNginx()): string | undefined {
  if (nginx === undefined) return `nginx neither on PATH nor at ${DEBIAN_NGINX} (apt-get install nginx-light)`;
  const v = spawnSync(nginx, ['-V'], { encoding: 'utf8' });
  if (v.status !== 0) return `${nginx} -V failed: ${(v.stderr ?? v.error?.message ?? '').trim()}`;
  if (!v.stderr.includes('--with-http_v2_module') || !v.stderr.includes('--with-http_ssl_module')) return `${nginx} lacks http_v2 or ssl`;
  return undefined;
}

function nginxVersion(nginx: string): string {
  const v = spawnSync(nginx, ['-v'], { encoding: 'utf8' });
  return /nginx\/(\S+)/.exec(v.stderr)?.[1] ?? 'unknown';
}

/** Temp paths of the modules this nginx was built with (a path for a module left out is a config error). */
function tempPaths(nginx: string, prefix: string): string {
  const built = spawnSync(nginx, ['-V'], { encoding: 'utf8' }).stderr;
  const lines = [`client_body_temp_path ${prefix}/tmp/body;`];
  for (const m of ['proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    if (!built.includes(`--without-http_${m}_module`)) lines.push(`${m}_temp_path ${prefix}/tmp/${m};`);
  }
  return lines.join('\n    ');
}

export function nginxConfig(o: { nginx: string; prefix: string; h1Port: number; h2Port: number; cert: { certPath: string; keyPath: string } | undefined }): string {
  const tls = o.cert ? `
    server {
        listen 127.0.0.1:${o.h2Port} ssl http2;
        ssl_certificate ${o.cert.certPath};
        ssl_certificate_key ${o.cert.keyPath};
    }` : '';
  return `daemon off;
master_process off;
worker_processes 1;
pid ${o.prefix}/nginx.pid;
error_log ${o.prefix}/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    ${tempPaths(o.nginx, o.prefix)}
    default_type application/octet-stream;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    http2_max_concurrent_streams 128;
    root ${o.prefix}/www;
    server { listen 127.0.0.1:${o.h1Port} backlog=4096; }
${tls}
}
`;
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nginx did not listen on ${port} within ${ms} ms`);
}

/**
 * nginx runs under a small shell that kills it when its stdin closes: on stop(), and also if this
 * process dies without cleaning up, so no nginx is ever left behind. The shell exits with nginx.
 */
const WATCHDOG = 'bin="$1"; shift; exec 3<&0; "$bin" "$@" & pid=$!; { read _ <&3; kill $pid 2>/dev/null; } & wait $pid';

export async function startNginx(cert: { certPath: string; keyPath: string } | undefined, nginx = findNginx()): Promise<NginxServer> {
  if (nginx === undefined) throw new Error(nginxMissing(nginx));
  const prefix = mkdtempSync(join(tmpdir(), 'hiper-bench-nginx-'));
  chmodSync(prefix, 0o755);
  for (const d of ['www', 'tmp', 'logs']) mkdirSync(join(prefix, d));
  for (const [path, bytes] of Object.entries(BODIES)) writeFileSync(join(prefix, 'www', path.slice(1)), benchBody(bytes));
  for (const [path, bytes] of Object.entries(DOWNLOADS)) {
    const file = join(prefix, 'www', path.slice(1));
    writeFileSync(file, '');
    truncateSync(file, bytes);
  }
  const h1Port = await freePort();
  const h2Port = cert ? await freePort() : 0;
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ nginx, prefix, h1Port, h2Port, cert }));
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', nginx, '-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const cleanup = (): void => rmSync(prefix, { recursive: true, force: true });
  try {
    await waitForPort(h1Port, child, 5_000);
    if (h2Port) await waitForPort(h2Port, child, 5_000);
  } catch (e) {
    child.stdin!.end();
    let log = '';
    try {
      log = readFileSync(join(prefix, 'error.log'), 'utf8');
    } catch {}
    cleanup();
    throw new Error(`${(e as Error).message}: ${(stderr + log).trim().slice(-500)}`);
  }
  return {
    h1Port,
    h2Port,
    version: nginxVersion(nginx),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.stdin!.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await gone;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}
