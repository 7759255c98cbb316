/**
 * `hiper resolve HOST`: the ordered address list src/connect would try, with each address's source and
 * TTL. --json: { host, family, elapsedMs, addresses: [{ address, family, scopeId?, ttl?, source }] }.
 */
import { resolve, httpsTransport, type ResolveOptions } from '../resolve/index.js';
import { FAMILY_FLAGS, JSON_FLAG, RESOLVE_FLAGS, TLS_FLAGS, family, flag, parse, resolveOptions, str, tlsOptions, usageError, type Values } from './args.js';
import { addressLine, errorJson, errorLines, exitCodeOf, ms, stdio, type Io } from './format.js';

export const RESOLVE_USAGE = 'resolve HOST [-4|-6] [--dns-servers LIST] [--dns-interface IF] [--dns-ipv4-addr A] [--dns-ipv6-addr A] [--doh-url URL [--cacert FILE] [-k]] [--resolve H:P:A[,A]] [--json]';

/** --doh-url for commands without a Multi: the requests leave from --dns-interface when given. */
export function withDoh(o: ResolveOptions, values: Values): ResolveOptions {
  const url = str(values, 'doh-url');
  if (url === undefined) return o;
  const transport = httpsTransport({ ...tlsOptions(values), ...(o.dnsInterface !== undefined ? { interface: o.dnsInterface } : {}) });
  return { ...o, doh: { url, transport } };
}

export async function resolveCommand(args: string[], io: Io = stdio): Promise<number> {
  const { values, positionals } = parse(args, { ...JSON_FLAG, ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...TLS_FLAGS }, 'resolve');
  if (positionals.length !== 1) throw usageError('HOST', `usage: hiper ${RESOLVE_USAGE}`);
  if (values['connect-to'] !== undefined) throw usageError('--connect-to', '--connect-to applies to connect and get, not resolve');
  const host = positionals[0]!;
  const fam = family(values);
  const options = withDoh({ ...resolveOptions(values), family: fam }, values);
  const json = flag(values, 'json');
  const started = performance.now();
  try {
    const addresses = await resolve(host, options);
    const elapsedMs = performance.now() - started;
    if (json) {
      io.out.write(JSON.stringify({ host, family: fam, elapsedMs, addresses }, null, 2) + '\n');
    } else {
      io.out.write(`${host}: ${addresses.length} address${addresses.length === 1 ? '' : 'es'} in ${ms(elapsedMs)}, in the order connect tries them\n`);
      addresses.forEach((a, i) => io.out.write(addressLine(a, i) + '\n'));
    }
    return 0;
  } catch (err) {
    if (json) io.out.write(JSON.stringify({ host, family: fam, error: errorJson(err) }, null, 2) + '\n');
    else for (const l of errorLines(err)) io.err.write(`hiper: ${l}\n`);
    return exitCodeOf(err);
  }
}
