/**
 * `hiper resolve HOST`: the ordered address list src/connect would try, with each address's source and
 * TTL. --json: { host, family, elapsedMs, addresses: [{ address, family, scopeId?, ttl?, source }],
 * dohConnections? } — with --doh-url, the connection each DoH request went over and how it left.
 */
import { resolve, type DohConnectionInfo } from '../resolve/index.js';
import { DOH_EGRESS_FLAGS, FAMILY_FLAGS, JSON_FLAG, RESOLVE_FLAGS, TLS_FLAGS, family, flag, parse, resolveOptions, usageError } from './args.js';
import { ADDRESS_SELECTION_FLAGS, addressSelectionOptions } from './address-selection.js';
import { dohLine, dohPlan, withDoh } from './doh.js';
import { addressLine, errorJson, errorLines, exitCodeOf, ms, stdio, type Io } from './format.js';
import { RESOLVE_USAGE } from './usage.js';

export async function resolveCommand(args: string[], io: Io = stdio): Promise<number> {
  const { values, positionals } = parse(args, { ...JSON_FLAG, ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...DOH_EGRESS_FLAGS, ...TLS_FLAGS, ...ADDRESS_SELECTION_FLAGS }, 'resolve');
  if (positionals.length !== 1) throw usageError('HOST', `usage: hiper ${RESOLVE_USAGE}`);
  if (values['connect-to'] !== undefined) throw usageError('--connect-to', '--connect-to applies to connect and get, not resolve');
  const host = positionals[0]!;
  const fam = family(values);
  const plan = dohPlan(values);
  const dohConnections: DohConnectionInfo[] = [];
  // --strict: for the DoH connection with --doh-url (in the plan), else for the DNS servers' queries.
  const strict = plan === undefined && flag(values, 'strict') ? { strict: true } : {};
  const options = withDoh({ ...resolveOptions(values), ...addressSelectionOptions(values), family: fam, ...strict }, plan, dohConnections);
  const json = flag(values, 'json');
  const doh = plan ? { dohConnections } : {};
  const started = performance.now();
  try {
    const addresses = await resolve(host, options);
    const elapsedMs = performance.now() - started;
    if (json) {
      io.out.write(JSON.stringify({ host, family: fam, elapsedMs, addresses, ...doh }, null, 2) + '\n');
    } else {
      io.out.write(`${host}: ${addresses.length} address${addresses.length === 1 ? '' : 'es'} in ${ms(elapsedMs)}, in the order connect tries them\n`);
      addresses.forEach((a, i) => io.out.write(addressLine(a, i) + '\n'));
      for (const c of dohConnections) io.out.write(dohLine(c) + '\n');
    }
    return 0;
  } catch (err) {
    if (json) io.out.write(JSON.stringify({ host, family: fam, error: errorJson(err), ...doh }, null, 2) + '\n');
    else for (const l of [...errorLines(err), ...dohConnections.map(dohLine)]) io.err.write(`hiper: ${l}\n`);
    return exitCodeOf(err);
  }
}
