/**
 * Where a connection leaves from: egress has one vocabulary, declared here once. connect() takes it, the
 * Multi keys its pools by it, and the adapters, the CLI and the DoH transport pass it on as it is.
 */
import type { IpVersion, ResolveOptions } from '../resolve/types.js';

export interface EgressOptions {
  /** An interface spec in curl's syntax: "eth0", "if!eth0", "host!198.51.100.2", "ifhost!eth0!198.51.100.2". */
  interface?: string;
  /** Local address to bind (curl --interface host!ADDR is the same thing). */
  localAddress?: string;
  /** Local port or range (curl --local-port N[-M]): 4000, [4000, 4010] or "4000-4010". */
  localPort?: number | [number, number] | string;
  /** IP version preference: 'any' (default), 4 or 6 (curl -4 / -6). */
  family?: IpVersion;
  /** Happy Eyeballs attempt delay, ms (default 250). */
  happyEyeballsDelay?: number;
  /**
   * Fail rather than risk another egress: no connection without device binding when an interface is
   * asked for, none whose kernel route leaves through another link than its local address's.
   */
  strict?: boolean;
  /** Options for hiper's resolver (pinned entries, DNS servers, DoH...). */
  resolve?: ResolveOptions;
  /** curl --connect-to entries "HOST:PORT:CONNECT_HOST:CONNECT_PORT". */
  connectTo?: string[];
  /**
   * Queries to `resolve.dnsServers` leave through the device of `interface` when `resolve.dnsInterface`
   * is not given (off by default, as in curl, where DNS follows the routes).
   */
  dnsFollowsInterface?: boolean;
}

/** Every key of EgressOptions (the compiler checks that none is missing). */
export const EGRESS_KEYS = ['interface', 'localAddress', 'localPort', 'family', 'happyEyeballsDelay', 'strict', 'resolve', 'connectTo', 'dnsFollowsInterface'] as const;
type Missing = Exclude<keyof EgressOptions, (typeof EGRESS_KEYS)[number]>;
const everyKey: [Missing] extends [never] ? true : Missing = true;
void everyKey;

/** The egress options that are set in `from`, copied onto `into` (no spreading: this runs per connection). */
export function pickEgress<T extends EgressOptions>(from: EgressOptions, into: T): T {
  for (const k of EGRESS_KEYS) {
    const v = from[k];
    if (v !== undefined) (into as Record<string, unknown>)[k] = v;
  }
  return into;
}
