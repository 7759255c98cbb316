/**
 * --fwmark, --ip-tos, --vlan-priority, --tcp-user-timeout, --keepalive-time, --keepalive-cnt: socket
 * options set before connect. --keepalive-time and --keepalive-cnt are curl's (the time sets both the
 * idle time and the interval between probes, in seconds); the others are hiper's. --fwmark and
 * --ip-tos take decimal or 0x hex, as `ip rule` and DSCP tables write them.
 */
import type { EgressOptions, KeepAliveOptions, SocketOptions } from '../connect/index.js';
import { str, usageError, type Values } from './args.js';

/** An integer flag in [min, max]: decimal, or 0x hex when `hex`. */
function integerFlag(values: Values, name: string, min: number, max: number, hex = false): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const ok = /^\d+$/.test(raw) || (hex && /^0x[0-9a-f]+$/i.test(raw));
  const n = ok ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`--${name}`, `--${name} expects an integer ${min}-${max}${hex ? ' (decimal or 0x hex)' : ''}, got "${raw}"`);
  }
  return n;
}

export function socketFlagOptions(values: Values): Pick<EgressOptions, 'socketOptions'> {
  const o: SocketOptions = {};
  const fwmark = integerFlag(values, 'fwmark', 0, 0xffff_ffff, true);
  if (fwmark !== undefined) o.fwmark = fwmark;
  const tos = integerFlag(values, 'ip-tos', 0, 255, true);
  if (tos !== undefined) {
    // The two low bits are ECN, which TCP sets itself.
    if ((tos & 3) !== 0) throw usageError('--ip-tos', `--ip-tos takes the DSCP bits of the TOS byte (the two low ECN bits clear, e.g. 0x10 or 0xb8), got "${str(values, 'ip-tos')}"`);
    o.tos = tos;
  }
  const priority = integerFlag(values, 'vlan-priority', 0, 7);
  if (priority !== undefined) o.priority = priority;
  const userTimeout = integerFlag(values, 'tcp-user-timeout', 0, 0x7fff_ffff);
  if (userTimeout !== undefined) o.tcpUserTimeout = userTimeout;
  const keepAlive: KeepAliveOptions = {};
  const time = integerFlag(values, 'keepalive-time', 1, 32767);
  if (time !== undefined) keepAlive.idle = keepAlive.interval = time * 1000;
  const count = integerFlag(values, 'keepalive-cnt', 1, 127);
  if (count !== undefined) keepAlive.count = count;
  if (time !== undefined || count !== undefined) o.keepAlive = keepAlive;
  return Object.keys(o).length > 0 ? { socketOptions: o } : {};
}
