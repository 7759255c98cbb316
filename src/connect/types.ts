/** The contract of src/connect, which src/multi, the adapters and the CLI build on. */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { AddressRecord, BindMethod, Clock, Family, Skip } from '../shared/index.js';
import type { IpVersion, ResolveOptions, Resolver } from '../resolve/types.js';

export interface TlsConnectOptions {
  /** SNI name; default the host (never sent for IP literals). */
  servername?: string;
  /** ALPN protocols, e.g. ['h2', 'http/1.1']. */
  ALPNProtocols?: string[];
  ca?: string | Buffer | Array<string | Buffer>;
  /** Certificate verification; on by default. */
  rejectUnauthorized?: boolean;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** An interface spec in curl's syntax: "eth0", "if!eth0", "host!198.51.100.2", "ifhost!eth0!198.51.100.2". */
  interface?: string;
  /** Local address to bind (curl --interface host!ADDR is the same thing). */
  localAddress?: string;
  /** Local port or range (curl --local-port N[-M]): 4000, [4000, 4010] or "4000-4010". */
  localPort?: number | [number, number] | string;
  family?: IpVersion;
  /** Happy Eyeballs attempt delay, ms (default 250). */
  happyEyeballsDelay?: number;
  /** Connect time limit, ms (resolve + all attempts + TLS). */
  timeout?: number;
  /** Fail rather than let an attempt leave without device binding. */
  strict?: boolean;
  /** Options passed through to src/resolve. */
  resolve?: ResolveOptions;
  /** curl --connect-to entries "HOST:PORT:CONNECT_HOST:CONNECT_PORT". */
  connectTo?: string[];
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
  interface?: string;
  method: BindMethod;
  /** ms since the start of connect(). */
  startedAt: number;
  durationMs: number;
  outcome: 'connected' | 'failed' | 'cancelled' | 'pending';
  /** errno or hiper code of a failure. */
  error?: string;
}

export interface ConnectTrace {
  host: string;
  port: number;
  addresses: AddressRecord[];
  attempts: Attempt[];
  skips: Skip[];
  /** The winner. */
  local: { address: string; port: number };
  remote: { address: string; port: number; family: Family };
  interface?: string;
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
