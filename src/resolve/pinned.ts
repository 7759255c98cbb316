/**
 * Pinned entries, as curl --resolve: "HOST:PORT:ADDR[,ADDR...]" answers lookups of HOST for a
 * connection to PORT with those addresses, in the order written. "+HOST:PORT:ADDR" is accepted (curl's
 * entry that may age out of its DNS cache; pinned entries here live as long as the option list) and
 * "-HOST:PORT" drops an earlier entry of the same list. HOST "*" matches every host; a later entry
 * replaces an earlier one for the same HOST:PORT, as in curl.
 */
import { HiperError } from '../shared/errors.js';
import type { AddressRecord, Family } from '../shared/types.js';
import { interfaceTable, parseAddress, resolveZone, type InterfaceTable } from '../bind/index.js';
import { noAddress } from './errors.js';
import { hostKey, parsePortText, takeHost } from './host-port.js';
import type { IpVersion } from './types.js';

export interface PinnedAddress {
  address: string;
  family: Family;
  scopeId?: number;
}

export interface ResolveEntry {
  /** Host key: lower case, no brackets; '*' matches every host. */
  host: string;
  port: number;
  /** Empty for a removal. */
  addresses: PinnedAddress[];
  /** "-HOST:PORT": forgets an earlier entry. */
  remove: boolean;
  /** "+HOST:PORT:...": curl's non-permanent form; pinned the same way here. */
  transient: boolean;
}

function bad(entry: string, why: string): HiperError {
  return new HiperError('ERR_INVALID_RESOLVE_ENTRY', `invalid --resolve entry "${entry}": ${why}`, { input: entry });
}

function parsePinnedAddress(entry: string, text: string, table: InterfaceTable | undefined): PinnedAddress {
  if (text === '') throw bad(entry, 'an address is empty');
  let parsed;
  try {
    parsed = parseAddress(text);
  } catch (err) {
    throw new HiperError('ERR_INVALID_RESOLVE_ENTRY', `invalid --resolve entry "${entry}": ${(err as Error).message}`, { input: entry, cause: err });
  }
  if (!parsed) throw bad(entry, `"${text}" is not an IP address`);
  const out: PinnedAddress = { address: parsed.address, family: parsed.family };
  if (parsed.zone !== undefined) out.scopeId = resolveZone(parsed.zone, table ?? interfaceTable(), entry).scopeId;
  return out;
}

/** Parses one --resolve entry; ERR_INVALID_RESOLVE_ENTRY names it when the syntax is wrong. */
export function parseResolveEntry(entry: string, table?: InterfaceTable): ResolveEntry {
  if (typeof entry !== 'string') throw bad(String(entry), `expected a string, got ${typeof entry}`);
  let at = 0;
  const remove = entry.startsWith('-');
  const transient = entry.startsWith('+');
  if (remove || transient) at = 1;
  const h = takeHost(entry, at);
  if (!h) throw bad(entry, 'the "[" of the host is not closed');
  if (h.host === '') throw bad(entry, 'the host is empty');
  if (/\s/.test(h.host)) throw bad(entry, 'the host contains white space');
  if (h.bracketed && !parseAddress(`[${h.host}]`)) throw bad(entry, `"[${h.host}]" is not an IPv6 address`);
  if (entry[h.next] !== ':') throw bad(entry, remove ? 'expected -HOST:PORT' : 'expected HOST:PORT:ADDRESS[,ADDRESS...]');
  const portEnd = entry.indexOf(':', h.next + 1);
  const portText = entry.slice(h.next + 1, portEnd < 0 ? entry.length : portEnd);
  const port = parsePortText(portText);
  if (port === undefined) throw bad(entry, `port "${portText}" is not a number 1-65535`);
  const host = h.host === '*' ? '*' : hostKey(h.host);
  if (remove) {
    if (portEnd >= 0) throw bad(entry, 'a removal is -HOST:PORT, with no addresses');
    return { host, port, addresses: [], remove, transient };
  }
  if (portEnd < 0) throw bad(entry, 'expected HOST:PORT:ADDRESS[,ADDRESS...]');
  const list = entry.slice(portEnd + 1);
  if (list === '') throw bad(entry, 'no address is given');
  const addresses = list.split(',').map((a) => parsePinnedAddress(entry, a, table));
  return { host, port, addresses, remove, transient };
}

/**
 * The pinned entry for host:port from a list (the last that applies; a specific host before "*"), or
 * undefined. `port` undefined matches entries of any port.
 */
export function findPinned(entries: readonly (string | ResolveEntry)[], host: string, port: number | undefined, table?: InterfaceTable): ResolveEntry | undefined {
  const key = hostKey(host);
  let exact: ResolveEntry | undefined;
  let wildcard: ResolveEntry | undefined;
  for (const item of entries) {
    const e = typeof item === 'string' ? parseResolveEntry(item, table) : item;
    if (port !== undefined && e.port !== port) continue;
    if (e.host === key) exact = e.remove ? undefined : e;
    else if (e.host === '*') wildcard = e.remove ? undefined : e;
  }
  return exact ?? wildcard;
}

/** Records for a pinned lookup: the entry's addresses of the wanted family, in the order written. */
export function pinnedRecords(entry: ResolveEntry, host: string, family: IpVersion): AddressRecord[] {
  const out: AddressRecord[] = [];
  for (const a of entry.addresses) {
    if (family !== 'any' && a.family !== family) continue;
    const r: AddressRecord = { address: a.address, family: a.family, source: 'pinned' };
    if (a.scopeId !== undefined) r.scopeId = a.scopeId;
    out.push(r);
  }
  if (out.length === 0) throw noAddress(host, family, 'pinned');
  return out;
}
