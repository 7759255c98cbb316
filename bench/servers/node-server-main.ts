/**
 * The node:http benchmark server, run as its own process (so the client under test has the other core):
 * HTTP/1.1 on one port, HTTP/2 over TLS on another, both answering every path of BODIES with its known body;
 * HTTP/1.1 also answers the DOWNLOADS, written a piece at a time with backpressure.
 * Prints one line `READY {"h1":PORT,"h2":PORT,"nofile":…}` and exits when its stdin closes.
 *   node node-server-main.js '{"keyPath":…,"certPath":…}'
 */
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { BODIES, DOWNLOADS, DOWNLOAD_PIECE, benchBody } from '../body.js';
import { nofileLimit } from '../fdlimit.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { keyPath?: string; certPath?: string };
/** Path → the body and its headers, built once. */
const answers = new Map(Object.entries(BODIES).map(([path, bytes]) => [path, {
  body: benchBody(bytes),
  headers: { 'content-length': String(bytes), 'content-type': 'application/octet-stream' },
}]));
const piece = benchBody(DOWNLOAD_PIECE);

/** `bytes` of body in pieces, each written once the last one has drained: the server never holds more than a piece. */
function download(res: http.ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-length': String(bytes), 'content-type': 'application/octet-stream' });
  let left = bytes;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, piece.length);
      left -= n;
      if (!res.write(n === piece.length ? piece : piece.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

const h1 = http.createServer((req, res) => {
  const a = answers.get(req.url ?? '');
  if (a === undefined) {
    const bytes = DOWNLOADS[req.url ?? ''];
    if (bytes !== undefined) return download(res, bytes);
    res.writeHead(404, { 'content-length': '0' }).end();
    return;
  }
  res.writeHead(200, a.headers).end(a.body);
});
// Idle keep-alive connections are the point of the c10k section: none of Node's timers may close them.
h1.keepAliveTimeout = 0;
h1.requestTimeout = 0;
h1.headersTimeout = 0;
h1.listen({ host: '127.0.0.1', port: 0, backlog: 16_384 });
await once(h1, 'listening');

let h2Port = 0;
if (args.keyPath && args.certPath) {
  const h2 = http2.createSecureServer({
    key: readFileSync(args.keyPath),
    cert: readFileSync(args.certPath),
    settings: { maxConcurrentStreams: 128 },
  });
  h2.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const a = answers.get(headers[':path'] ?? '');
    if (a === undefined) {
      stream.respond({ ':status': 404, 'content-length': '0' }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200, ...a.headers });
    stream.end(a.body);
  });
  h2.on('sessionError', () => {});
  h2.listen({ host: '127.0.0.1', port: 0, backlog: 1024 });
  await once(h2, 'listening');
  h2Port = (h2.address() as AddressInfo).port;
}

process.stdin.on('end', () => process.exit(0)).resume();
process.stdout.write(`READY ${JSON.stringify({ h1: (h1.address() as AddressInfo).port, h2: h2Port, nofile: nofileLimit() })}\n`);
