/**
 * Ordering of resolved addresses: RFC 6724 destination address selection (rules 1, 2, 5, 6, 8 and 10,
 * those that need no routing table or address flags), then RFC 8305 section 4 interleaving by family.
 * Pure functions: the candidate source addresses are an input (resolve passes the interface table's).
 */
import { isIPv4 } from 'node:net';
import type { Family } from '../shared/types.js';
import { HiperError } from '../shared/errors.js';
import { classify, commonPrefixLength, type Classified } from './policy.js';

export interface SourceCandidate {
  address: string;
  /** Interface index, for link-local addresses. */
  scopeId?: number;
}

/** Source candidates parsed once (resolve keeps one per interface table). */
export interface PreparedSource extends SourceCandidate {
  family: Family;
  cls: Classified;
}

export interface OrderOptions {
  /** RFC 8305 First Address Family Count; default 1. */
  firstFamilyCount?: number;
  /**
   * Candidate source addresses of this host. Without them rules 1, 2 and 5 (which compare a
   * destination with its source) cannot apply, and only precedence, scope and order decide.
   */
  sources?: readonly (string | SourceCandidate)[] | readonly PreparedSource[];
}

interface Orderable {
  address: string;
  family: Family;
  scopeId?: number;
}

export function prepareSources(list: readonly (string | SourceCandidate | PreparedSource)[]): PreparedSource[] {
  const out: PreparedSource[] = [];
  for (const item of list) {
    if (typeof item === 'object' && 'cls' in item) {
      out.push(item);
      continue;
    }
    const c = typeof item === 'string' ? { address: item } : item;
    const cls = classify(c.address);
    if (!cls) continue;
    out.push({ ...c, family: isIPv4(c.address) ? 4 : 6, cls });
  }
  return out;
}

/** Prefix length RFC 6724 rule 8 compares: at most the 64-bit IPv6 prefix, the 32 IPv4 bits. */
function matchLength(a: Uint8Array, b: Uint8Array, family: Family): number {
  return Math.min(commonPrefixLength(a, b), family === 4 ? 128 : 64);
}

/** RFC 6724 section 5, the rules that need no address flags: 1, 2, 6 and 8. Negative prefers a. */
function compareSources(a: PreparedSource, b: PreparedSource, d: Classified, dAddress: string): number {
  if (a.address === dAddress) return -1;
  if (b.address === dAddress) return 1;
  if (a.cls.scope < b.cls.scope) return a.cls.scope < d.scope ? 1 : -1;
  if (b.cls.scope < a.cls.scope) return b.cls.scope < d.scope ? -1 : 1;
  const la = a.cls.label === d.label, lb = b.cls.label === d.label;
  if (la !== lb) return la ? -1 : 1;
  return matchLength(b.cls.bytes, d.bytes, b.family) - matchLength(a.cls.bytes, d.bytes, a.family);
}

/** The source address RFC 6724 section 5 would pick for a destination, from the candidates. */
export function chooseSource(destination: Orderable, sources: readonly PreparedSource[]): PreparedSource | undefined {
  const d = classify(destination.address);
  if (!d) return undefined;
  return pickSource(destination, d, sources);
}

function pickSource(destination: Orderable, d: Classified, sources: readonly PreparedSource[]): PreparedSource | undefined {
  let best: PreparedSource | undefined;
  for (const s of sources) {
    if (s.family !== destination.family) continue;
    // A link-local destination on a known link is reached only from that link.
    if (destination.scopeId !== undefined && d.scope <= 2 && s.cls.scope <= 2 && s.scopeId !== undefined && s.scopeId !== destination.scopeId) continue;
    if (!best || compareSources(s, best, d, destination.address) < 0) best = s;
  }
  return best;
}

interface Ranked<T> {
  item: T;
  index: number;
  d: Classified | undefined;
  source: PreparedSource | undefined;
}

/** RFC 6724 section 6, rules 1, 2, 5, 6, 8 and 10. Negative prefers a. */
function compareDestinations<T>(a: Ranked<T>, b: Ranked<T>, withSources: boolean): number {
  const da = a.d, db = b.d;
  if (!da || !db) return da ? -1 : db ? 1 : a.index - b.index;
  if (withSources) {
    if (!a.source !== !b.source) return a.source ? -1 : 1; // rule 1
    if (a.source && b.source) {
      const sa = da.scope === a.source.cls.scope, sb = db.scope === b.source.cls.scope;
      if (sa !== sb) return sa ? -1 : 1; // rule 2
      const la = da.label === a.source.cls.label, lb = db.label === b.source.cls.label;
      if (la !== lb) return la ? -1 : 1; // rule 5
    }
  }
  if (da.precedence !== db.precedence) return db.precedence - da.precedence; // rule 6
  if (da.scope !== db.scope) return da.scope - db.scope; // rule 8
  return a.index - b.index; // rule 10
}

/** RFC 6724 destination address selection; a new array, the input is left as it was. */
export function sortByRfc6724<T extends Orderable>(records: readonly T[], sources?: OrderOptions['sources']): T[] {
  if (records.length < 2) return records.slice();
  const prepared = sources ? prepareSources(sources) : undefined;
  const ranked: Ranked<T>[] = records.map((item, index) => {
    const d = classify(item.address);
    return { item, index, d, source: d && prepared ? pickSource(item, d, prepared) : undefined };
  });
  ranked.sort((a, b) => compareDestinations(a, b, prepared !== undefined));
  return ranked.map((r) => r.item);
}

/**
 * RFC 8305 section 4: the family of the first address leads with `firstFamilyCount` addresses, then
 * the families alternate; whatever is left of one family comes last.
 */
export function interleaveFamilies<T extends { family: Family }>(records: readonly T[], firstFamilyCount = 1): T[] {
  const n = records.length;
  if (n < 2) return records.slice();
  const first = records[0]!.family;
  let i = 0; // next address of the first family not yet taken
  let j = 0; // next address of the other family not yet taken
  const next = (from: number, same: boolean): number => {
    while (from < n && (records[from]!.family === first) !== same) from++;
    return from;
  };
  const out = new Array<T>(n);
  let k = 0;
  for (i = next(0, true); k < firstFamilyCount && i < n; i = next(i + 1, true)) out[k++] = records[i]!;
  j = next(0, false);
  while (k < n) {
    if (j < n) {
      out[k++] = records[j]!;
      j = next(j + 1, false);
    }
    if (i < n) {
      out[k++] = records[i]!;
      i = next(i + 1, true);
    }
  }
  return out;
}

export function checkFirstFamilyCount(n: unknown): number {
  if (n === undefined) return 1;
  if (!Number.isInteger(n) || (n as number) < 1) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `firstFamilyCount must be an integer >= 1, got ${JSON.stringify(n)}`, { input: n });
  }
  return n as number;
}

/** RFC 6724 order, then RFC 8305 interleaving: the order connect tries the addresses in. */
export function orderAddresses<T extends Orderable>(records: readonly T[], options: OrderOptions = {}): T[] {
  return interleaveFamilies(sortByRfc6724(records, options.sources), checkFirstFamilyCount(options.firstFamilyCount));
}
