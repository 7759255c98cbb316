/** The examples that need nothing but loopback, run as they are (the namespace ones are in test/netns). */
import assert from 'node:assert/strict';
import { makeCert, type TestCert } from '../../helpers/cert.js';
import { example, runNode } from '../../helpers/cli.js';
import { DohFixture } from '../resolve/doh-fixture.js';

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
    let cert: TestCert;
    let fixture: DohFixture;
    before(async () => {
      cert = makeCert();
      fixture = await DohFixture.start(cert);
    });
    after(async () => {
      await fixture.close();
      cert.cleanup();
    });

    it('resolves over DoH with the request leaving from the pinned interface (lo)', async () => {
      const before = fixture.seen.length;
      const r = await runNode(example('doh-pinned'), ['www.hiper.test', fixture.url, 'lo', '--cacert', cert.certPath]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^198\.51\.100\.10 IPv4 ttl 30 \(doh\)$/m);
      assert.match(r.out, /^2001:db8::10 IPv6 ttl 30 \(doh\)$/m);
      assert.ok(fixture.seen.slice(before).every((s) => s.remoteAddress.replace(/^::ffff:/, '') === '127.0.0.1'));
    });

    it('an interface that does not exist is an error naming it', async () => {
      const r = await runNode(example('doh-pinned'), ['www.hiper.test', fixture.url, 'nope0', '--cacert', cert.certPath]);
      assert.equal(r.code, 1);
      assert.match(r.err, /ERR_INTERFACE_NOT_FOUND.*nope0/);
    });
  });
});
