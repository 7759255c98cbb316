/**
 * Where a connection leaves from: egress has one vocabulary, declared here once. connect() takes it, the
 * Multi keys its pools by it, and the adapters, the CLI and the DoH transport pass it on as it is.
 */
import type { Family } from '../shared/types.js';
import type { IpVersion, ResolveOptions } from '../resolve/types.js';

/** How a source address is taken from a pool: in turn, at random, or by destination host (one origin keeps one source). */
export type SourcePolicy = 'round-robin' | 'random' | 'hash';

/** One pool per address family, so Happy Eyeballs keeps both families with a pinned source in each. */
export interface FamilySources {
  v4?: string | string[];
  v6?: string | string[];
}

/** TCP keep-alive probes (SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT). */
export interface KeepAliveOptions {
  /** Idle time before the first probe, ms (the kernel counts whole seconds: rounded up). */
  idle?: number;
  /** Time between probes, ms (rounded up to whole seconds). */
  interval?: number;
  /** Unanswered probes before the connection is dropped. */
  count?: number;
}

/** The socket handed to `beforeConnect`: open, bound as asked, not yet connected. */
export interface SocketInfo {
  fd: number;
  family: Family;
  remote: { address: string; port: number };
  device?: string;
  localAddress?: string;
  /** setsockopt(2) on this socket: an integer option value or raw bytes; throws ERR_SOCKET_OPTION_FAILED naming the option. */
  setsockopt(level: number, name: number, value: number | Uint8Array): void;
}

/** Options set on each socket before it connects (through the addon). */
export interface SocketOptions {
  /** SO_MARK, for policy routing with `ip rule fwmark` (needs CAP_NET_ADMIN). */
  fwmark?: number;
  /** IP_TOS / IPV6_TCLASS, 0-255. */
  tos?: number;
  /** SO_PRIORITY, 0-6 without CAP_NET_ADMIN (the VLAN priority on links with an egress map). */
  priority?: number;
  /** TCP_USER_TIMEOUT, ms: how long sent data may stay unacknowledged before the connection is dropped. */
  tcpUserTimeout?: number;
  keepAlive?: KeepAliveOptions;
  /** Go's Dialer.Control: runs on each socket before its connect; may call info.setsockopt. A throw fails the attempt. */
  beforeConnect?: (info: SocketInfo) => void;
}

export interface EgressOptions {
  /**
   * An interface spec in curl's syntax: "eth0", "if!eth0", "host!198.51.100.2", "ifhost!eth0!198.51.100.2";
   * or an ordered list of them, first preferred: a link that is down, has no address for the destination
   * or fails to connect makes the next one be tried, in the same Happy Eyeballs budget.
   */
  interface?: string | string[];
  /**
   * With an interface list: new connections go back to an earlier link as soon as it is usable again
   * (default true); false keeps using the link that last served until it fails.
   */
  failback?: boolean;
  /**
   * Local address to bind (curl --interface host!ADDR is the same thing); a list is a source pool
   * (see sourcePolicy); `{ v4, v6 }` gives each family its own. With `freebind`, an entry may be a
   * prefix ("2001:db8:1::/64") from which addresses are taken.
   */
  localAddress?: string | string[] | FamilySources;
  /** How a pool's address is taken (default 'round-robin'). */
  sourcePolicy?: SourcePolicy;
  /** IP_FREEBIND: bind to addresses not (yet) configured on this host, as a prefix pool needs. */
  freebind?: boolean;
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
  /** Socket options set before connect (fwmark, tos, priority, TCP user timeout, keep-alive, a hook). */
  socketOptions?: SocketOptions;
}

/** Every key of EgressOptions (the compiler checks that none is missing). */
export const EGRESS_KEYS = [
  'interface', 'failback', 'localAddress', 'sourcePolicy', 'freebind', 'localPort', 'family', 'happyEyeballsDelay', 'strict', 'resolve',
  'connectTo', 'dnsFollowsInterface', 'socketOptions',
] as const;
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
