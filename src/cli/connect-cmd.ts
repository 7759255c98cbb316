/**
 * `hiper connect HOST PORT`: the plan, every attempt and skip with its reason, and the winner; exits
 * non-zero (curl's code) when no attempt succeeds. --json: { ok: true, trace } or { ok: false, error }
 * where error carries code, message, input, attempts and skips; with --doh-url also dohConnections, the
 * connection each DoH request went over (through --interface, or the device --dns-interface names).
 */
import { connect, type ConnectOptions, type EgressOptions } from '../connect/index.js';
import type { DohConnectionInfo } from '../resolve/index.js';
import { EGRESS_FLAGS, FAMILY_FLAGS, JSON_FLAG, RESOLVE_FLAGS, TLS_FLAGS, family, flag, list, num, parse, resolveOptions, str, usageError, type Values } from './args.js';
import { ADDRESS_SELECTION_FLAGS, addressSelectionOptions } from './address-selection.js';
import { dohLine, dohPlan, withDoh } from './doh.js';
import { errorJson, errorLines, exitCodeOf, stdio, traceLines, type Io } from './format.js';
import { CONNECT_USAGE } from './usage.js';
import { interfaceFlagOptions } from './interface-flags.js';
import { sourcePoolFlagOptions } from './source-pool-flags.js';
import { socketFlagOptions } from './socket-flags.js';

/** connect's egress vocabulary as the flags set it, and --connect-timeout. */
type EgressFlags = EgressOptions & Pick<ConnectOptions, 'timeout'>;

/** Connect options from the egress flags (shared with get). */
export function egressOptions(values: Values): EgressFlags {
  const o: EgressFlags = { ...interfaceFlagOptions(values), ...sourcePoolFlagOptions(values), ...socketFlagOptions(values) };
  const localPort = str(values, 'local-port');
  if (localPort !== undefined) o.localPort = localPort;
  const fam = family(values);
  if (fam !== 'any') o.family = fam;
  const delay = num(values, 'happy-eyeballs-timeout-ms', 'int>=0');
  if (delay !== undefined) o.happyEyeballsDelay = delay;
  const timeout = num(values, 'connect-timeout', 'seconds');
  if (timeout !== undefined) o.timeout = timeout * 1000;
  if (flag(values, 'strict')) o.strict = true;
  const connectTo = list(values, 'connect-to');
  if (connectTo.length > 0) o.connectTo = connectTo;
  return o;
}

export async function connectCommand(args: string[], io: Io = stdio): Promise<number> {
  const { values, positionals } = parse(args, { ...JSON_FLAG, ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...EGRESS_FLAGS, ...TLS_FLAGS, ...ADDRESS_SELECTION_FLAGS }, 'connect');
  if (positionals.length !== 2) throw usageError('HOST', `usage: hiper ${CONNECT_USAGE}`);
  const [host, portText] = positionals as [string, string];
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usageError('PORT', `PORT must be 1-65535, got "${portText}"`);
  const egress = egressOptions(values);
  const plan = dohPlan(values, egress);
  const dohConnections: DohConnectionInfo[] = [];
  const resolve = withDoh({ ...resolveOptions(values), ...addressSelectionOptions(values), ...(egress.family ? { family: egress.family } : {}) }, plan, dohConnections);
  const json = flag(values, 'json');
  const doh = plan ? { dohConnections } : {};
  try {
    const { socket, trace } = await connect({ host, port, ...egress, resolve });
    socket.destroy();
    if (json) io.out.write(JSON.stringify({ ok: true, trace, ...doh }, null, 2) + '\n');
    else {
      // The DoH requests under the lookup's line, before the addresses they gave.
      const lines = traceLines(trace);
      lines.splice(1, 0, ...dohConnections.map(dohLine));
      for (const l of lines) io.out.write(l + '\n');
    }
    return 0;
  } catch (err) {
    if (json) io.out.write(JSON.stringify({ ok: false, host, port, error: errorJson(err), ...doh }, null, 2) + '\n');
    else for (const l of [...errorLines(err), ...dohConnections.map(dohLine)]) io.err.write(`hiper: ${l}\n`);
    return exitCodeOf(err);
  }
}
