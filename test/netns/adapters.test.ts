import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { Agent, fetch } from 'undici';
import { Bed, BED } from '../helpers/bed.js';
import { makeCert, type TestCert } from '../helpers/cert.js';
import { hiperConnector, HiperAgent, HiperHttpsAgent, splitZone, type AdapterEgressOptions } from '../../src/adapters/index.js';
import type { ConnectTrace } from '../../src/connect/index.js';
import { get, pinned, runExample } from '../unit/adapters/servers.js';

/** The peer's servers: HTTP on 8080 and HTTPS on 8443, every address; each answers with the client's source address. */
function peerServers(cert: TestCert): string {
  return `
    import http from 'node:http';
    import https from 'node:https';
    import { readFileSync } from 'node:fs';
    const answer = (req, res) => res.end(req.socket.remoteAddress.replace(/^::ffff:/, '').replace(/%.*$/, ''));
    const tls = { key: readFileSync(${JSON.stringify(cert.keyPath)}), cert: readFileSync(${JSON.stringify(cert.certPath)}) };
    let up = 0;
    const ready = () => { if (++up === 2) console.log('ready'); };
    http.createServer(answer).listen(8080, '::', ready);
    https.createServer(tls, answer).listen(8443, '::', ready);`;
}

interface Case {
  what: string;
  url: string;
  egress: AdapterEgressOptions;
  /** The source address the peer must see. */
  source: string | (() => string);
  /** Addresses the trace must show as skipped. */
  skipped?: string[];
}

type Client = (url: string, egress: AdapterEgressOptions & { ca?: string }) => Promise<{ body: string; trace: ConnectTrace | undefined }>;

const viaUndici: Client = async (url, { ca, ...egress }) => {
  let trace: ConnectTrace | undefined;
  const dispatcher = new Agent({ connect: hiperConnector({ ...egress, ...(ca ? { tls: { ca } } : {}), onConnect: (t) => (trace = t) }) });
  try {
    const res = await fetch(url, { dispatcher });
    return { body: await res.text(), trace };
  } finally {
    await dispatcher.close();
  }
};

const viaNodeHttp: Client = async (url, egress) => {
  let trace: ConnectTrace | undefined;
  const secure = url.startsWith('https:');
  const agent = secure ? new HiperHttpsAgent({ ...egress, onConnect: (t) => (trace = t) }) : new HiperAgent({ ...egress, onConnect: (t) => (trace = t) });
  try {
    const { body } = await get(secure ? https : http, url, { agent });
    return { body, trace };
  } finally {
    agent.destroy();
  }
};

