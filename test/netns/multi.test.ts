/** The multi layer in the namespace bed: transfers leave from the pinned interface, and egresses are never shared. */
import assert from 'node:assert/strict';
import { Bed, BED } from '../helpers/bed.js';
import { Multi } from '../../src/multi/index.js';
import { deviceBinding } from '../../src/bind/index.js';
import { pinned } from '../unit/adapters/servers.js';

/** The peer's HTTP server on 8080: answers every request with the client's source address. */
const WHOAMI_HTTP = `
  import http from 'node:http';
  http.createServer((req, res) => res.end(req.socket.remoteAddress.replace(/^::ffff:/, '').replace(/%.*$/, '')))
    .listen(8080, '::', () => console.log('ready'));`;

describe('multi in the namespace bed', function () {
  this.timeout(20_000);
  let bed: Bed;
  before(async () => {
    bed = await Bed.create();
    await bed.peerNode(WHOAMI_HTTP);
  });
  after(() => bed?.close());

  it('if!h2 to a name with both families: the IPv6 address is skipped (bug 1189), IPv4 leaves from h2', async () => {
    const multi = new Multi({ resolver: pinned(BED.p1.v6, BED.p1.v4) });
    const r = await multi.add({ url: 'http://peer.test:8080/', interface: 'if!h2' }).done;
    assert.equal(String(r.body), BED.h2.v4);
    assert.equal(r.info.interface, 'h2');
    assert.equal(r.info.bindMethod, deviceBinding().available ? 'device' : 'address');
    assert.deepEqual(r.info.connectTrace!.skips.map((s) => s.remote), [BED.p1.v6]);
    await multi.close();
  });

  it('transfers pinned to different interfaces never share a connection, even with pipelining', async () => {
    const multi = new Multi({ pipelining: true, maxPipelineLength: 10 });
    const url = `http://${BED.p1.v4}:8080/`;
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => multi.add({ url, interface: 'if!h1' }).done),
      ...Array.from({ length: 5 }, () => multi.add({ url, interface: 'if!h2' }).done),
    ]);
    assert.deepEqual(results.map((r) => String(r.body)), [...Array(5).fill(BED.h1.v4), ...Array(5).fill(BED.h2.v4)]);
    const byInterface = new Map<string, Set<number>>();
    for (const r of results) byInterface.set(r.info.interface!, (byInterface.get(r.info.interface!) ?? new Set()).add(r.info.connectionId!));
    assert.equal(byInterface.get('h1')!.size, 1);
    assert.equal(byInterface.get('h2')!.size, 1);
    assert.notDeepEqual([...byInterface.get('h1')!], [...byInterface.get('h2')!]);
    assert.equal(multi.stats().connectionsOpened, 2);
    await multi.close();
  });

  it('a link-local URL with a zone id reaches the peer through that interface', async () => {
    const multi = new Multi();
    const r = await multi.add({ url: `http://[${bed.linkLocal.p1}%25h1]:8080/` }).done;
    assert.equal(String(r.body), bed.linkLocal.h1);
    assert.equal(r.info.remote!.address, bed.linkLocal.p1);
    await multi.close();
  });
});
