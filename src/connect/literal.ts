/**
 * Address literals answered on the spot, as src/resolve answers them, so that connecting to an
 * address with the default resolver waits for no promise. Anything else (a name, a zone, pinned
 * entries, a family that does not match) goes to the resolver, which owns those rules and errors.
 */
import { isIPv4 } from 'node:net';
import type { AddressRecord } from '../shared/types.js';
import { parseAddress } from '../bind/index.js';
import type { ConnectOptions } from './types.js';

/** Canonical forms of IPv6 literals (making one costs microseconds); bounded. */
const canonical = new Map<string, string>();
const MAX_CANONICAL = 1024;

function ipv6Canonical(host: string): string | undefined {
  let address = canonical.get(host);
  if (address === undefined) {
    const parsed = parseAddress(host);
    if (parsed === undefined || parsed.family !== 6) return undefined;
    if (canonical.size >= MAX_CANONICAL) canonical.clear();
    canonical.set(host, (address = parsed.address));
  }
  return address;
}

/** The resolver's answer for an address literal, or undefined when the resolver must be asked. */
export function literalAddresses(host: string, options: ConnectOptions): AddressRecord[] | undefined {
  if (options.resolver !== undefined || (options.resolve?.pinned?.length ?? 0) > 0) return undefined;
  let record: AddressRecord;
  if (isIPv4(host)) {
    record = { address: host, family: 4, source: 'literal' };
  } else {
    if (!host.includes(':') || host.includes('%')) return undefined;
    const address = ipv6Canonical(host);
    if (address === undefined) return undefined;
    record = { address, family: 6, source: 'literal' };
  }
  const family = options.family;
  if (family !== undefined && family !== 'any' && family !== record.family) return undefined;
  return [record];
}
