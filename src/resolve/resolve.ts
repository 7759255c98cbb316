/**
 * resolve(host, options): the ordered addresses connect tries. Pinned entries and address literals
 * answer at once; names go to the cache, then (on a miss) to one shared lookup through the system
 * resolver, explicit DNS servers or DoH; answers are ordered per RFC 6724 and interleaved per RFC 8305.
 */
import { isIPv4 } from 'node:net';
import { HiperError } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { AddressRecord } from '../shared/types.js';
import { interfaceTable, parseAddress, resolveZone, type InterfaceTable } from '../bind/index.js';
import { abortError } from './abort.js';
import { ResolveCache, defaultCache, startFlight, type Flight } from './cache.js';
import { dohIdentity, dohLookup } from './doh/lookup.js';
import { familyLabel, isNegativeAnswer } from './errors.js';
import { normalizeHostName } from './hostname.js';
import { checkFirstFamilyCount, interleaveFamilies, sortByRfc6724 } from './order.js';
import { sourcePicker } from './sources.js';
import { gaiConfPolicy, systemPolicy } from './gai-conf.js';
import { policyTable, type PolicyTable } from '../shared/address-policy.js';
import { findPinned, pinnedRecords } from './pinned.js';
import { requireDeviceBinding } from './dns/egress.js';
import { dnsServersLookup } from './dns/lookup.js';
import { dnsServersIdentity, type DnsServersConfig } from './servers.js';
import { systemLookup } from './system.js';
import type { IpVersion, LowerLookup, ResolveOptions } from './types.js';

const FAMILY_KEY = { any: 'any', 4: '4', 6: '6' } as const;

/** Time limit of one lookup when none is given, ms. */
export const DEFAULT_RESOLVE_TIMEOUT = 30_000;

function invalid(what: string, value: unknown): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', `${what}, got ${JSON.stringify(value)}`, { input: value });
}

/** Parsed literals without zone (IPv6 canonical forms cost microseconds to make); bounded. */
const literals = new Map<string, AddressRecord>();
const MAX_LITERALS = 1024;

/** An address literal answers at once (with its scope id for a zone), or undefined for a name. */
function literalRecords(host: string, family: IpVersion, table: InterfaceTable | undefined): AddressRecord[] | undefined {
  let record: AddressRecord | undefined;
  if (isIPv4(host)) {
    record = { address: host, family: 4, source: 'literal' };
  } else {
    if (!host.includes(':')) return undefined;
    const known = literals.get(host);
    if (known) {
      record = { address: known.address, family: 6, source: 'literal' };
    } else {
      const p = parseAddress(host);
      if (!p) return undefined;
      record = { address: p.address, family: p.family, source: 'literal' };
      if (p.zone !== undefined) {
        record.scopeId = resolveZone(p.zone, table ?? interfaceTable(), host).scopeId;
      } else {
        if (literals.size >= MAX_LITERALS) literals.clear();
        literals.set(host, { ...record });
      }
    }
  }
  if (family !== 'any' && record.family !== family) {
    throw new HiperError('ERR_DNS_NOT_FOUND', `${host} is an IPv${record.family} address, but ${familyLabel(family)} was asked for`, {
      input: host, details: { family, source: 'literal' },
    });
  }
  return [record];
}

const lookupIds = new WeakMap<LowerLookup, string>();
let nextLookupId = 0;
let defaultSystem: LowerLookup | undefined;

function usesServers(o: ResolveOptions): boolean {
  return o.dnsServers !== undefined || o.dnsInterface !== undefined || o.dnsLocalAddress4 !== undefined || o.dnsLocalAddress6 !== undefined;
}

