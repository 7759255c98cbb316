/**
 * Which link a connection's packets really use. A socket bound to a device (SO_BINDTODEVICE) can leave
 * only through it; any other socket leaves where the kernel's route from its local address to the
 * remote points, whatever interface the local address belongs to. So address binding alone does not
 * pin the link: the trace records the route's link, says when it is not the one asked for, and
 * strict connects check it before any packet is sent.
 */
import { interfaceTable, routeGet, type InterfaceTable, type RouteQuery } from '../bind/index.js';
import type { BindMethod, Family } from '../shared/types.js';

export interface RouteTruth {
  /** The link the packets leave through, when it could be told. */
  link?: string;
  /** Why it could not be told (no netlink, no route). */
  unknown?: string;
}

export interface Leg {
  method: BindMethod;
  device?: string | undefined;
  local?: string | undefined;
  remote: string;
  family: Family;
  /** The remote's scope id (link-local IPv6): the route is looked up on that link. */
  scopeId?: number | undefined;
  /** SO_MARK (socketOptions.fwmark): `ip rule fwmark` may send the socket to another table. */
  mark?: number | undefined;
}

/** The link of a leg: the bound device, else the kernel's route (`ip route get REMOTE from LOCAL`). */
export function routeTruth(leg: Leg, table: InterfaceTable): RouteTruth {
  if (leg.method === 'device' && leg.device !== undefined) return { link: leg.device };
  // Built without spreads: this runs once per connect.
  const query: RouteQuery = { family: leg.family, to: leg.remote };
  if (leg.local) query.from = leg.local;
  if (leg.scopeId !== undefined) query.oif = leg.scopeId;
  if (leg.mark !== undefined) query.mark = leg.mark;
  const route = routeGet(query);
  if ('reason' in route) return { unknown: route.reason };
  if (route.oif === undefined) return { unknown: `the route to ${leg.remote} names no link` };
  // A link created since the table was read: read it again once.
  const name = table.byIndex(route.oif)?.name ?? interfaceTable({ refresh: true }).byIndex(route.oif)?.name;
  return name ? { link: name } : { unknown: `the route to ${leg.remote} leaves through link #${route.oif}, which is gone` };
}

/** The link a leg was meant to use: its device, else the interface its local address belongs to. */
export function expectedLink(leg: Leg, table: InterfaceTable): string | undefined {
  return leg.device ?? (leg.local ? table.owning(leg.local)?.name : undefined);
}

/** Why a leg would leave through another link than meant, or undefined when it would not (or nothing was meant). */
export function routeMismatch(leg: Leg, table: InterfaceTable): { code: 'route-mismatch' | 'route-unknown'; reason: string; link?: string } | undefined {
  const meant = expectedLink(leg, table);
  if (meant === undefined) return undefined;
  const truth = routeTruth(leg, table);
  const from = leg.local ? ` from ${leg.local}` : '';
  if (truth.link === undefined) return { code: 'route-unknown', reason: `cannot tell which link ${leg.remote}${from} would leave through (${truth.unknown})` };
  if (truth.link === meant) return undefined;
  return { code: 'route-mismatch', link: truth.link, reason: `the kernel routes ${leg.remote}${from} through ${truth.link}, not ${meant}${leg.method === 'device' ? '' : ' (address binding only)'}` };
}
