/**
 * The resolve cache: answers keyed by name, IP version preference and resolver identity, kept for
 * their TTL up to a cap (curl's DNS cache timeout, 60 s), failures kept briefly (negative caching), and
 * lookups in flight shared so that many concurrent lookups of one name make one query.
 */
import { systemClock, type Clock } from '../shared/clock.js';
import { HiperError } from '../shared/errors.js';
import type { AddressRecord } from '../shared/types.js';

export interface ResolveCacheOptions {
  /** Longest time an answer is kept, ms, whatever its TTL; default 60000; 0 keeps no answers. */
  maxTtlMs?: number;
  /** How long a "no such name" / SERVFAIL / REFUSED answer is kept, ms; default 5000; 0 keeps none. */
  negativeTtlMs?: number;
  /** Most entries kept; the oldest go first; default 1000. */
  maxEntries?: number;
  clock?: Clock;
}

export const DEFAULT_CACHE_MAX_TTL_MS = 60_000;
export const DEFAULT_CACHE_NEGATIVE_TTL_MS = 5_000;
export const DEFAULT_CACHE_MAX_ENTRIES = 1000;

type Entry =
  | { kind: 'answer'; records: readonly AddressRecord[]; storedAt: number; expiresAt: number }
  | { kind: 'failure'; error: HiperError; expiresAt: number };

/** A lookup under way, shared by everyone who asks for the same key meanwhile. */
export interface Flight {
  readonly promise: Promise<AddressRecord[]>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
}

function checkMs(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `${name} must be a number of ms >= 0, got ${JSON.stringify(v)}`, { input: v });
  }
  return v;
}

/** Starts a flight: `run` gets the flight's signal, which aborts when every waiter has gone. */
export function startFlight(run: (signal: AbortSignal) => Promise<AddressRecord[]>): Flight {
  const controller = new AbortController();
  const flight: Flight = { promise: undefined as unknown as Promise<AddressRecord[]>, controller, waiters: 0, settled: false };
  (flight as { promise: Promise<AddressRecord[]> }).promise = run(controller.signal).finally(() => { flight.settled = true; });
  flight.promise.catch(() => {});
  return flight;
}

export class ResolveCache {
  readonly maxTtlMs: number;
  readonly negativeTtlMs: number;
  readonly maxEntries: number;
  readonly clock: Clock;
  /** family -> resolver identity -> name -> entry: no key string is built on the hit path. */
  private readonly entries = new Map<string, Map<string, Map<string, Entry>>>();
  /** In LRU order, for the entry limit: [family, identity, name]. */
  private readonly order = new Map<string, [string, string, string]>();
  private readonly flights = new Map<string, Flight>();
  /** Lookups this cache started (misses that were not joined to a flight). */
  queries = 0;

  constructor(options: ResolveCacheOptions = {}) {
    this.maxTtlMs = checkMs('maxTtlMs', options.maxTtlMs, DEFAULT_CACHE_MAX_TTL_MS);
    this.negativeTtlMs = checkMs('negativeTtlMs', options.negativeTtlMs, DEFAULT_CACHE_NEGATIVE_TTL_MS);
    const max = options.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
    if (!Number.isInteger(max) || max < 1) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `maxEntries must be an integer >= 1, got ${JSON.stringify(max)}`, { input: max });
    }
    this.maxEntries = max;
    this.clock = options.clock ?? systemClock;
  }

  /** Number of live entries (expired ones may still be counted until touched). */
  get size(): number {
    return this.order.size;
  }

  clear(): void {
    this.entries.clear();
    this.order.clear();
  }

  /** Forgets one entry; `family` is the IP version preference it was asked with ('any', '4', '6'). */
  delete(family: string, identity: string, name: string): boolean {
    const byName = this.entries.get(family)?.get(identity);
    if (!byName?.delete(name)) return false;
    this.order.delete(`${family}|${identity}|${name}`);
    return true;
  }

  /**
   * A cached answer as records of source 'cache' with the TTL that remains, a cached failure
   * (thrown again by the caller), or undefined.
   */
  get(family: string, identity: string, name: string): { records: AddressRecord[] } | { error: HiperError } | undefined {
    const e = this.entries.get(family)?.get(identity)?.get(name);
    if (!e) return undefined;
    const now = this.clock.now();
    if (now >= e.expiresAt) {
      this.delete(family, identity, name);
      return undefined;
    }
    if (e.kind === 'failure') return { error: e.error };
    const elapsed = (now - e.storedAt) / 1000;
    const records = new Array<AddressRecord>(e.records.length);
    for (let i = 0; i < e.records.length; i++) {
      const r = e.records[i]!;
      const c: AddressRecord = { address: r.address, family: r.family, source: 'cache' };
      if (r.scopeId !== undefined) c.scopeId = r.scopeId;
      if (r.ttl !== undefined) c.ttl = Math.max(0, Math.floor(r.ttl - elapsed));
      records[i] = c;
    }
    return { records };
  }

  /** Keeps an answer for its smallest TTL, at most maxTtlMs (records without a TTL: maxTtlMs). */
  setAnswer(family: string, identity: string, name: string, records: readonly AddressRecord[]): void {
    let ttlMs = this.maxTtlMs;
    for (const r of records) if (r.ttl !== undefined) ttlMs = Math.min(ttlMs, r.ttl * 1000);
    if (ttlMs <= 0 || records.length === 0) return;
    const now = this.clock.now();
    this.put(family, identity, name, { kind: 'answer', records: records.map((r) => ({ ...r })), storedAt: now, expiresAt: now + ttlMs });
  }

  /** Keeps a failure for negativeTtlMs. */
  setFailure(family: string, identity: string, name: string, error: HiperError): void {
    if (this.negativeTtlMs <= 0) return;
    this.put(family, identity, name, { kind: 'failure', error, expiresAt: this.clock.now() + this.negativeTtlMs });
  }

  private put(family: string, identity: string, name: string, entry: Entry): void {
    let byIdentity = this.entries.get(family);
    if (!byIdentity) this.entries.set(family, (byIdentity = new Map()));
    let byName = byIdentity.get(identity);
    if (!byName) byIdentity.set(identity, (byName = new Map()));
    byName.set(name, entry);
    const key = `${family}|${identity}|${name}`;
    this.order.delete(key);
    this.order.set(key, [family, identity, name]);
    while (this.order.size > this.maxEntries) {
      const [f, i, n] = this.order.values().next().value as [string, string, string];
      this.delete(f, i, n);
    }
  }

  /** The flight for this lookup: the one under way, or a new one made with `run`. */
  flight(family: string, identity: string, name: string, run: (signal: AbortSignal) => Promise<AddressRecord[]>): Flight {
    const key = `${family}|${identity}|${name}`;
    const current = this.flights.get(key);
    if (current && !current.settled && !current.controller.signal.aborted) return current;
    this.queries++;
    const flight = startFlight(run);
    this.flights.set(key, flight);
    const forget = (): void => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.promise.then(forget, forget);
    // A flight everyone gave up on is not joined again, even if its lookup never ends.
    flight.controller.signal.addEventListener('abort', forget, { once: true });
    return flight;
  }

  /** Lookups under way. */
  get inFlight(): number {
    return this.flights.size;
  }
}

let processCache: ResolveCache | undefined;

/** The process-wide cache resolve uses when no cache is given. */
export function defaultCache(): ResolveCache {
  processCache ??= new ResolveCache();
  return processCache;
}
