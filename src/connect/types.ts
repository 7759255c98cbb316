/** The contract of src/connect, which src/multi, the adapters and the CLI build on. */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AddressRecord, BindMethod, Clock, Family, Skip } from '../shared/index.js';
import type { SourceRule } from '../bind/index.js';
import type { Resolver } from '../resolve/types.js';
import type { EgressOptions } from './egress-options.js';

export interface TlsConnectOptions {
  /** SNI name; default the host (never sent for IP literals). */
  servername?: string;
  /** ALPN protocols, e.g. ['h2', 'http/1.1']. */
  ALPNProtocols?: string[];
  ca?: string | Buffer | Array<string | Buffer>;
  /** Certificate verification; on by default. */
  rejectUnauthorized?: boolean;
}

export interface ConnectOptions extends EgressOptions {
  host: string;
  port: number;
  /** Connect time limit, ms (resolve + all attempts + TLS). */
  timeout?: number;
  /** The resolver; default src/resolve's resolve(). */
  resolver?: Resolver;
  /** TLS on the winning socket: true, or options. */
  tls?: boolean | TlsConnectOptions;
  clock?: Clock;
  signal?: AbortSignal;
}

/** One connection attempt, as the trace and ERR_CONNECT_ALL_FAILED report it. */
export interface Attempt {
  remote: { address: string; port: number; family: Family; scopeId?: number };
  local?: { address?: string; port?: number };
  /** Why this local address, when an interface with several was pinned: the RFC 6724 section 5 rule that chose it. */
  sourceRule?: SourceRule;
  /** The link it was bound to (the spec's device; with an interface list, the link of this attempt). */
  interface?: string;
  method: BindMethod;
  /** ms since the start of connect(). */
  startedAt: number;
  durationMs: number;
  outcome: 'connected' | 'failed' | 'cancelled' | 'pending';
  /** errno or hiper code of a failure. */
  error?: string;
  /** Where a failure happened: binding the local end (address, port, device) or connecting to the remote. */
  failedAt?: 'bind' | 'connect';
}

export interface ConnectTrace {
  /** Where the connection went: the host and port asked for, or the connectTo target that replaced them. */
  host: string;
  port: number;
  /** The host and port asked for, when connectTo sent the connection to another place. */
  requested?: { host: string; port: number };
  /**
   * With TLS: the name sent as SNI and checked against the certificate. Always the host asked for (the
   * URL's), also when connectTo sent the connection elsewhere, as curl does; never the connectTo target.
   */
  tlsName?: string;
  addresses: AddressRecord[];
  attempts: Attempt[];
  skips: Skip[];
  /** The winner. */
  local: { address: string; port: number };
  remote: { address: string; port: number; family: Family };
  /** The interface asked for (the spec's device); with an interface list, the link that won. */
  interface?: string;
  /**
   * The link the packets really leave through: the bound device, else the kernel's route from the
   * local address to the remote (RTM_GETROUTE). Looked up when an egress was asked for; for an
   * unbound connection, on first read.
   */
  egressInterface?: string;
  /** Set when the packets leave through another link than the one asked for (address binding only). */
  egressWarning?: string;
  bindMethod: BindMethod;
  /** ms since start, like CURLINFO_NAMELOOKUP_TIME, CONNECT_TIME, APPCONNECT_TIME (×1000). */
  timings: { namelookup: number; connect: number; appconnect?: number };
  /** Negotiated ALPN protocol and TLS version, when TLS was used. */
  alpn?: string;
  tlsVersion?: string;
}

export interface Connection {
  socket: Socket | TLSSocket;
  trace: ConnectTrace;
}

/** A connector, like undici's: a plain function. src/multi and the adapters take one by injection. */
export type Connector = (options: ConnectOptions) => Promise<Connection>;