/** The identity of the lookup under the cache (part of the cache key), checked cheaply on every call. */
function identityOf(o: ResolveOptions): string {
  if (o.lookup !== undefined) {
    const fn = o.lookup;
    if (typeof fn !== 'function') throw invalid('lookup must be a function', typeof fn);
    let id = lookupIds.get(fn);
    if (id === undefined) lookupIds.set(fn, (id = `lookup#${++nextLookupId}`));
    return id;
  }
  if (o.doh !== undefined) {
    if (usesServers(o)) {
      throw new HiperError('ERR_INVALID_ARGUMENT', 'doh cannot be combined with dnsServers, dnsInterface or dnsLocalAddress4/6 (DoH egress is its transport\'s)', { input: o.doh.url });
    }
    return dohIdentity(o.doh);
  }
  if (usesServers(o)) {
    const config = serversConfig(o);
    // Before the cache too: a strict lookup is never answered from an address-bound one.
    requireDeviceBinding(config);
    return dnsServersIdentity(config);
  }
  return 'system';
}

function serversConfig(o: ResolveOptions): DnsServersConfig {
  if (o.dnsServers !== undefined && !Array.isArray(o.dnsServers)) throw invalid('dnsServers must be an array of strings', o.dnsServers);
  return {
    ...(o.dnsServers ? { servers: o.dnsServers } : {}),
    ...(o.dnsInterface !== undefined ? { interface: o.dnsInterface } : {}),
    ...(o.dnsLocalAddress4 !== undefined ? { localAddress4: o.dnsLocalAddress4 } : {}),
    ...(o.dnsLocalAddress6 !== undefined ? { localAddress6: o.dnsLocalAddress6 } : {}),
    ...(o.table ? { table: o.table } : {}),
    ...(o.strict ? { strict: true } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  };
}

/** The lookup under the cache for these options (made on a miss only). */
function lowerOf(o: ResolveOptions): LowerLookup {
  if (o.lookup !== undefined) return o.lookup;
  if (o.doh !== undefined) return dohLookup(o.doh);
  if (usesServers(o)) return dnsServersLookup(serversConfig(o));
  if (o.table) return systemLookup({ table: o.table });
  return (defaultSystem ??= systemLookup());
}

function cacheOf(cache: ResolveOptions['cache']): ResolveCache | undefined {
  if (cache === undefined) return defaultCache();
  if (cache === false) return undefined;
  if (cache instanceof ResolveCache) return cache;
  throw invalid('cache must be a ResolveCache or false', typeof cache);
}

/**
 * The policy table and options RFC 6724 uses for these options: for ordering here, and for connect's
 * choice of source on a pinned interface.
 */
export function addressSelectionOf(o: ResolveOptions): { policy: PolicyTable; preferTemporary?: boolean; ipv4LongestPrefix?: boolean; interface?: string } {
  const sel = o.addressSelection;
  if (sel === undefined) return { policy: systemPolicy() };
  if (sel.policyTable !== undefined && sel.gaiConf !== undefined) throw invalid('addressSelection takes policyTable or gaiConf, not both', sel);
  if (sel.gaiConf !== undefined && (typeof sel.gaiConf !== 'string' || sel.gaiConf === '')) throw invalid('addressSelection.gaiConf must be a file name', sel.gaiConf);
  let policy: PolicyTable;
  try {
    policy = sel.policyTable !== undefined ? policyTable(sel.policyTable) : sel.gaiConf !== undefined ? gaiConfPolicy(sel.gaiConf) : systemPolicy();
  } catch (err) {
    if (err instanceof HiperError) throw err;
    throw invalid(`addressSelection.policyTable: ${(err as Error).message}`, sel.policyTable);
  }
  if (sel.interface !== undefined && (typeof sel.interface !== 'string' || sel.interface === '')) throw invalid('addressSelection.interface must be an interface name', sel.interface);
  return {
    policy,
    ...(sel.interface !== undefined ? { interface: sel.interface } : {}),
    ...(sel.preferTemporary !== undefined ? { preferTemporary: sel.preferTemporary === true } : {}),
    ...(sel.ipv4LongestPrefix !== undefined ? { ipv4LongestPrefix: sel.ipv4LongestPrefix === true } : {}),
  };
}

function dedupe(records: AddressRecord[]): AddressRecord[] {
  if (records.length < 2) return records;
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = `${r.address}%${r.scopeId ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Waits for a flight within this caller's time limit and signal; the last waiter to leave stops it. */
function wait(flight: Flight, host: string, timeoutMs: number, signal: AbortSignal | undefined, clock: Clock): Promise<AddressRecord[]> {
  flight.waiters++;
  return new Promise((resolve, reject) => {
    let done = false;
    const leave = (): void => {
      done = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      flight.waiters--;
      if (flight.waiters === 0 && !flight.settled) flight.controller.abort(new HiperError('ERR_ABORTED', `nobody waits for the lookup of ${host} any more`, { input: host }));
    };
    const timer = clock.setTimeout(() => {
      if (done) return;
      leave();
      reject(new HiperError('ERR_TIMEOUT', `resolving ${host} took longer than ${timeoutMs} ms`, { input: host, details: { timeoutMs } }));
    }, timeoutMs);
    const onAbort = (): void => {
      if (done) return;
      leave();
      reject(abortError(host, signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    flight.promise.then(
      (records) => { if (!done) { leave(); resolve(records); } },
      (err: unknown) => { if (!done) { leave(); reject(err); } },
    );
  });
}

function checkTimeout(t: unknown): number {
  if (t === undefined) return DEFAULT_RESOLVE_TIMEOUT;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw invalid('timeout must be a number of ms > 0', t);
  return t;
}

export async function resolve(host: string, options: ResolveOptions = {}): Promise<AddressRecord[]> {
  if (typeof host !== 'string' || host === '') throw invalid('host must be a non-empty string', host);
  const family = options.family ?? 'any';
  if (family !== 'any' && family !== 4 && family !== 6) throw invalid('family must be "any", 4 or 6', family);
  if (options.signal?.aborted) throw abortError(host, options.signal);
  if (options.pinned !== undefined && options.pinned.length > 0) {
    const entry = findPinned(options.pinned, host, options.port, options.table);
    if (entry) return pinnedRecords(entry, host, family);
  }
  const literal = literalRecords(host, family, options.table);
  if (literal) return literal;

  const firstFamilyCount = options.firstFamilyCount === undefined ? 1 : checkFirstFamilyCount(options.firstFamilyCount);
  const cache = cacheOf(options.cache);
  const famKey = FAMILY_KEY[family];
  // Answers are kept in their order: another address selection is another entry.
  const identity = options.addressSelection === undefined ? identityOf(options) : `${identityOf(options)}|${JSON.stringify(options.addressSelection)}`;
  const hostKey = host.toLowerCase();
  if (cache) {
    const hit = cache.get(famKey, identity, hostKey);
    if (hit) {
      // Entries are kept interleaved with a first family count of 1; another count re-interleaves.
      if ('records' in hit) return firstFamilyCount === 1 ? hit.records : interleaveFamilies(hit.records, firstFamilyCount);
      const e = hit.error;
      throw new HiperError(e.code, e.message, { input: e.input, cause: e.cause, details: { ...e.details, cached: true } });
    }
  }

  const name = normalizeHostName(host);
  const timeoutMs = checkTimeout(options.timeout);
  const table = options.table;
  const run = async (signal: AbortSignal): Promise<AddressRecord[]> => {
    try {
      const records = dedupe(await lowerOf(options)({ name, family, signal }));
      const sel = addressSelectionOf(options);
      const ordered = interleaveFamilies(sortByRfc6724(records, { ...sel, sourceFor: sourcePicker(table ?? interfaceTable(), sel) }), 1);
      cache?.setAnswer(famKey, identity, hostKey, ordered);
      return ordered;
    } catch (err) {
      if (cache && isNegativeAnswer(err)) cache.setFailure(famKey, identity, hostKey, err as HiperError);
      throw err;
    }
  };
  const flight = cache ? cache.flight(famKey, identity, hostKey, run) : startFlight(run);
  const ordered = await wait(flight, host, timeoutMs, options.signal, options.clock ?? systemClock);
  // Waiters share the flight's records: each gets its own array and objects.
  return interleaveFamilies(ordered, firstFamilyCount).map((r) => ({ ...r }));
}
