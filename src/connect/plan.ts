/**
 * The attempt plan: for each resolved remote address, in order, either a candidate (where to connect
 * from) or a skip with its reason. A skip is not fatal: the next address is tried (curl bug 1189).
 */
import type { AddressRecord, Family, Skip } from '../shared/types.js';
import { addressScope, if2ip, linkUsable, routeGet, type AddressScope, type InterfaceTable, type RouteInfo, type RouteQuery, type SourceRule, type SourceSelectOptions, type Unavailable } from '../bind/index.js';
import type { Egress } from './egress.js';

export interface Candidate {
  remote: { address: string; family: Family; scope: AddressScope; scopeId?: number };
  /** The remote as Node's connect wants it: link-local addresses carry their zone as an interface name. */
  connectHost: string;
  device?: string;
  localAddress?: string;
  /** Scope id for a link-local local address. */
  localScopeId?: number;
  /** The RFC 6724 section 5 rule that chose localAddress among the interface's addresses. */
  sourceRule?: SourceRule;
  /** localAddress may be one this host does not have (IP_FREEBIND: a prefix pool). */
  freebind?: boolean;
}

export interface Plan {
  candidates: Candidate[];
  skips: Skip[];
}

export interface PlanOptions {
  /** RFC 6724 section 5's options for the source if2ip picks on a pinned interface. */
  selection?: Pick<SourceSelectOptions, 'preferTemporary' | 'policy'>;
  /** The kernel's route lookup (injected by tests); used only with the kernel's own interface table. */
  route?: (q: RouteQuery) => RouteInfo | Unavailable;
}

/** The kernel's answers to a route lookup that mean it has no route at all (rather than "cannot ask"). */
const NO_ROUTE = /\b(ENETUNREACH|EHOSTUNREACH)\b/;

/**
 * A pinned address (--resolve keeps its written order, so rule 1 of RFC 6724 cannot put it last) that
 * the host cannot send to at all: the kernel has no route, so there is no source address for it.
 */
function unroutable(record: AddressRecord, table: InterfaceTable, route: NonNullable<PlanOptions['route']>): string | undefined {
  // Loopback is left to the attempt: the common pinned case, and a route lookup per connection saved.
  if (record.source !== 'pinned' || table.source !== 'netlink' || record.address === '::1' || record.address.startsWith('127.')) return undefined;
  const r = route({ family: record.family, to: record.address, ...(record.scopeId !== undefined ? { oif: record.scopeId } : {}) });
  if (!('reason' in r) || !NO_ROUTE.test(r.reason)) return undefined;
  return `this host has no route to ${record.address} (no IPv${record.family} source address for it, RFC 6724 rule 1)`;
}

/** The local address (for a source pool: this connect's draw) that serves a remote of this family and scope. */
function pickLocal(locals: NonNullable<Egress['locals']>, family: Family, scope: AddressScope, scopeId: number | undefined):
  NonNullable<Egress['locals']>[number] | undefined {
  return locals.find((l) => {
    if (l.family !== family) return false;
    if (family === 4) return true;
    if (scope === 'link-local') return l.scope === 'link-local' && (scopeId === undefined || l.scopeId === undefined || l.scopeId === scopeId);
    return l.scope !== 'link-local';
  });
}

function skip(record: AddressRecord, code: string, reason: string): Skip {
  return { remote: record.address, family: record.family, code, reason };
}

export function planAttempts(records: AddressRecord[], egress: Egress, table: InterfaceTable, options: PlanOptions = {}): Plan {
  const plan: Plan = { candidates: [], skips: [] };
  const route = options.route ?? routeGet;
  for (const record of records) {
    const scope = addressScope(record.address, record.family);
    const remote: Candidate['remote'] = { address: record.address, family: record.family, scope };
    if (record.scopeId !== undefined) remote.scopeId = record.scopeId;
    const candidate: Candidate = { remote, connectHost: record.address };

    if (egress.device !== undefined) {
      candidate.device = egress.device;
      if (!egress.locals) {
        const found = if2ip(table, egress.device, remote, options.selection);
        if (found.status !== 'found') {
          plan.skips.push(skip(record, found.status, found.reason));
          continue;
        }
        candidate.localAddress = found.local.address;
        candidate.sourceRule = found.rule;
        if (found.scopeId !== undefined) {
          candidate.localScopeId = found.scopeId;
          remote.scopeId = found.scopeId;
        }
      }
    }
    if (egress.locals) {
      const local = pickLocal(egress.locals, record.family, scope, remote.scopeId);
      if (!local) {
        const v = record.family === 6 ? 'IPv6' : 'IPv4';
        plan.skips.push(skip(record, 'no-family', `${egress.label} has no ${v} address${scope === 'link-local' ? ' on that link' : ''} for ${record.address}`));
        continue;
      }
      candidate.localAddress = local.address;
      if (local.freebind === true) candidate.freebind = true;
      if (local.scopeId !== undefined) {
        candidate.localScopeId = local.scopeId;
        remote.scopeId ??= local.scopeId;
      }
    }
    if (scope === 'link-local' && record.family === 6) {
      const zone = remote.scopeId === undefined ? undefined : table.byIndex(remote.scopeId)?.name;
      if (zone === undefined) {
        plan.skips.push(skip(record, 'no-zone', `${record.address} is link-local and needs a zone id (an interface) to be reached`));
        continue;
      }
      // libuv reads the zone with if_nametoindex(): it must be a name, not a number.
      candidate.connectHost = `${record.address}%${zone}`;
    }
    if (egress.device === undefined && egress.locals === undefined) {
      const why = unroutable(record, table, route);
      if (why !== undefined) {
        plan.skips.push(skip(record, 'no-route', why));
        continue;
      }
    }
    plan.candidates.push(candidate);
  }
  if (egress.device !== undefined) for (const s of plan.skips) s.interface = egress.device;
  return plan;
}

/**
 * An interface list's plan: each link in list order with every address (the resolver's Happy Eyeballs
 * order within a link), so the first link that can serve is tried first, whatever the family, and a
 * later link only after the earlier links' attempts have failed or had their attempt delay. A link
 * missing or down now is skipped for every address, with bind's reason naming it.
 */
export function planLinkAttempts(records: AddressRecord[], links: Egress[], table: InterfaceTable, options: PlanOptions = {}): Plan {
  const plan: Plan = { candidates: [], skips: [] };
  for (const link of links) {
    const device = link.device!;
    const iface = table.get(device);
    if (iface !== undefined && linkUsable(iface)) {
      const part = planAttempts(records, link, table, options);
      plan.candidates.push(...part.candidates);
      plan.skips.push(...part.skips);
      continue;
    }
    for (const record of records) {
      // Missing or down: if2ip says which, in its words.
      const found = if2ip(table, device, { address: record.address, family: record.family, scope: addressScope(record.address, record.family) });
      const s = skip(record, found.status, 'reason' in found ? found.reason : `${device} cannot serve now`);
      s.interface = device;
      plan.skips.push(s);
    }
  }
  return plan;
}
