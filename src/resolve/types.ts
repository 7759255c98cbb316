/** The contract of src/resolve, which src/connect and the CLI build on. */
import type { PolicyRow } from '../shared/address-policy.js';
import type { AddressRecord, BindMethod, Clock } from '../shared/index.js';
import type { InterfaceTable } from '../bind/index.js';
import type { ResolveCache } from './cache.js';

/** IP version preference, like curl --ipv4 / --ipv6. */
export type IpVersion = 'any' | 4 | 6;

/** What a DoH transport saw of its connection (for traces and tests of the egress). */
export interface DohConnectionInfo {
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  /** How the socket was tied to its egress (device, address, none). */
  bindMethod?: BindMethod;
  /** The interface asked for (the spec's device). */
  interface?: string;
  /** The link the packets left through, as the kernel routes them. */
  egressInterface?: string;
  /** Set when that link is not the one asked for. */
  egressWarning?: string;
}

/** One DoH request as resolve hands it to a transport. */
export interface DohTransportRequest {
  /** The endpoint with the query; WHATWG URL cannot hold an IPv6 zone id, so it travels in `zone`. */
  url: URL;
  /** The zone of a link-local address literal in the endpoint ("https://[fe80::1%25eth0]/dns-query" -> "eth0"). */
  zone?: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

export interface DohTransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Optional: the connection the request went over. */
  connection?: DohConnectionInfo;
}

/**
 * The HTTPS transport DNS-over-HTTPS uses. resolve never imports the higher layers: the caller passes
 * a transport whose requests leave through the same pinned egress as the transfer the lookup serves.
 */
export interface DohTransport {
  (request: DohTransportRequest): Promise<DohTransportResponse>;
  /**
   * What decides the answers this transport can bring: its egress and its TLS trust (CA, verification).
   * resolve folds it into the cache key, so that an answer fetched under other settings (without
   * verification, from another link) is never served to this transport's lookups. A transport without
   * one shares cache entries only with itself.
   */
  readonly identity?: string;
}

/** One lookup the cache sits on: the name (lower case), the family wanted and a signal to stop it. */
export interface LowerLookupRequest {
  name: string;
  family: IpVersion;
  signal: AbortSignal;
}

/**
 * The resolver below the cache: answers with records of source system / dns / doh, in any order
 * (resolve orders them). The default is chosen from the options; tests and embedders may give their own.
 */
export type LowerLookup = (request: LowerLookupRequest) => Promise<AddressRecord[]>;

export interface DohOptions {
  /** The DoH endpoint (https only), e.g. "https://198.51.100.1/dns-query". */
  url: string;
  transport: DohTransport;
  /** GET (default, cache friendly) or POST. */
  method?: 'GET' | 'POST';
  /** Largest DNS message accepted, bytes; default 65536. */
  maxResponseBytes?: number;
}

export interface ResolveOptions {
  /** IP version preference; default 'any'. */
  family?: IpVersion;
  /** Port of the connection the lookup serves (pinned entries are per host:port); when absent, pinned entries of any port match. */
  port?: number;
  /** Explicit DNS servers, like curl --dns-servers: "198.51.100.1", "198.51.100.1:5353", "[2001:db8::1]:53". */
  dnsServers?: string[];
  /**
   * Interface DNS queries leave from (curl --dns-interface): each query socket is bound to the device.
   * Without device binding (no addon, HIPER_DEVICE_BINDING=off) they leave from its addresses only,
   * which the kernel may route through another link; the "hiper:dns:query" diagnostics channel tells
   * each query's method ('device' / 'address'), and `strict` refuses that fallback.
   */
  dnsInterface?: string;
  /** Local IPv4 / IPv6 address DNS queries leave from (curl --dns-ipv4-addr / --dns-ipv6-addr). */
  dnsLocalAddress4?: string;
  dnsLocalAddress6?: string;
  /** DNS-over-HTTPS (RFC 8484). */
  doh?: DohOptions;
  /** Pinned entries, like curl --resolve [+]HOST:PORT:ADDR[,ADDR...] and -HOST:PORT. */
  pinned?: string[];
  /** The cache to use; false disables caching (and in-flight sharing). Default: a process-wide cache. */
  cache?: ResolveCache | false;
  /** The resolver under the cache; default chosen from dnsServers / dnsInterface / doh, else the system resolver. */
  lookup?: LowerLookup;
  /** RFC 8305 "First Address Family Count"; default 1. */
  firstFamilyCount?: number;
  /**
   * RFC 6724 ordering. `policyTable` replaces the policy table (default: /etc/gai.conf's precedence
   * and label lines when it has any, else RFC 6724 section 2.1's); `gaiConf` names a file in
   * gai.conf's format to read instead of /etc/gai.conf (a line it cannot read is an error, never
   * skipped); `interface` names the interface the connection will be pinned to (connect sets it from
   * its `interface` option): each destination's source is then the address bound there, not the
   * kernel route's; `preferTemporary` puts temporary source addresses before public ones wherever hiper
   * chooses the source (on a pinned interface, and without netlink; elsewhere the kernel chooses, as
   * its use_tempaddr setting says); `ipv4LongestPrefix`
   * applies rule 9 to IPv4 destinations too (off by default, as the RFC allows).
   */
  addressSelection?: { policyTable?: readonly PolicyRow[]; gaiConf?: string; interface?: string; preferTemporary?: boolean; ipv4LongestPrefix?: boolean };
  /** Time limit for the whole lookup, ms; default 30000. */
  timeout?: number;
  /** With dnsInterface: fail with ERR_DEVICE_BIND_UNAVAILABLE, before any query is sent, rather than fall back to address binding. */
  strict?: boolean;
  signal?: AbortSignal;
  clock?: Clock;
  table?: InterfaceTable;
}

export type Resolver = (host: string, options?: ResolveOptions) => Promise<AddressRecord[]>;
