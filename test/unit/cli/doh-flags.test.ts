/** --doh-url and the flags around it, as a table: where the DoH request leaves from, or the usage error. */
import assert from 'node:assert/strict';
import { EGRESS_FLAGS, DOH_EGRESS_FLAGS, FAMILY_FLAGS, JSON_FLAG, RESOLVE_FLAGS, TLS_FLAGS, isUsageError, parse } from '../../../src/cli/args.js';
import { egressOptions } from '../../../src/cli/connect-cmd.js';
import { dohPlan, multiDohEgress } from '../../../src/cli/doh.js';
import type { HttpsTransportOptions } from '../../../src/connect/index.js';
import { HiperError } from '../../../src/shared/index.js';

const URL_ = 'https://192.0.2.43/dns-query';

/** The DoH plan a command line gives: resolve's own flags, or connect's (get's are the same). */
function planOf(command: 'resolve' | 'connect', args: string[]): HttpsTransportOptions | undefined {
  if (command === 'resolve') {
    const { values } = parse(args, { ...JSON_FLAG, ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...DOH_EGRESS_FLAGS, ...TLS_FLAGS }, 'resolve');
    return dohPlan(values)?.transport;
  }
  const { values } = parse(args, { ...JSON_FLAG, ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...EGRESS_FLAGS, ...TLS_FLAGS }, 'connect');
  return dohPlan(values, egressOptions(values))?.transport;
}

describe('cli: --doh-url flag combinations', () => {
  const ok: Array<[string, 'resolve' | 'connect', string[], HttpsTransportOptions | undefined]> = [
    ['resolve: no --doh-url, no plan', 'resolve', [], undefined],
    ['resolve: --dns-interface alone is for DNS servers', 'resolve', ['--dns-interface', 'h1'], undefined],
    ['resolve: --strict alone is for DNS servers', 'resolve', ['--strict', '--dns-interface', 'h1'], undefined],
    ['resolve: --doh-url alone leaves where the kernel routes', 'resolve', ['--doh-url', URL_], {}],
    ['resolve: --interface is the DoH request\'s', 'resolve', ['--doh-url', URL_, '--interface', 'if!h1'], { interface: 'if!h1' }],
    ['resolve: --interface host!ADDR', 'resolve', ['--doh-url', URL_, '--interface', 'host!198.51.100.2'], { interface: 'host!198.51.100.2' }],
    ['resolve: --dns-interface NAME pins it as if!NAME', 'resolve', ['--doh-url', URL_, '--dns-interface', 'h1'], { interface: 'if!h1' }],
    ['resolve: --strict and -k apply to it', 'resolve', ['--doh-url', URL_, '--interface', 'if!h1', '--strict', '-k'], { interface: 'if!h1', strict: true, rejectUnauthorized: false }],
    ['connect: no --doh-url, no plan', 'connect', ['--interface', 'if!h1', '--dns-interface', 'h2'], undefined],
    ['connect: the DoH request follows --interface', 'connect', ['--doh-url', URL_, '--interface', 'if!h1'], { interface: 'if!h1' }],
    ['connect: --dns-interface says otherwise', 'connect', ['--doh-url', URL_, '--interface', 'if!h1', '--dns-interface', 'h2'], { interface: 'if!h2' }],
    ['connect: --strict, --connect-timeout and --happy-eyeballs-timeout-ms apply to it', 'connect',
      ['--doh-url', URL_, '--interface', 'h1', '--strict', '--connect-timeout', '2', '--happy-eyeballs-timeout-ms', '50'],
      { interface: 'h1', strict: true, connectTimeout: 2000, happyEyeballsDelay: 50 }],
    ['connect: -4 and --local-port stay the transfer\'s', 'connect', ['--doh-url', URL_, '-4', '--local-port', '4000-4010'], {}],
    ['connect: a failover list and --no-failback are the DoH request\'s too', 'connect',
      ['--doh-url', URL_, '--interface', 'if!h1', '--interface', 'if!h2', '--no-failback'], { interface: ['if!h1', 'if!h2'], failback: false }],
  ];
  for (const [what, command, args, expected] of ok) {
    it(what, () => assert.deepEqual(planOf(command, args), expected));
  }

  // get sends its DoH requests as transfers of its Multi: every part of the plan reaches them.
  const throughMulti: Array<[string, string[], ReturnType<typeof multiDohEgress>]> = [
    ['a failover list with --no-failback', ['--doh-url', URL_, '--interface', 'if!h1', '--interface', 'if!h2', '--no-failback'], { interface: ['if!h1', 'if!h2'], failback: false }],
    ['--dns-interface (no failback: not the transfer\'s list)', ['--doh-url', URL_, '--interface', 'if!h1', '--interface', 'if!h2', '--no-failback', '--dns-interface', 'h3'], { interface: 'if!h3' }],
    ['--strict, the connect timeout, the attempt delay and -k', ['--doh-url', URL_, '--interface', 'h1', '--strict', '--connect-timeout', '2', '--happy-eyeballs-timeout-ms', '50', '-k'],
      { interface: 'h1', strict: true, connectTimeout: 2000, happyEyeballsDelay: 50, tls: { rejectUnauthorized: false } }],
  ];
  for (const [what, args, expected] of throughMulti) {
    it(`get: the DoH transfers' egress: ${what}`, () => assert.deepEqual(multiDohEgress(planOf('connect', args)!), expected));
  }

  const refused: Array<[string, 'resolve' | 'connect', string[], string, RegExp]> = [
    ['resolve: --interface without --doh-url', 'resolve', ['--interface', 'if!h1'], '--interface', /applies to the DoH request/],
    ['resolve: -k without --doh-url', 'resolve', ['-k'], '--insecure', /applies to the DoH request/],
    ['resolve: --dns-interface and --interface both', 'resolve', ['--doh-url', URL_, '--dns-interface', 'h1', '--interface', 'if!h2'], '--dns-interface', /give one/],
    ['resolve: --dns-interface takes a name, not a spec', 'resolve', ['--doh-url', URL_, '--dns-interface', 'if!h1'], '--dns-interface', /takes an interface name/],
    ['resolve: --dns-servers with --doh-url', 'resolve', ['--doh-url', URL_, '--dns-servers', '198.51.100.1'], '--dns-servers', /does not go with --doh-url/],
    ['resolve: --dns-ipv4-addr with --doh-url', 'resolve', ['--doh-url', URL_, '--dns-ipv4-addr', '198.51.100.2'], '--dns-ipv4-addr', /does not go with --doh-url/],
    ['connect: --dns-ipv6-addr with --doh-url', 'connect', ['--doh-url', URL_, '--dns-ipv6-addr', '2001:db8:1::2'], '--dns-ipv6-addr', /does not go with --doh-url/],
    ['connect: --dns-interface "" with --doh-url', 'connect', ['--doh-url', URL_, '--dns-interface', ''], '--dns-interface', /takes an interface name/],
  ];
  for (const [what, command, args, flag, message] of refused) {
    it(`${what}: a usage error naming ${flag}`, () => {
      assert.throws(() => planOf(command, args), (e: unknown) => {
        assert.ok(e instanceof HiperError && isUsageError(e), String(e));
        assert.equal(e.input, flag);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
