/**
 * Explicit DNS servers (curl --dns-servers) and the egress of their queries (curl --dns-interface,
 * --dns-ipv4-addr, --dns-ipv6-addr): which servers to ask and from which local address, chosen per
 * server family with if2ip; a server the interface has no address for is not asked. How the queries
 * are sent (device-bound by hiper's client, or by c-ares from the addresses) is src/resolve/dns's.
 */
import { promises as dnsPromises } from 'node:dns';
import type { Clock } from '../shared/clock.js';
import { HiperError } from '../shared/errors.js';
import type { Family } from '../shared/types.js';
import { addressFamily, if2ip, interfaceTable, parseAddress, type AddressScope, type InterfaceTable } from '../bind/index.js';
import { dnsEgressMethod } from './dns/egress.js';
import { parsePortText } from './host-port.js';

export interface DnsServer {
  address: string;
  port: number;
  family: Family;
  scope: AddressScope;
  /** As dns.Resolver.setServers takes it. */
  text: string;
}

function badServer(text: string, why: string): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', `invalid DNS server "${text}": ${why}`, { input: text });
}

/** "198.51.100.1", "198.51.100.1:5353", "2001:db8::1", "[2001:db8::1]:53". */
export function parseDnsServer(text: string): DnsServer {
  if (typeof text !== 'string' || text === '') throw badServer(String(text), 'it is empty');
  let host = text;
  let port = 53;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) {
      const p = parsePortText(bracket[2]);
      if (p === undefined) throw badServer(text, `port "${bracket[2]}" is not a number 1-65535`);
      port = p;
    }
  } else if (text.indexOf(':') === text.lastIndexOf(':') && text.includes(':')) {
    host = text.slice(0, text.indexOf(':'));
    const p = parsePortText(text.slice(text.indexOf(':') + 1));
    if (p === undefined) throw badServer(text, `port "${text.slice(text.indexOf(':') + 1)}" is not a number 1-65535`);
    port = p;
  }
  let parsed;
  try {
    parsed = parseAddress(host);
  } catch (err) {
    throw badServer(text, (err as Error).message);
  }
  if (!parsed) throw badServer(text, 'it is not an IP address (DNS servers are given by address)');
  if (parsed.zone !== undefined || parsed.scope === 'link-local') throw badServer(text, 'link-local DNS servers are not supported (Node\'s DNS client takes no zone id)');
  const hostText = parsed.family === 6 ? `[${parsed.address}]` : parsed.address;
  return { address: parsed.address, port, family: parsed.family, scope: parsed.scope, text: port === 53 && parsed.family === 4 ? parsed.address : `${hostText}:${port}` };
}

/** A comma-separated list, as curl --dns-servers takes it. */
export function parseDnsServerList(list: string): string[] {
  const items = list.split(',').map((s) => s.trim());
  for (const s of items) parseDnsServer(s);
  return items;
}

export interface DnsServersConfig {
  /** Servers; when absent, the system's (from /etc/resolv.conf, as c-ares reads them). */
  servers?: readonly string[];
  interface?: string;
  localAddress4?: string;
  localAddress6?: string;
  table?: InterfaceTable;
  /** Refuse to send the queries of an interface without device binding (ERR_DEVICE_BIND_UNAVAILABLE). */
  strict?: boolean;
  /** The clock of the per-try timeouts of hiper's DNS client. */
  clock?: Clock;
  /** Rounds over the servers (hiper's DNS client); default 2. */
  tries?: number;
  /** Time limit of a first try, ms, doubled each round (hiper's DNS client); default 2000. */
  tryTimeoutMs?: number;
}

export interface DnsServersPlan {
  servers: DnsServer[];
  localAddress4?: string;
  localAddress6?: string;
  /** Servers not asked, and why ("h2 has no IPv6 address"). */
  skipped: Array<{ server: string; reason: string }>;
}

function checkLocal(name: string, address: string, family: Family, table: () => InterfaceTable): string {
  if (addressFamily(address) !== family) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `${name} must be an IPv${family} address, got ${JSON.stringify(address)}`, { input: address });
  }
  // 127.0.0.0/8 is all local on Linux (a local route), though only 127.0.0.1 is listed.
  const loopback = family === 4 && address.startsWith('127.');
  if (!loopback && !table().owning(address) && !interfaceTable({ refresh: true }).owning(address)) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `${name} ${address} is not an address of this host`, { input: address });
  }
  return address;
}

function ifaceTable(name: string, given: InterfaceTable | undefined): InterfaceTable {
  let table = given ?? interfaceTable();
  if (!table.get(name) && !given) table = interfaceTable({ refresh: true });
  if (!table.get(name)) {
    throw new HiperError('ERR_INTERFACE_NOT_FOUND', `DNS interface "${name}" does not exist; interfaces: ${table.names().join(', ') || 'none'}`, { input: name });
  }
  return table;
}

/** Which servers to ask and from which local addresses; throws when the egress asked for cannot be met. */
export function planDnsServers(config: DnsServersConfig, systemServers: () => string[] = () => new dnsPromises.Resolver().getServers()): DnsServersPlan {
  const servers = (config.servers ?? systemServers()).map(parseDnsServer);
  if (servers.length === 0) throw new HiperError('ERR_INVALID_ARGUMENT', 'no DNS server is given and the system has none', { input: config.servers });
  const table = (): InterfaceTable => config.table ?? interfaceTable();
  const plan: DnsServersPlan = { servers: [], skipped: [] };
  if (config.localAddress4 !== undefined) plan.localAddress4 = checkLocal('dnsLocalAddress4', config.localAddress4, 4, table);
  if (config.localAddress6 !== undefined) plan.localAddress6 = checkLocal('dnsLocalAddress6', config.localAddress6, 6, table);
  const iface = config.interface;
  const itable = iface === undefined ? undefined : ifaceTable(iface, config.table);
  for (const s of servers) {
    const key = s.family === 4 ? 'localAddress4' : 'localAddress6';
    if (itable && iface !== undefined && plan[key] === undefined) {
      const r = if2ip(itable, iface, { address: s.address, family: s.family, scope: s.scope });
      if (r.status !== 'found') {
        plan.skipped.push({ server: s.text, reason: r.reason });
        continue;
      }
      plan[key] = r.local.address;
    }
    plan.servers.push(s);
  }
  if (plan.servers.length === 0) {
    throw new HiperError('ERR_INTERFACE_NO_ADDRESS', `DNS interface ${iface} can reach none of the DNS servers: ${plan.skipped.map((s) => `${s.server} (${s.reason})`).join('; ')}`, {
      input: iface, details: { skipped: plan.skipped },
    });
  }
  return plan;
}

/**
 * The identity of a server configuration, for cache keys. An interface adds how its queries leave
 * ('device' or 'address'), so that an answer got through the fallback is never served as device-bound.
 */
export function dnsServersIdentity(config: DnsServersConfig): string {
  const method = dnsEgressMethod(config.interface)?.method ?? '';
  return `dns:${config.servers?.join(',') ?? 'system'}|${config.interface ?? ''}|${config.localAddress4 ?? ''}|${config.localAddress6 ?? ''}|${method}`;
}
