/**
 * How DNS queries to explicit servers leave, and how that is told. With a DNS interface and device
 * binding, hiper's own client binds every query socket to the device (the query leaves on that link).
 * Without device binding, Node's c-ares resolver sends from the interface's address only: the kernel
 * routes by destination, so a query may leave on another link. Each query is published on the
 * diagnostics channel "hiper:dns:query" with its method ('device' or 'address') and, for the fallback,
 * the reason; `strict` refuses the fallback before any packet is sent.
 */
import { HiperError } from '../../shared/errors.js';
import { channels } from '../../shared/diagnostics.js';
import type { BindMethod } from '../../shared/types.js';
import { deviceBinding } from '../../bind/index.js';
import type { DnsServer } from '../servers.js';
import type { DnsQueryType } from './message.js';

/** Where one query socket is bound. */
export interface DnsEgress {
  device?: string;
  localAddress?: string;
}

/** The message of the "hiper:dns:query" channel. */
export interface DnsQueryMessage {
  name: string;
  type: DnsQueryType;
  /** "192.0.2.53:53", "[2001:db8::53]:53". */
  server: string;
  /** 'udp' / 'tcp': hiper's client; 'c-ares': Node's resolver, which picks the server order and UDP or TCP itself. */
  transport: 'udp' | 'tcp' | 'c-ares';
  /** 'device': bound to `device` (SO_BINDTODEVICE); 'address': only `localAddress` is bound; 'none': routed freely. */
  method: BindMethod;
  /** The DNS interface asked for. */
  device?: string;
  localAddress?: string;
  /** Why an interface asked for is not bound as a device. */
  reason?: string;
  /** Which try of this server, from 1 (hiper's client only). */
  try?: number;
}

export function serverLabel(server: DnsServer): string {
  return server.family === 6 ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`;
}

/** Whether queries for a DNS interface leave device-bound ('device') or from its addresses only ('address'). */
export function dnsEgressMethod(iface: string | undefined): { method: 'device' | 'address'; reason?: string } | undefined {
  if (iface === undefined) return undefined;
  const status = deviceBinding();
  return status.available ? { method: 'device' } : { method: 'address', reason: `device binding is unavailable (${status.reason ?? 'no addon'}); queries are bound to ${iface}'s addresses only` };
}

/** With `strict`, a DNS interface that cannot be bound as a device is ERR_DEVICE_BIND_UNAVAILABLE. */
export function requireDeviceBinding(config: { interface?: string; strict?: boolean }): void {
  if (!config.strict || config.interface === undefined) return;
  const status = deviceBinding();
  if (status.available) return;
  throw new HiperError('ERR_DEVICE_BIND_UNAVAILABLE', `strict: DNS interface "${config.interface}" needs device binding, which is unavailable (${status.reason ?? 'no addon'}); no query was sent`, {
    input: config.interface,
  });
}

export function publishDnsQuery(message: DnsQueryMessage): void {
  if (channels.dnsQuery.hasSubscribers) channels.dnsQuery.publish(message);
}
