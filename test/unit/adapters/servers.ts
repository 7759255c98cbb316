/** Loopback servers for the adapter tests: each answers with the client's address as it saw it. */
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import dc from 'node:diagnostics_channel';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import type { AddressRecord } from '../../../src/shared/index.js';
import type { Resolver } from '../../../src/resolve/types.js';

/** "ADDRESS PORT HTTPVERSION" of the client, as the server saw it. */
function answer(req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void {
  const s = req.socket;
  res.end(`${s.remoteAddress} ${s.remotePort} ${req.httpVersion}`);
}

export interface Running {
  server: net.Server;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

async function run(server: net.Server, host: string): Promise<Running> {
  const r: Running = {
    server,
    port: 0,
    connections: 0,
    async close() {
      (server as http.Server).closeAllConnections?.();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('connection', () => r.connections++);
  server.listen(0, host);
  await once(server, 'listening');
  r.port = (server.address() as net.AddressInfo).port;
  return r;
}

export function httpServer(host = '127.0.0.1'): Promise<Running> {
  return run(http.createServer(answer), host);
}

export function httpsServer(cert: { key: string; cert: string }, host = '127.0.0.1'): Promise<Running> {
  return run(https.createServer({ key: cert.key, cert: cert.cert }, answer), host);
}

/** h2 and http/1.1 by ALPN. */
export function h2Server(cert: { key: string; cert: string }, host = '127.0.0.1'): Promise<Running> {
  return run(http2.createSecureServer({ key: cert.key, cert: cert.cert, allowHTTP1: true }, answer) as unknown as net.Server, host);
}

/** A port on which nothing listens. */
export { freePort as deadPort } from '../../helpers/ports.js';

export const pinned = (...addresses: string[]): Resolver => async () =>
  addresses.map((address): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, source: 'pinned' }));

/** Collects what is published on hiper's connect channels while `body` runs. */
export async function watchChannels<T>(body: () => Promise<T>): Promise<{ result: T; seen: string[] }> {
  const names = ['hiper:connect:start', 'hiper:connect:skip', 'hiper:connect:attempt', 'hiper:connect:success', 'hiper:connect:failure'];
  const seen: string[] = [];
  const subs = names.map((name) => {
    const fn = (): void => void seen.push(name.slice('hiper:connect:'.length));
    dc.subscribe(name, fn);
    return () => dc.unsubscribe(name, fn);
  });
  try {
    return { result: await body(), seen };
  } finally {
    for (const off of subs) off();
  }
}

/** GET through node:http or node:https; resolves with the body and the request's socket. */
export function get(mod: typeof http | typeof https, url: string, options: http.RequestOptions): Promise<{ body: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const req = mod.get(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ body, socket }));
      res.on('error', reject);
    });
    req.on('socket', (s: net.Socket) => (socket = s));
    req.on('error', reject);
  });
}

const exampleScript = fileURLToPath(new URL('../../../examples/pin-fetch-egress.js', import.meta.url));

/** Runs the example (asynchronously: the server is in this process) and returns its output and exit code. */
export async function runExample(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, [exampleScript, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  const [code] = (await once(child, 'close')) as [number | null];
  return { out, code };
}

