/** The examples that need nothing but loopback, run as they are (the namespace ones are in test/netns). */
import assert from 'node:assert/strict';
import { example, runNode } from '../../helpers/cli.js';
import { useDohFixture } from '../resolve/doh-fixture.js';

describe('examples on loopback', function () {
  this.timeout(30_000);

  it('many-transfers: 30 pipelined transfers against its own server, each with its info', async () => {
    const r = await runNode(example('many-transfers'), []);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n').filter((l) => /^#\d+ 200 conn \d+ pos \d+/.test(l));
    assert.equal(lines.length, 30);
    assert.ok(lines.some((l) => / pos [1-9]/.test(l)), 'some were pipelined');
    assert.equal(r.err, '', 'no progress on a pipe');
  });

  describe('doh-pinned', () => {
    const doh = useDohFixture();

    it('resolves over DoH with the request leaving from the pinned interface (lo)', async () => {
      const before = doh.fixture.seen.length;
      const r = await runNode(example('doh-pinned'), ['www.hiper.test', doh.fixture.url, 'lo', '--cacert', doh.cert.certPath]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^198\.51\.100\.10 IPv4 ttl 30 \(doh\)$/m);
      assert.match(r.out, /^2001:db8::10 IPv6 ttl 30 \(doh\)$/m);
      assert.ok(doh.fixture.seen.slice(before).every((s) => s.remoteAddress.replace(/^::ffff:/, '') === '127.0.0.1'));
    });

    it('an interface that does not exist is an error naming it', async () => {
      const r = await runNode(example('doh-pinned'), ['www.hiper.test', doh.fixture.url, 'nope0', '--cacert', doh.cert.certPath]);
      assert.equal(r.code, 1);
      assert.match(r.err, /ERR_INTERFACE_NOT_FOUND.*nope0/);
    });
  });
});
