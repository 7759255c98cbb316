/**
 * The egress options every adapter takes (the undici connector and the node:http agents), checked once
 * when the adapter is built, and turned into connect() options per connection.
 */
import type { Socket } from 'node:net';
import { HiperError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { addressFamily, addressScope, checkSocketOptions } from '../bind/index.js';
import { EGRESS_KEYS as CONNECT_EGRESS_KEYS, checkInterfaceOptions, checkSourceOptions, isSourcePool, parsePortRange, pickEgress, sourcePoolFor, type ConnectOptions, type ConnectTrace, type Connector, type EgressOptions as ConnectEgress } from '../connect/index.js';
import type { Resolver } from '../resolve/types.js';

/** connect's egress vocabulary, and what an adapter needs besides. */
export interface AdapterEgressOptions extends ConnectEgress {
  /** Time limit for resolve + connect + TLS handshake, ms. */
  connectTimeout?: number;
  /** The resolver; default hiper's resolve(). */
  resolver?: Resolver;
  /**
   * Zone (interface name or index) for link-local IPv6 literals that come without one: the URL parsers
   * of undici and node:http reject "[fe80::1%25eth0]", so the URL says "[fe80::1]" and this says "eth0".
   */
  zone?: string;
  /** Called with the trace of every new connection (not for reused ones). */
  onConnect?: (trace: ConnectTrace, socket: Socket) => void;
  /** The connector; default hiper's connect(). */
  connector?: Connector;
  clock?: Clock;
}

/** The keys of AdapterEgressOptions, for separating them from an Agent's own options. */
export const EGRESS_KEYS = [...CONNECT_EGRESS_KEYS, 'connectTimeout', 'resolver', 'zone', 'onConnect', 'connector', 'clock'] as const satisfies ReadonlyArray<keyof AdapterEgressOptions>;

function bad(name: string, value: unknown, expected: string): HiperError {
  const shown = typeof value === 'function' ? 'a function' : JSON.stringify(value);
  return new HiperError('ERR_INVALID_ARGUMENT', `option ${name} must be ${expected}, got ${shown}`, { input: name, details: { value } });
}

const isFn = (v: unknown): boolean => typeof v === 'function';

/** Checks what can be checked before any connection; connect() checks the rest (interfaces come and go). */
export function checkEgressOptions(o: AdapterEgressOptions): void {
  checkInterfaceOptions(o);
  if (o.localAddress === '') throw bad('localAddress', o.localAddress, 'an address, a host name, a list of addresses or { v4, v6 }');
  // A source pool is parsed (and kept) now: a bad entry fails here, naming it.
  if (o.localAddress !== undefined && isSourcePool(o.localAddress)) sourcePoolFor(o);
  else checkSourceOptions(o);
  parsePortRange(o.localPort);
  if (o.family !== undefined && o.family !== 'any' && o.family !== 4 && o.family !== 6) throw bad('family', o.family, "'any', 4 or 6");
  const delay = o.happyEyeballsDelay;
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)) throw bad('happyEyeballsDelay', delay, 'a number of ms >= 0');
  const limit = o.connectTimeout;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0)) throw bad('connectTimeout', limit, 'a number of ms > 0');
  if (o.strict !== undefined && typeof o.strict !== 'boolean') throw bad('strict', o.strict, 'a boolean');
  if (o.connectTo !== undefined && (!Array.isArray(o.connectTo) || !o.connectTo.every((e) => typeof e === 'string'))) {
    throw bad('connectTo', o.connectTo, 'an array of "HOST:PORT:CONNECT_HOST:CONNECT_PORT" strings');
  }
  if (o.socketOptions !== undefined) checkSocketOptions(o.socketOptions);
  if (o.zone !== undefined && (typeof o.zone !== 'string' || !/^[\w.-]+$/.test(o.zone))) throw bad('zone', o.zone, 'an interface name or index');
  for (const name of ['onConnect', 'connector', 'resolver'] as const) {
    if (o[name] !== undefined && !isFn(o[name])) throw bad(name, o[name], 'a function');
  }
}

/**
 * The host as connect() wants it: without URL brackets, and with the zone option added to a
 * link-local IPv6 literal that has none ("fe80::1" -> "fe80::1%eth0").
 */
export function hostWithZone(host: string, zone: string | undefined): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (zone === undefined || addressFamily(bare) !== 6 || addressScope(bare, 6) !== 'link-local') return bare;
  return `${bare}%${zone}`;
}

/** What one connection asks for, on top of the adapter's egress options. */
export interface ConnectionRequest {
  host: string;
  port: number;
  /** Per-request local address (undici's localAddress, node's options.localAddress). */
  localAddress?: string | null | undefined;
  /** Per-request family (node's options.family: 4 or 6). */
  family?: number | undefined;
  localPort?: number | undefined;
  tls?: ConnectOptions['tls'];
}

/** connect() options for one connection: the adapter's egress wins over per-request values. */
export function connectOptionsFor(egress: AdapterEgressOptions, request: ConnectionRequest): ConnectOptions {
  const o = pickEgress<ConnectOptions>(egress, { host: hostWithZone(request.host, egress.zone), port: request.port });
  // What the request itself asks for (node:http's localAddress and family) where the adapter's options say nothing.
  const localAddress = egress.localAddress ?? (request.localAddress || undefined);
  if (localAddress !== undefined) o.localAddress = localAddress;
  const localPort = egress.localPort ?? request.localPort;
  if (localPort !== undefined) o.localPort = localPort;
  const family = egress.family ?? (request.family === 4 || request.family === 6 ? request.family : undefined);
  if (family !== undefined) o.family = family;
  if (egress.connectTimeout !== undefined) o.timeout = egress.connectTimeout;
  if (egress.resolver !== undefined) o.resolver = egress.resolver;
  if (egress.clock !== undefined) o.clock = egress.clock;
  if (request.tls !== undefined) o.tls = request.tls;
  return o;
}

/** Splits an options object into hiper's egress options and the rest (an Agent's own options). */
export function splitEgressOptions<T extends object>(options: T & AdapterEgressOptions): { egress: AdapterEgressOptions; rest: Omit<T, keyof AdapterEgressOptions> } {
  const egress: Record<string, unknown> = {};
  const rest: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of EGRESS_KEYS) {
    if (key in rest) {
      if (rest[key] !== undefined) egress[key] = rest[key];
      delete rest[key];
    }
  }
  return { egress: egress as AdapterEgressOptions, rest: rest as Omit<T, keyof AdapterEgressOptions> };
}
