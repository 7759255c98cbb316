/**
 * Debian's nginx (nginx-light) for interop tests and benchmarks: started in the foreground with a
 * temporary prefix and config on a loopback port, serving files of known content, killed by stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCert } from './cert.js';
import { freePort } from './ports.js';

export const NGINX = '/usr/sbin/nginx';

export function hasNginx(): boolean {
  return existsSync(NGINX);
}

/** Why this nginx cannot serve TLS with HTTP/2, or undefined when it can. */
export function nginxH2Missing(): string | undefined {
  if (!hasNginx()) return `${NGINX} is not installed (apt-get install nginx-light)`;
  const built = spawnSync(NGINX, ['-V'], { encoding: 'utf8' }).stderr ?? '';
  if (!built.includes('--with-http_v2_module') || !built.includes('--with-http_ssl_module')) return `${NGINX} was built without http_v2 or ssl`;
  return undefined;
}

/** Temp paths of the modules this nginx was built with (naming one that was left out is a config error). */
function tempPaths(dir: string): string {
  const built = spawnSync(NGINX, ['-V'], { encoding: 'utf8' }).stderr ?? '';
  const lines = [`client_body_temp_path ${dir}/body;`];
  for (const m of ['proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    if (!built.includes(`--without-http_${m}_module`)) lines.push(`${m}_temp_path ${dir}/${m};`);
  }
  return lines.join(' ');
}

/**
 * nginx runs under a small shell that kills it when its stdin closes: on stop(), and also when the test
 * process dies without cleaning up, so no nginx is left behind.
 */
const WATCHDOG = 'bin="$1"; shift; exec 3<&0; "$bin" "$@" & pid=$!; { read _ <&3; kill $pid 2>/dev/null; } & wait $pid';

export interface NginxOptions {
  /** Files to serve: path under the root -> content. */
  files: Record<string, Buffer | string>;
  /** TLS with this certificate (and http2 on the same port when `http2` is set). */
  tls?: TestCert;
  http2?: boolean;
  /** http2_max_concurrent_streams; nginx's default is 128. */
  maxConcurrentStreams?: number;
  /** keepalive_requests: nginx closes (HTTP/2: GOAWAY) after this many requests on a connection; default 1,000,000. */
  keepaliveRequests?: number;
  /** More `location` blocks for the server, as nginx config text. */
  locations?: string;
}

export interface Nginx {
  port: number;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nginx did not listen on ${port} within 5 s: ${log()}`);
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'hiper-nginx-'));
  const root = join(dir, 'www');
  mkdirSync(root);
  for (const [path, content] of Object.entries(options.files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  let tls = '';
  if (options.tls) {
    writeFileSync(join(dir, 'cert.pem'), options.tls.cert);
    writeFileSync(join(dir, 'key.pem'), options.tls.key);
    tls = `ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;`;
  }
  const port = await freePort();
  const listen = `listen 127.0.0.1:${port}${options.tls ? ' ssl' : ''}${options.http2 ? ' http2' : ''};`;
  const conf = `
daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 20000; }
http {
  access_log off;
  ${tempPaths(dir)}
  keepalive_requests ${options.keepaliveRequests ?? 1_000_000}; keepalive_timeout 120s;
  ${options.maxConcurrentStreams ? `http2_max_concurrent_streams ${options.maxConcurrentStreams};` : ''}
  server { ${listen} ${tls} root ${root}; location / { } ${options.locations ?? ''} }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', NGINX, '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  try {
    await waitForPort(port, child, () => stderr);
  } catch (err) {
    child.stdin!.end();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    async stop() {
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
