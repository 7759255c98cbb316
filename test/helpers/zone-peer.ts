/**
 * An HTTPS server for another process (the peer namespace) that shows what a client sent about the
 * host it asked for: each request is printed as one JSON line { path, host, servername, from }, where
 * `host` is the Host header (or :authority) and `servername` the TLS SNI (false when none was sent).
 * /dns-query answers DoH queries from a zone; any other path answers with that same JSON.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { answerFrom, readDohQuery, type Zone } from './dns-zone.js';

export interface SeenRequest {
  path: string;
  host: string | undefined;
  servername: string | false;
  from: string | undefined;
}

export interface ZonePeerOptions {
  certPath: string;
  keyPath: string;
  /** "fe80::1%r1" */
  host: string;
  port: number;
  zone: Zone;
}

export async function serveZonePeer(o: ZonePeerOptions): Promise<void> {
  const tls = { cert: readFileSync(o.certPath), key: readFileSync(o.keyPath) };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://x');
    const seen: SeenRequest = { path: url.pathname, host: req.headers.host, servername: (req.socket as TLSSocket).servername ?? false, from: req.socket.remoteAddress };
    console.log(JSON.stringify(seen));
    if (url.pathname !== '/dns-query') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
      return;
    }
    void readDohQuery(req).then((query) => {
      if (query === undefined) res.writeHead(400).end();
      else res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answerFrom(o.zone, query));
    });
  };
  const server = https.createServer(tls, handle).listen(o.port, o.host);
  await once(server, 'listening');
  console.log('ready');
}
