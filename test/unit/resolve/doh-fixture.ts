/** A small DoH server on loopback for tests: answers a fixed zone, and misbehaves on request by name. */
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type dnsPacket from 'dns-packet';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { answerFrom, readDohQuery, type Zone } from '../../helpers/dns-zone.js';

export interface SeenRequest {
  method: string;
  url: string;
  contentType?: string;
  remoteAddress: string;
  query: dnsPacket.Packet;
}

const ZONE: Zone = {
  'www.hiper.test': { A: ['198.51.100.10'], AAAA: ['2001:db8::10'] },
  'v4only.hiper.test': { A: ['198.51.100.11'] },
  'alias.hiper.test': { CNAME: 'www.hiper.test' },
};

const answer = (q: dnsPacket.Packet): Buffer => answerFrom(ZONE, q);

export class DohFixture {
  readonly seen: SeenRequest[] = [];
  /** Connections the server closed or saw closed. */
  closedConnections = 0;
  private constructor(readonly server: https.Server, readonly url: string) {}

  static async start(cert: TestCert, host = '127.0.0.1'): Promise<DohFixture> {
    const server = https.createServer({ key: cert.key, cert: cert.cert });
    server.listen(0, host);
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const fixture = new DohFixture(server, `https://${host.includes(':') ? `[${host}]` : host}:${port}/dns-query`);
    server.on('connection', (s) => s.on('close', () => { fixture.closedConnections++; }));
    server.on('request', (req, res) => {
      void readDohQuery(req).then((query) => {
        if (query === undefined) {
          res.writeHead(400).end();
          return;
        }
        fixture.seen.push({ method: req.method!, url: req.url!, ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}), remoteAddress: req.socket.remoteAddress!, query });
        const name = query.questions?.[0]?.name ?? '';
        switch (name) {
          case 'html.hiper.test':
            res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
            return;
          case 'status.hiper.test':
            res.writeHead(502, { 'content-type': 'application/dns-message' }).end();
            return;
          case 'big.hiper.test':
            res.writeHead(200, { 'content-type': 'application/dns-message' });
            res.end(Buffer.alloc(70_000));
            return;
          case 'chunked-big.hiper.test':
            res.writeHead(200, { 'content-type': 'application/dns-message' });
            for (let i = 0; i < 10; i++) res.write(Buffer.alloc(10_000));
            res.end();
            return;
          case 'cut.hiper.test':
            res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': '500' });
            res.write(Buffer.alloc(20));
            setImmediate(() => req.socket.destroy());
            return;
          case 'truncated.hiper.test': {
            const b = answer(query);
            b[2]! |= 0x02;
            res.writeHead(200, { 'content-type': 'application/dns-message' }).end(b);
            return;
          }
          case 'hang.hiper.test':
            return;
          default:
            res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answer(query));
        }
      });
    });
    return fixture;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** A DoH fixture with a certificate of its own for the enclosing suite: before() starts it, after() stops it. */
export function useDohFixture(): { cert: TestCert; fixture: DohFixture } {
  const box = {} as { cert: TestCert; fixture: DohFixture };
  before(async () => {
    box.cert = makeCert();
    box.fixture = await DohFixture.start(box.cert);
  });
  after(async () => {
    await box.fixture?.close();
    box.cert?.cleanup();
  });
  return box;
}