describe('adapters in the namespace bed', function () {
  let bed: Bed;
  let cert: TestCert;
  before(async () => {
    bed = await Bed.create();
    cert = makeCert(['peer.test', BED.p1.v4, BED.p1.v6, BED.p2.v4]);
    await bed.peerNode(peerServers(cert));
  });
  after(async () => {
    await bed?.close();
    cert?.cleanup();
  });

  const both = pinned(BED.p1.v6, BED.p1.v4);
  const cases: Case[] = [
    { what: 'if!h1 to the peer\'s IPv4 address', url: `http://${BED.p1.v4}:8080/`, egress: { interface: 'if!h1' }, source: BED.h1.v4 },
    { what: 'if!h1 to the peer\'s IPv6 address', url: `http://[${BED.p1.v6}]:8080/`, egress: { interface: 'if!h1' }, source: BED.h1.v6 },
    { what: 'if!h2 to the peer\'s address on p2', url: `http://${BED.p2.v4}:8080/`, egress: { interface: 'if!h2' }, source: BED.h2.v4 },
    { what: 'if!h1 to a name with both families: IPv6 first', url: 'http://peer.test:8080/', egress: { interface: 'if!h1', resolver: both }, source: BED.h1.v6 },
    { what: 'if!h2 to a name with both families (resolver): IPv6 skipped, IPv4 from h2', url: 'http://peer.test:8080/',
      egress: { interface: 'if!h2', resolver: both }, source: BED.h2.v4, skipped: [BED.p1.v6] },
    { what: 'if!h2 to a name with both families (pinned entry): IPv6 skipped, IPv4 from h2', url: 'http://peer.test:8080/',
      egress: { interface: 'if!h2', resolve: { pinned: [`peer.test:8080:[${BED.p1.v6}],${BED.p1.v4}`] } }, source: BED.h2.v4, skipped: [BED.p1.v6] },
    { what: 'https, if!h2 to a name with both families: IPv4 from h2, certificate checked against the name', url: 'https://peer.test:8443/',
      egress: { interface: 'if!h2', resolver: both }, source: BED.h2.v4, skipped: [BED.p1.v6] },
    { what: 'https, if!h1 to the peer\'s IPv6 address', url: `https://[${BED.p1.v6}]:8443/`, egress: { interface: 'if!h1' }, source: BED.h1.v6 },
    { what: 'link-local by the zone option', url: '', egress: { zone: 'h1' }, source: () => bed.linkLocal.h1 },
    { what: 'link-local by the interface', url: '', egress: { interface: 'if!h1' }, source: () => bed.linkLocal.h1 },
    { what: 'link-local by a connect-to mapping', url: 'http://peer.test:8080/', egress: {}, source: () => bed.linkLocal.h1 },
  ];

  for (const [name, client] of [['fetch with the undici connector', viaUndici], ['http.get / https.get with the hiper agents', viaNodeHttp]] as const) {
    describe(name, function () {
      for (const c of cases) {
        it(c.what, async () => {
          const egress: AdapterEgressOptions & { ca?: string } = { ...c.egress };
          let url = c.url;
          if (url === '') url = `http://[${bed.linkLocal.p1}]:8080/`;
          if (c.what.includes('connect-to')) egress.connectTo = [`peer.test:8080:[${bed.linkLocal.p1}%h1]:8080`];
          if (url.startsWith('https:')) egress.ca = cert.cert;
          const { body, trace } = await client(url, egress);
          const source = typeof c.source === 'function' ? c.source() : c.source;
          assert.equal(body, source);
          assert.ok(trace, 'onConnect saw the connection');
          assert.equal(trace.local.address.replace(/%.*/, ''), source);
          assert.deepEqual(trace.skips.map((s) => s.remote), c.skipped ?? []);
          if (url.startsWith('https:')) assert.ok(trace.tlsVersion);
        });
      }
    });
  }

  it('a zoned URL through splitZone and the zone option', async () => {
    const { url, zone } = splitZone(`http://[${bed.linkLocal.p1}%25h1]:8080/`);
    assert.equal(zone, 'h1');
    const { body } = await viaUndici(url, { zone: zone! });
    assert.equal(body, bed.linkLocal.h1);
  });

  it('a link-local address on the wrong interface is skipped with its reason: ERR_INTERFACE_NO_ADDRESS', async () => {
    await assert.rejects(viaNodeHttp(`http://[${bed.linkLocal.p1}]:8080/`, { interface: 'if!h2', zone: 'h1' }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'ERR_INTERFACE_NO_ADDRESS');
      return true;
    });
  });

  describe('examples/pin-fetch-egress', function () {
    it('pins fetch to h2 and falls back to IPv4, printing the skip', async () => {
      const { out, code } = await runExample(['http://peer.test:8080/', 'if!h2', '--resolve', `peer.test:8080:[${BED.p1.v6}],${BED.p1.v4}`]);
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`^connected from ${BED.h2.v4.replace(/\./g, '\\.')} port \\d+ to ${BED.p1.v4.replace(/\./g, '\\.')} port 8080`, 'm'));
      assert.match(out, new RegExp(`^skipped ${BED.p1.v6}: h2 has no IPv6 address`, 'm'));
      assert.match(out, new RegExp(`^status 200: ${BED.h2.v4.replace(/\./g, '\\.')}$`, 'm'));
    });

    it('takes a zoned URL', async () => {
      const { out, code } = await runExample([`http://[${bed.linkLocal.p1}%25h1]:8080/`]);
      assert.equal(code, 0, out);
      assert.match(out, /\(zone h1\)/);
      assert.match(out, new RegExp(`^status 200: ${bed.linkLocal.h1}$`, 'm'));
    });
  });
});
