/**
 * A DoH server (node:https, dns-packet) for another process, such as the bed's peer namespace:
 * `serveDoh` answers a fixed zone on each of `hosts` (zoned link-local addresses included), prints
 * "ready", then one JSON line per query heard: { from, name, type }.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { answerFrom, readDohQuery, type Zone } from './dns-zone.js';

export interface DohPeerOptions {
  certPath: string;
  keyPath: string;
  /** Addresses to listen on ("192.0.2.43", "fe80::1%p1"). */
  hosts: string[];
  port: number;
  zone: Zone;
}

export async function serveDoh(o: DohPeerOptions): Promise<void> {
  const tls = { cert: readFileSync(o.certPath), key: readFileSync(o.keyPath) };
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    void readDohQuery(req).then((query) => {
      if (query === undefined) {
        res.writeHead(400).end();
        return;
      }
      const q = query.questions?.[0];
      console.log(JSON.stringify({ from: req.socket.remoteAddress, name: q?.name, type: q?.type }));
      res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answerFrom(o.zone, query));
    });
  };
  // A server per address (one listen each), all answering alike.
  for (const host of o.hosts) {
    const server = https.createServer(tls, answer).listen(o.port, host);
    await once(server, 'listening');
  }
  console.log('ready');
}
