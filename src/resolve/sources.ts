/**
 * Each destination's source address for RFC 6724 ordering, as the kernel would choose it: its route
 * lookup (`ip route get`) names the source and the outgoing link, and the interface table adds that
 * address's flags (deprecated, home, temporary) and prefix. Without netlink (no addon, or a table
 * that does not come from the kernel), RFC 6724 section 5 picks among the table's addresses.
 * A destination the kernel has no route to has no source: rule 1 puts it last.
 */
import { addressScope, addressUsable, if2ip, linkUsable, routeGet, type InterfaceTable, type RouteInfo, type RouteQuery, type Unavailable } from '../bind/index.js';
import type { PolicyTable } from '../shared/address-policy.js';
import { chooseSource, type Orderable, type PreparedSource } from './order.js';

/** Link types that carry packets inside other packets (RFC 6724 rule 7: not native transport). */
const TUNNELS = new Set(['ipip', 'sit', 'gre', 'ip6gre', 'tunnel6']);

export type RouteLookup = (q: RouteQuery) => RouteInfo | Unavailable;

export interface SourcePickerOptions {
  policy?: PolicyTable;
  preferTemporary?: boolean;
  /** The kernel's route lookup (injected by tests). */
  route?: RouteLookup;
  /**
   * The interface the connection will be pinned to: each destination's source is then the address
   * if2ip would bind there (RFC 6724 section 5 among its addresses), none when it has no address that
   * may serve it (rule 1 puts that destination last).
   */
  interface?: string;
}

const candidatesByTable = new WeakMap<InterfaceTable, PreparedSource[]>();

/** The table's addresses that can be a source now (links up, addresses out of duplicate address detection). */
export function tableSources(table: InterfaceTable): PreparedSource[] {
  let list = candidatesByTable.get(table);
  if (list === undefined) {
    list = [];
    for (const i of table.interfaces) {
      if (!linkUsable(i)) continue;
      const encapsulated = i.type !== undefined && TUNNELS.has(i.type);
      for (const a of i.addresses) {
        if (!addressUsable(a)) continue;
        list.push({
          address: a.address,
          family: a.family,
          ...(i.index !== undefined ? { interfaceIndex: i.index, ...(a.family === 6 ? { scopeId: i.index } : {}) } : {}),
          ...(a.prefixLength !== undefined ? { prefixLength: a.prefixLength } : {}),
          ...(a.flags !== undefined ? { flags: a.flags } : {}),
          ...(encapsulated ? { encapsulated } : {}),
        });
      }
    }
    candidatesByTable.set(table, list);
  }
  return list;
}

/** `sourceFor` for sortByRfc6724: the kernel's choice when the table is the kernel's, else section 5's. */
export function sourcePicker(table: InterfaceTable, options: SourcePickerOptions = {}): (d: Orderable) => PreparedSource | undefined {
  if (options.interface !== undefined) return pinnedSourcePicker(table, options.interface, options);
  const candidates = tableSources(table);
  const choose = (d: Orderable, outgoingInterface?: number): PreparedSource | undefined =>
    chooseSource(d, candidates, { ...options, ...(outgoingInterface !== undefined ? { outgoingInterface } : {}) });
  if (table.source !== 'netlink') return (d) => choose(d);
  const route = options.route ?? routeGet;
  return (d) => {
    const r = route({ family: d.family, to: d.address, ...(d.scopeId !== undefined ? { oif: d.scopeId } : {}) });
    if ('reason' in r) return undefined;
    if (r.prefsrc === undefined) return choose(d, r.oif);
    // The same address may be on two links: the one the packets leave through tells its flags.
    return candidates.find((c) => c.address === r.prefsrc && c.interfaceIndex === r.oif)
      ?? candidates.find((c) => c.address === r.prefsrc)
      ?? { address: r.prefsrc, family: d.family };
  };
}

/** `sourceFor` on a pinned interface: the address if2ip binds for each destination. */
function pinnedSourcePicker(table: InterfaceTable, name: string, options: SourcePickerOptions): (d: Orderable) => PreparedSource | undefined {
  const selection = { ...(options.policy ? { policy: options.policy } : {}), ...(options.preferTemporary !== undefined ? { preferTemporary: options.preferTemporary } : {}) };
  return (d) => {
    const remote = { address: d.address, family: d.family, scope: addressScope(d.address, d.family), ...(d.scopeId !== undefined ? { scopeId: d.scopeId } : {}) };
    const found = if2ip(table, name, remote, selection);
    if (found.status !== 'found') return undefined;
    const { iface, local } = found;
    return {
      address: local.address,
      family: local.family,
      ...(iface.index !== undefined ? { interfaceIndex: iface.index, ...(local.family === 6 ? { scopeId: iface.index } : {}) } : {}),
      ...(local.prefixLength !== undefined ? { prefixLength: local.prefixLength } : {}),
      ...(local.flags !== undefined ? { flags: local.flags } : {}),
      ...(iface.type !== undefined && TUNNELS.has(iface.type) ? { encapsulated: true } : {}),
    };
  };
}
