/**
 * The servers README.md's examples talk to, at the fixed loopback places the README names:
 *
 *   http://localhost:8080/    HTTP/1.1 on [::]:8080 (IPv4 and IPv6)
 *   https://localhost:8443/   HTTP/2 and HTTP/1.1 over TLS on [::]:8443; /dns-query answers DoH (RFC 8484)
 *   127.0.0.1:5353            DNS over UDP and TCP
 *
 * Every HTTP request is answered with the address it came from, one line; /status/NNN answers with that
 * status; /bytes/N answers N bytes of "x"; /upload reads the request body and answers its size and
 * framing ("N bytes, chunked" or "N bytes, content-length"). The DNS answers come from README_ZONE. The ports are fixed, so this runs only in a network
 * namespace of its own (readme-runner.ts).
 */
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { TestDnsServer } from './dns-server.js';
import { answerFrom, readDohQuery, type Zone } from './dns-zone.js';

export const README_ZONE: Zone = { 'example.test': { A: ['127.0.0.1'], AAAA: ['::1'] } };
export const README_PORTS = { http: 8080, https: 8443, dns: 5353 } as const;

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

function whoAmI(req: Request, res: Response): void {
  const bytes = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  if (bytes) {
    (res as http.ServerResponse).writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes[1] });
    res.end(Buffer.alloc(Number(bytes[1]), 'x'));
    return;
  }
  if (req.url === '/upload') {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end(`${n} bytes, ${req.headers['content-length'] !== undefined ? 'content-length' : 'chunked'}\n`));
    return;
  }
  const status = Number(/^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1] ?? 200);
  (res as http.ServerResponse).writeHead(status, { 'content-type': 'text/plain' });
  res.end(`${req.socket.remoteAddress?.replace(/^::ffff:/, '')}\n`);
}

/** RFC 8484: the query as ?dns= (GET, base64url) or as the body (POST), the answer as application/dns-message. */
function doh(req: Request, res: Response): void {
  void readDohQuery(req).then((query) => {
    if (query === undefined) (res as http.ServerResponse).writeHead(400).end();
    else (res as http.ServerResponse).writeHead(200, { 'content-type': 'application/dns-message' }).end(answerFrom(README_ZONE, query));
  });
}

export interface ReadmeServers {
  close(): Promise<void>;
}

export async function startReadmeServers(tls: { key: string; cert: string }): Promise<ReadmeServers> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const plain = http.createServer(whoAmI).on('connection', track);
  const secure = http2.createSecureServer({ ...tls, allowHTTP1: true }, (req, res) => (req.url?.startsWith('/dns-query') ? doh : whoAmI)(req, res))
    .on('connection', track);
  // The same answers as the DoH endpoint, over UDP and TCP.
  const dns = await TestDnsServer.start({ host: '127.0.0.1', port: README_PORTS.dns, respond: (heard, r) => r.reply(answerFrom(README_ZONE, heard.packet)) });

  // '::' listens on IPv4 too (dual stack), so localhost answers whichever address it resolves to.
  plain.listen(README_PORTS.http, '::');
  secure.listen(README_PORTS.https, '::');
  await Promise.all([once(plain, 'listening'), once(secure, 'listening')]);

  return {
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise((r) => plain.close(r)),
        new Promise((r) => secure.close(r)),
        dns.close(),
      ]);
    },
  };
}
