/** IPv6 zone ids -> scope ids (interface indexes), checked against the interface table. */
import { HiperError } from '../shared/errors.js';
import { parseAddressLiteral, type ParsedAddress } from './address.js';
import type { InterfaceTable } from './interfaces.js';

export interface ZonedAddress extends ParsedAddress {
  /** The interface index the zone names. */
  scopeId?: number;
  /** The interface name the zone names. */
  zoneName?: string;
}

/** The interface a zone ("eth0" or "3") names, or ERR_UNKNOWN_ZONE naming it. */
export function resolveZone(zone: string, table: InterfaceTable, input: string = zone): { scopeId: number; name: string } {
  const byNumber = /^\d+$/.test(zone) ? table.byIndex(Number(zone)) : undefined;
  const iface = byNumber ?? table.get(zone);
  if (!iface || iface.index === undefined) {
    throw new HiperError('ERR_UNKNOWN_ZONE', `zone id "${zone}" in "${input}" names no interface (have: ${table.names().join(', ') || 'none'})`, { input });
  }
  return { scopeId: iface.index, name: iface.name };
}

/** Parses "fe80::1%eth0", "fe80::1%3" or "[fe80::1%25eth0]" into address, zone and scope id. */
export function parseZonedAddress(text: string, table: InterfaceTable): ZonedAddress {
  const parsed: ZonedAddress = parseAddressLiteral(text);
  if (parsed.zone !== undefined) {
    const { scopeId, name } = resolveZone(parsed.zone, table, text);
    parsed.scopeId = scopeId;
    parsed.zoneName = name;
  }
  return parsed;
}
