/**
 * The attempt plan: for each resolved remote address, in order, either a candidate (where to connect
 * from) or a skip with its reason. A skip is not fatal: the next address is tried (curl bug 1189).
 */
import type { AddressRecord, Family, Skip } from '../shared/types.js';
import { addressScope, if2ip, type AddressScope, type InterfaceTable, type ParsedAddress, type SourceRule } from '../bind/index.js';
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
}

export interface Plan {
  candidates: Candidate[];
  skips: Skip[];
}

function pickLocal(locals: NonNullable<Egress['locals']>, family: Family, scope: AddressScope, scopeId: number | undefined):
  (ParsedAddress & { scopeId?: number }) | undefined {
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

export function planAttempts(records: AddressRecord[], egress: Egress, table: InterfaceTable): Plan {
  const plan: Plan = { candidates: [], skips: [] };
  for (const record of records) {
    const scope = addressScope(record.address, record.family);
    const remote: Candidate['remote'] = { address: record.address, family: record.family, scope };
    if (record.scopeId !== undefined) remote.scopeId = record.scopeId;
    const candidate: Candidate = { remote, connectHost: record.address };

    if (egress.device !== undefined) {
      candidate.device = egress.device;
      if (!egress.locals) {
        const found = if2ip(table, egress.device, remote);
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
    plan.candidates.push(candidate);
  }
  return plan;
}
