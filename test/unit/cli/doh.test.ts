/** --doh-url from the command line, against the loopback DoH fixture (www.hiper.test and friends). */
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';
import { useDohFixture } from '../resolve/doh-fixture.js';

describe('hiper command with DNS-over-HTTPS', function () {
  this.timeout(30_000);
  const doh = useDohFixture();

  it('resolve --doh-url --cacert: the addresses come from DoH, with their TTL', async () => {
    const r = await runCli(['resolve', '--json', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, 'www.hiper.test']);
    assert.equal(r.code, 0, r.err);
    const { addresses } = JSON.parse(r.out) as { addresses: Array<{ address: string; source: string; ttl: number }> };
    assert.deepEqual(addresses.map((a) => [a.address, a.source, a.ttl]).sort(), [['198.51.100.10', 'doh', 30], ['2001:db8::10', 'doh', 30]]);
  });

  it('resolve --doh-url of a name that does not exist: 6', async () => {
    const r = await runCli(['resolve', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, 'nothing.hiper.test']);
    assert.equal(r.code, 6, r.out + r.err);
    assert.match(r.err, /ERR_DNS_NOT_FOUND/);
  });

  it('resolve --doh-url without the CA: the DoH server\'s certificate is refused (35)', async () => {
    const r = await runCli(['resolve', '--doh-url', doh.fixture.url, 'www.hiper.test']);
    assert.equal(r.code, 35, r.out + r.err);
    assert.match(r.err, /ERR_TLS/);
  });

  it('get --doh-url: the transfer\'s name is looked up over DoH through the Multi', async () => {
    const before = doh.fixture.seen.length;
    // A name the zone does not have: nothing is connected to but the DoH server itself.
    const r = await runCli(['get', '--json', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, 'http://nothing.hiper.test/']);
    assert.equal(r.code, 6, r.err);
    const o = JSON.parse(r.out) as { error: { code: string } };
    assert.equal(o.error.code, 'ERR_DNS_NOT_FOUND');
    assert.ok(doh.fixture.seen.slice(before).some((s) => s.query.questions?.[0]?.name === 'nothing.hiper.test'), 'the DoH server was asked');
  });
});
