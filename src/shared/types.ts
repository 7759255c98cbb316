/** Shared vocabulary of all layers: address records, binding methods, attempts and skips. */

export type Family = 4 | 6;

/** Where an address came from. */
export type AddressSource = 'literal' | 'system' | 'dns' | 'doh' | 'pinned' | 'cache';

/** One resolved remote address, as resolve hands it to connect. */
export interface AddressRecord {
  address: string;
  family: Family;
  /** IPv6 scope id (interface index) for link-local addresses. */
  scopeId?: number;
  /** Seconds the answer may be cached, where the source says. */
  ttl?: number;
  source: AddressSource;
}

/** How a socket was tied to its egress: SO_BINDTODEVICE, a bound local address, or not at all. */
export type BindMethod = 'device' | 'address' | 'none';

/** A binding method in words, as messages and the command line say it. */
export function bindWords(method: BindMethod | undefined): string {
  return method === 'device' ? 'bound to device' : method === 'address' ? 'bound to address' : 'unbound';
}

/** An address connect did not try, and why (curl bug 1189: a skip is not fatal). */
export interface Skip {
  remote: string;
  family: Family;
  /** Machine-readable reason: if2ip's (not-found, link-down, no-family, no-scope; with an interface list, a link missing or down is skipped for every address), no-zone, no-route (a pinned address this host has no route to), or a --strict route check's. */
  code: string;
  /** Human-readable reason: "h2 has no IPv6 address". */
  reason: string;
  /** The link the address was skipped for, when an interface (or a list of them) was asked for. */
  interface?: string;
}
