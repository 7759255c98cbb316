import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Bed, BED, readLine } from '../helpers/bed.js';
import { if2ip, interfaceTable, openBoundSocket, parseZonedAddress, deviceBinding, type RemoteAddress } from '../../src/bind/index.js';
import { HiperError } from '../../src/shared/index.js';
import { needs } from '../helpers/needs.js';

function remote(text: string): RemoteAddress {
  const table = interfaceTable();
  const p = parseZonedAddress(text, table);
  return { address: p.address, family: p.family, scope: p.scope, ...(p.scopeId === undefined ? {} : { scopeId: p.scopeId }) };
}

describe('bind in the namespace bed', function () {
  let bed: Bed;
  before(async () => {
    bed = await Bed.create();
    await bed.whoami(8080);
  });
  after(async () => bed?.close());

  it('if2ip: the link without IPv6 and an IPv6 remote says "no address of that family", not a crash', () => {
    const r = if2ip(interfaceTable(), 'h2', remote(BED.p1.v6));
    assert.equal(r.status, 'no-family');
    assert.match((r as { reason: string }).reason, /^h2 has no IPv6 address usable for 2001:db8:1::1 \(only link-local\)$/);
  });

  it('if2ip: an IPv4 remote gets that link\'s IPv4 address', () => {
    const r = if2ip(interfaceTable(), 'h2', remote(BED.p1.v4));
    assert.equal(r.status === 'found' && r.local.address, BED.h2.v4);
  });

  it('if2ip: fe80::…%h1 gets h1\'s link-local address and scope id', () => {
    const table = interfaceTable();
    const r = if2ip(table, 'h1', remote(`${bed.linkLocal.p1}%h1`));
    assert.equal(r.status, 'found');
    assert.equal(r.status === 'found' && r.local.address, bed.linkLocal.h1);
    assert.equal(r.status === 'found' && r.scopeId, table.indexOf('h1'));
  });

  it('if2ip: a missing interface is not-found', () => {
    assert.equal(if2ip(interfaceTable(), 'h9', remote(BED.p1.v4)).status, 'not-found');
  });

  it('an unknown zone is an error naming it', () => {
    assert.throws(() => parseZonedAddress('fe80::1%h9', interfaceTable()), (e: unknown) => e instanceof HiperError && e.code === 'ERR_UNKNOWN_ZONE' && /h9/.test(e.message));
  });

  describe('device-bound sockets', function () {
    beforeEach(function () {
      needs(this, deviceBinding().available, `device binding addon unavailable: ${deviceBinding().reason}`);
    });

    async function sourceSeen(device: string, family: 4 | 6, host: string): Promise<string> {
      const s = openBoundSocket({ family, device });
      s.connect(8080, host);
      return readLine(s);
    }

    it('leaves by h1: the peer sees h1\'s address', async () => {
      assert.equal(await sourceSeen('h1', 4, BED.p1.v4), BED.h1.v4);
      assert.equal(await sourceSeen('h1', 6, BED.p1.v6), BED.h1.v6);
    });

    it('leaves by h2 even toward h1\'s subnet: the peer sees h2\'s address', async () => {
      assert.equal(await sourceSeen('h2', 4, BED.p1.v4), BED.h2.v4);
    });

    it('a destination only routable through h1 is unreachable from a socket bound to h2', async () => {
      const s = openBoundSocket({ family: 6, device: 'h2' });
      s.connect(8080, BED.p1.v6);
      const [err] = await once(s, 'error') as [NodeJS.ErrnoException];
      assert.equal(err.code, 'ENETUNREACH');
    });

    it('reaches a link-local peer through its zone', async () => {
      const table = interfaceTable();
      const s = openBoundSocket({ family: 6, device: 'h1', localAddress: bed.linkLocal.h1, scopeId: table.indexOf('h1')! });
      s.connect(8080, `${bed.linkLocal.p1}%h1`);
      assert.equal((await readLine(s)).replace(/%.*$/, ''), bed.linkLocal.h1);
    });

    it('a bound local address is the source the peer sees', async () => {
      const s = openBoundSocket({ family: 4, localAddress: BED.h1.v4 });
      s.connect(8080, BED.p1.v4);
      await once(s, 'connect');
      assert.equal(s.localAddress, BED.h1.v4);
      assert.equal(await readLine(s), BED.h1.v4);
    });
  });
});
