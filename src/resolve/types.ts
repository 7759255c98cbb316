/** The contract of src/resolve, which src/connect and the CLI build on. */
import type { AddressRecord, Clock } from '../shared/index.js';
import type { InterfaceTable } from '../bind/index.js';

/** IP version preference, like curl --ipv4 / --ipv6. */
export type IpVersion = 'any' | 4 | 6;

/**
 * The HTTPS transport DNS-over-HTTPS uses. resolve never imports the higher layers: the caller passes
 * a transport whose requests leave through the same pinned egress as the transfer the lookup serves.
 */
export type DohTransport = (request: {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}) => Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>;

export interface ResolveOptions {
  /** IP version preference; default 'any'. */
  family?: IpVersion;
  /** Port of the connection the lookup serves (pinned entries are per host:port); default 443/80 does not matter for DNS. */
  port?: number;
  /** Explicit DNS servers, like curl --dns-servers: "198.51.100.1", "198.51.100.1:5353", "[2001:db8::1]:53". */
  dnsServers?: string[];
  /** Interface DNS queries leave from (curl --dns-interface). */
  dnsInterface?: string;
  /** Local IPv4 / IPv6 address DNS queries leave from (curl --dns-ipv4-addr / --dns-ipv6-addr). */
  dnsLocalAddress4?: string;
  dnsLocalAddress6?: string;
  /** DNS-over-HTTPS (RFC 8484). */
  doh?: { url: string; transport: DohTransport; method?: 'GET' | 'POST' };
  /** Pinned entries, like curl --resolve HOST:PORT:ADDR[,ADDR...]. */
  pinned?: string[];
  /** The cache to use; false disables caching. Default: a process-wide cache. */
  cache?: unknown;
  /** RFC 8305 "First Address Family Count"; default 1. */
  firstFamilyCount?: number;
  /** Time limit for the whole lookup, ms. */
  timeout?: number;
  signal?: AbortSignal;
  clock?: Clock;
  table?: InterfaceTable;
}

export type Resolver = (host: string, options?: ResolveOptions) => Promise<AddressRecord[]>;
