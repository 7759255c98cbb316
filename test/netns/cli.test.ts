/** The `hiper` command in the namespace bed: pinned egress, the bug-1189 fallback, as a user sees it. */
import assert from 'node:assert/strict';
import { Bed, BED } from '../helpers/bed.js';
import { runCli } from '../helpers/cli.js';

describe('hiper command in the namespace bed', function () {
  this.timeout(30_000);
  let bed: Bed;
  const pin = `peer.test:8080:[${BED.p1.v6}],${BED.p1.v4}`;

  before(async () => {
    bed = await Bed.create();
    await bed.whoamiHttp();
  });
  after(() => bed?.close());

  it('connect --interface if!h2 --json: the IPv6 address skipped with its reason, IPv4 from h2', async () => {
    const r = await runCli(['connect', '--json', '--interface', 'if!h2', '--resolve', pin, 'peer.test', '8080']);
    assert.equal(r.code, 0, r.err);
    const { trace } = JSON.parse(r.out) as { trace: { skips: Array<{ remote: string; code: string; reason: string }>; local: { address: string }; interface: string } };
    assert.deepEqual(trace.skips.map((s) => [s.remote, s.code]), [[BED.p1.v6, 'no-family']]);
    assert.match(trace.skips[0]!.reason, /h2 has no IPv6 address/);
    assert.equal(trace.local.address, BED.h2.v4);
    assert.equal(trace.interface, 'h2');
  });

  it('connect --interface if!h2 in text: the skip line and the winner', async () => {
    const r = await runCli(['connect', '--interface', 'if!h2', '--resolve', pin, 'peer.test', '8080']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`skip +${BED.p1.v6.replace(/:/g, ':')} +h2 has no IPv6 address`));
    assert.match(r.out, new RegExp(`connected ${BED.h2.v4.replace(/\./g, '\\.')}:\\d+ -> ${BED.p1.v4.replace(/\./g, '\\.')}:8080 via h2`));
  });

  it('get --interface: the peer sees the pinned interface\'s address; -w tells the binding', async () => {
    for (const [spec, source] of [['if!h1', BED.h1.v6], ['if!h2', BED.h2.v4]] as const) {
      const r = await runCli(['get', '--interface', spec, '--resolve', pin, '-w', ' %{local_ip} %{interface} %{bind_method}', 'http://peer.test:8080/']);
      assert.equal(r.code, 0, r.err);
      const [body, local, iface, method] = r.out.split(' ');
      assert.equal(body, source);
      assert.equal(local, source);
      assert.equal(iface, spec.slice(3));
      assert.match(method!, /^(device|address)$/);
    }
  });

  it('get --trace-json - through h2: the info carries the connect trace with the skip', async () => {
    const r = await runCli(['get', '--trace-json', '-', '-o', '/dev/null', '--interface', 'if!h2', '--resolve', pin, 'http://peer.test:8080/']);
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as { status: number; info: { local: { address: string }; connectTrace: { skips: Array<{ remote: string }> } } };
    assert.equal(o.status, 200);
    assert.equal(o.info.local.address, BED.h2.v4);
    assert.deepEqual(o.info.connectTrace.skips.map((s) => s.remote), [BED.p1.v6]);
  });

  it('get -v --interface if!h2: the skip and the attempt from h2 said as they happen, then the request', async () => {
    const r = await runCli(['get', '-v', '-o', '/dev/null', '--interface', 'if!h2', '--resolve', pin, 'http://peer.test:8080/']);
    assert.equal(r.code, 0, r.err);
    const dots = (a: string): string => a.replace(/\./g, '\\.');
    assert.match(r.err, new RegExp(`^\\* skip ${BED.p1.v6}: h2 has no IPv6 address[^\\n]* \\(no-family\\)\\n`
      + `\\* {3}Trying ${dots(BED.p1.v4)}:8080 from ${dots(BED.h2.v4)} via h2 \\((device|address)\\)\\.\\.\\.\\n`
      + `\\* Connected to peer\\.test \\(${dots(BED.p1.v4)}\\) port 8080 from ${dots(BED.h2.v4)}:\\d+ via h2 \\(bound to (device|address)[^\\n]*\\)\\n> GET / HTTP/1\\.1\\n`));
  });

  it('connect with -6 --interface if!h2: nothing the interface can serve: 45, the skip listed', async () => {
    const r = await runCli(['connect', '-6', '--interface', 'if!h2', '--resolve', pin, 'peer.test', '8080']);
    assert.equal(r.code, 45, r.out + r.err);
    assert.match(r.err, /ERR_INTERFACE_NO_ADDRESS[^]*skip +2001:db8:1::1/);
  });
});
