/**
 * if2ip: the local address of an interface that can serve a given remote address. Like curl's
 * lib/if2ip.c it answers with a result, not an exception, because "this interface cannot serve this
 * address" is a normal outcome: connect skips that address and tries the next (curl bug 1189).
 *
 * Scope rules: an IPv4 remote gets an IPv4 address; a link-local IPv6 remote gets a link-local
 * address on the same scope id; a global IPv6 remote never gets a link-local address.
 * Results: found; not-found (no such interface); link-down (the link is down: nothing leaves through
 * it now); no-family (no address of the remote's family that may serve it; link-local addresses do
 * not count for a global remote, as in curl, nor do addresses still in or failed by duplicate address
 * detection); no-scope (the family is there, but not on the remote's link or of its scope class).
 * Among several addresses that may serve the remote, RFC 6724 section 5 chooses (source-select.ts),
 * and the result names the rule that did.
 */
import type { Family } from '../shared/types.js';
import type { AddressScope } from './address.js';
import { addressUsable, linkUsable, type InterfaceAddress, type InterfaceTable, type NetworkInterface } from './interfaces.js';
import { selectSource, type SourceRule, type SourceSelectOptions } from './source-select.js';

export interface RemoteAddress {
  address: string;
  family: Family;
  scope: AddressScope;
  /** For link-local IPv6: the interface index the remote is reached through, if known. */
  scopeId?: number;
}

export type If2IpResult =
  | { status: 'found'; iface: NetworkInterface; local: InterfaceAddress; scopeId?: number; rule: SourceRule }
  | { status: 'not-found'; iface: string; reason: string }
  | { status: 'link-down'; iface: string; reason: string }
  | { status: 'no-family'; iface: string; reason: string }
  | { status: 'no-scope'; iface: string; reason: string };

function compatible(local: InterfaceAddress, remote: RemoteAddress): boolean {
  if (local.family !== remote.family) return false;
  if (remote.family === 4) return local.scope !== 'link-local' || remote.scope === 'link-local';
  if (remote.scope === 'link-local') return local.scope === 'link-local';
  if (remote.scope === 'loopback') return local.scope === 'loopback';
  return local.scope === 'global';
}

export function if2ip(table: InterfaceTable, ifaceName: string, remote: RemoteAddress, selection: Pick<SourceSelectOptions, 'preferTemporary' | 'policy'> = {}): If2IpResult {
  const iface = table.get(ifaceName);
  if (!iface) return { status: 'not-found', iface: ifaceName, reason: `no interface named "${ifaceName}"` };
  if (!linkUsable(iface)) {
    const why = iface.flags && !iface.flags.includes('up') ? 'administratively down' : `down (${iface.state})`;
    return { status: 'link-down', iface: ifaceName, reason: `${ifaceName} is ${why}` };
  }
  const v = remote.family === 6 ? 'IPv6' : 'IPv4';
  const ofFamily = iface.addresses.filter((a) => a.family === remote.family && addressUsable(a));
  // As in curl, a link-local address does not count as "having IPv6" for a global destination.
  const usable = remote.scope === 'link-local' ? ofFamily : ofFamily.filter((a) => a.scope !== 'link-local');
  if (usable.length === 0) {
    const only = ofFamily.length > 0 ? ` usable for ${remote.address} (only link-local)` : '';
    return { status: 'no-family', iface: ifaceName, reason: `${ifaceName} has no ${v} address${only}` };
  }
  if (remote.family === 6 && remote.scope === 'link-local' && remote.scopeId !== undefined && iface.index !== undefined && remote.scopeId !== iface.index) {
    const zone = table.byIndex(remote.scopeId)?.name ?? String(remote.scopeId);
    return { status: 'no-scope', iface: ifaceName, reason: `${remote.address} is on link ${zone}, not on ${ifaceName}` };
  }
  const fit = usable.filter((a) => compatible(a, remote));
  const choice = selectSource(remote, fit, selection);
  if (!choice) {
    return { status: 'no-scope', iface: ifaceName, reason: `${ifaceName} has no ${v} address of ${remote.scope} scope for ${remote.address}` };
  }
  const result: If2IpResult = { status: 'found', iface, local: choice.source, rule: choice.rule };
  const scopeId = remote.scope === 'link-local' && remote.family === 6 ? (remote.scopeId ?? iface.index) : undefined;
  if (scopeId !== undefined) result.scopeId = scopeId;
  return result;
}
