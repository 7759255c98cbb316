/**
 * The egress options every adapter takes (the undici connector and the node:http agents), checked once
 * when the adapter is built, and turned into connect() options per connection.
 */
import type { Socket } from 'node:net';
import { HiperError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { addressFamily, addressScope, parseInterfaceSpec } from '../bind/index.js';
import { parsePortRange, type ConnectOptions, type ConnectTrace, type Connector } from '../connect/index.js';
import type { IpVersion, ResolveOptions, Resolver } from '../resolve/types.js';

export interface EgressOptions {
  /** Interface spec in curl's syntax: "eth0", "if!eth0", "host!198.51.100.2", "ifhost!eth0!198.51.100.2". */
  interface?: string;
  /** Local address to leave from. */
  localAddress?: string;
  /** Local port or range: 4000, [4000, 4010] or "4000-4010". */
  localPort?: number | [number, number] | string;
  /** IP version preference: 'any' (default), 4 or 6. */
  family?: IpVersion;
  /** Happy Eyeballs attempt delay, ms (default 250). */
  happyEyeballsDelay?: number;
  /** Time limit for resolve + connect + TLS handshake, ms. */
  connectTimeout?: number;
  /** Fail rather than let a connection leave without device binding. */
  strict?: boolean;
  /** Options for hiper's resolver (pinned entries, DNS servers, DoH...). */
  resolve?: ResolveOptions;
  /** curl --connect-to entries "HOST:PORT:CONNECT_HOST:CONNECT_PORT". */
  connectTo?: string[];
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

/** The keys of EgressOptions, for separating them from an Agent's own options. */
export const EGRESS_KEYS = [
  'interface', 'localAddress', 'localPort', 'family', 'happyEyeballsDelay', 'connectTimeout', 'strict',
  'resolve', 'connectTo', 'resolver', 'zone', 'onConnect', 'connector', 'clock',
] as const satisfies ReadonlyArray<keyof EgressOptions>;

function bad(name: string, value: unknown, expected: string): HiperError {
  const shown = typeof value === 'function' ? 'a function' : JSON.stringify(value);
  return new HiperError('ERR_INVALID_ARGUMENT', `option ${name} must be ${expected}, got ${shown}`, { input: name, details: { value } });
}

const isFn = (v: unknown): boolean => typeof v === 'function';

/** Checks what can be checked before any connection; connect() checks the rest (interfaces come and go). */
export function checkEgressOptions(o: EgressOptions): void {
  if (o.interface !== undefined) parseInterfaceSpec(o.interface);
  if (o.localAddress !== undefined && (typeof o.localAddress !== 'string' || o.localAddress === '')) throw bad('localAddress', o.localAddress, 'a non-empty string');
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
export function connectOptionsFor(egress: EgressOptions, request: ConnectionRequest): ConnectOptions {
  const o: ConnectOptions = { host: hostWithZone(request.host, egress.zone), port: request.port };
  if (egress.interface !== undefined) o.interface = egress.interface;
  const localAddress = egress.localAddress ?? (request.localAddress || undefined);
  if (localAddress !== undefined) o.localAddress = localAddress;
  const localPort = egress.localPort ?? request.localPort;
  if (localPort !== undefined) o.localPort = localPort;
  const family = egress.family ?? (request.family === 4 || request.family === 6 ? request.family : undefined);
  if (family !== undefined) o.family = family;
  if (egress.happyEyeballsDelay !== undefined) o.happyEyeballsDelay = egress.happyEyeballsDelay;
  if (egress.connectTimeout !== undefined) o.timeout = egress.connectTimeout;
  if (egress.strict !== undefined) o.strict = egress.strict;
  if (egress.resolve !== undefined) o.resolve = egress.resolve;
  if (egress.connectTo !== undefined) o.connectTo = egress.connectTo;
  if (egress.resolver !== undefined) o.resolver = egress.resolver;
  if (egress.clock !== undefined) o.clock = egress.clock;
  if (request.tls !== undefined) o.tls = request.tls;
  return o;
}

/** Splits an options object into hiper's egress options and the rest (an Agent's own options). */
export function splitEgressOptions<T extends object>(options: T & EgressOptions): { egress: EgressOptions; rest: Omit<T, keyof EgressOptions> } {
  const egress: Record<string, unknown> = {};
  const rest: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of EGRESS_KEYS) {
    if (key in rest) {
      if (rest[key] !== undefined) egress[key] = rest[key];
      delete rest[key];
    }
  }
  return { egress: egress as EgressOptions, rest: rest as Omit<T, keyof EgressOptions> };
}
