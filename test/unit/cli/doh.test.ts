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

  it('resolve --doh-url --interface if!lo --json: the DoH connection and how it left', async () => {
    const r = await runCli(['resolve', '--json', '-4', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, '--interface', 'if!lo', 'www.hiper.test']);
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as { addresses: Array<{ address: string }>; dohConnections: Array<Record<string, unknown>> };
    assert.deepEqual(o.addresses.map((a) => a.address), ['198.51.100.10']);
    assert.equal(o.dohConnections.length, 1);
    assert.equal(o.dohConnections[0]!.interface, 'lo');
    assert.equal(o.dohConnections[0]!.localAddress, '127.0.0.1');
    assert.match(String(o.dohConnections[0]!.bindMethod), /^(device|address)$/);
  });

  it('resolve --doh-url --dns-interface lo, in text: the doh line says how the request left', async () => {
    const r = await runCli(['resolve', '-4', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, '--dns-interface', 'lo', 'www.hiper.test']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\n  doh +127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ via lo \(bound to (device|address)\)\n/);
  });

  it('resolve --doh-url --interface of an interface that does not exist: 45', async () => {
    const r = await runCli(['resolve', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, '--interface', 'if!nope0', 'www.hiper.test']);
    assert.equal(r.code, 45, r.out + r.err);
    assert.match(r.err, /ERR_INTERFACE_NOT_FOUND.*nope0/);
  });

  it('bad combinations are usage errors naming the flag: 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['resolve', '--interface', 'if!lo', 'www.hiper.test'], /--interface applies to the DoH request/],
      [['resolve', '--doh-url', doh.fixture.url, '--dns-servers', '127.0.0.1', 'www.hiper.test'], /--dns-servers is for DNS servers/],
      [['connect', '--doh-url', doh.fixture.url, '--dns-ipv4-addr', '127.0.0.1', 'www.hiper.test', '80'], /--dns-ipv4-addr is for DNS servers/],
      [['get', '--doh-url', doh.fixture.url, '--dns-interface', 'if!lo', 'http://www.hiper.test/'], /--dns-interface takes an interface name/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
      assert.match(r.err, message);
    }
  });

  it('connect --doh-url --interface if!lo: the DoH request leaves through the transfer\'s interface', async () => {
    // A name the zone does not have: the lookup is all that happens.
    const r = await runCli(['connect', '--json', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, '--interface', 'if!lo', 'nothing.hiper.test', '80']);
    assert.equal(r.code, 6, r.err);
    const o = JSON.parse(r.out) as { error: { code: string }; dohConnections: Array<{ interface?: string }> };
    assert.equal(o.error.code, 'ERR_DNS_NOT_FOUND');
    assert.ok(o.dohConnections.length >= 1);
    assert.ok(o.dohConnections.every((c) => c.interface === 'lo'), JSON.stringify(o.dohConnections));
  });

  it('connect --doh-url --interface host!127.0.0.2 --dns-interface lo: --dns-interface pins the DoH request', async () => {
    const before = doh.fixture.seen.length;
    const r = await runCli(['connect', '--json', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, '--interface', 'host!127.0.0.2', '--dns-interface', 'lo', 'nothing.hiper.test', '80']);
    assert.equal(r.code, 6, r.err);
    const o = JSON.parse(r.out) as { dohConnections: Array<{ interface?: string }> };
    assert.ok(o.dohConnections.length >= 1 && o.dohConnections.every((c) => c.interface === 'lo'), JSON.stringify(o.dohConnections));
    assert.ok(doh.fixture.seen.slice(before).every((s) => s.remoteAddress.replace(/^::ffff:/, '') === '127.0.0.1'), 'not from the transfer\'s 127.0.0.2');
  });

  it('get --doh-url --dns-interface lo: the DoH transfers leave through lo', async () => {
    const before = doh.fixture.seen.length;
    const r = await runCli(['get', '--trace-json', '-', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, '--dns-interface', 'lo', 'http://nothing.hiper.test/']);
    assert.equal(r.code, 6, r.err);
    assert.ok(doh.fixture.seen.length > before, 'the DoH server was asked');
  });

  it('get --doh-url: the transfer\'s name is looked up over DoH through the Multi', async () => {
    const before = doh.fixture.seen.length;
    // A name the zone does not have: nothing is connected to but the DoH server itself.
    const r = await runCli(['get', '--trace-json', '-', '--doh-url', doh.fixture.url, '--cacert', doh.cert.certPath, 'http://nothing.hiper.test/']);
    assert.equal(r.code, 6, r.err);
    const o = JSON.parse(r.out) as { error: { code: string } };
    assert.equal(o.error.code, 'ERR_DNS_NOT_FOUND');
    assert.ok(doh.fixture.seen.slice(before).some((s) => s.query.questions?.[0]?.name === 'nothing.hiper.test'), 'the DoH server was asked');
  });
});
