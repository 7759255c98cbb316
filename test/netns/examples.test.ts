/** The examples that show interface behaviour, run as they are in the namespace bed. */
import assert from 'node:assert/strict';
import { Bed, BED } from '../helpers/bed.js';
import { example, runNode } from '../helpers/cli.js';

describe('examples in the namespace bed', function () {
  this.timeout(30_000);
  let bed: Bed;
  before(async () => {
    bed = await Bed.create();
    await bed.whoamiHttp();
  });
  after(() => bed?.close());

  it('health-check: one target through every interface; h2 falls back to IPv4, lo cannot reach it', async () => {
    const r = await runNode(example('health-check'), ['http://peer.test:8080/', '--resolve', `peer.test:8080:[${BED.p1.v6}],${BED.p1.v4}`, '--timeout', '500']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^h1: ok 200 from ${BED.h1.v6} `, 'm'));
    assert.match(r.out, new RegExp(`^h2: ok 200 from ${BED.h2.v4.replace(/\./g, '\\.')} .*skipped ${BED.p1.v6}: h2 has no IPv6 address`, 'm'));
    assert.match(r.out, /^lo: failed ERR_/m);
  });

  it('link-local: a zoned URL leaves through the zone\'s interface', async () => {
    const r = await runNode(example('link-local'), [`http://[${bed.linkLocal.p1}%25h1]:8080/`]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^200 from \\[${bed.linkLocal.h1}(%h1)?\\]:\\d+ .* to \\[${bed.linkLocal.p1}\\]:8080`, 'm'));
  });
});
