/**
 * Debian's nginx (nginx-light) for interop tests and benchmarks: started in the foreground with a
 * temporary prefix and config on a loopback port, serving files of known content, killed by stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCert } from './cert.js';

export const NGINX = '/usr/sbin/nginx';

export function hasNginx(): boolean {
  return existsSync(NGINX);
}

export interface NginxOptions {
  /** Files to serve: path under the root -> content. */
  files: Record<string, Buffer | string>;
  /** TLS with this certificate (and http2 on the same port when `http2` is set). */
  tls?: TestCert;
  http2?: boolean;
  /** http2_max_concurrent_streams; nginx's default is 128. */
  maxConcurrentStreams?: number;
}

export interface Nginx {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
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
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000; keepalive_timeout 120s;
  ${options.maxConcurrentStreams ? `http2_max_concurrent_streams ${options.maxConcurrentStreams};` : ''}
  server { ${listen} ${tls} root ${root}; location / { } }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  await waitForPort(port, child, () => stderr);
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
