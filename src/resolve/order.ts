/**
 * Ordering of resolved addresses: RFC 6724 section 6 destination address selection (all ten rules),
 * then RFC 8305 section 4 interleaving by family. Pure functions: the source of each destination is
 * an input, either given per destination (the kernel's choice, resolve.ts) or chosen here from the
 * host's addresses by section 5 (bind/source-select.ts).
 */
import { isIPv4 } from 'node:net';
import type { Family } from '../shared/types.js';
import { HiperError } from '../shared/errors.js';
import { DEFAULT_POLICY, classify, type Classified, type PolicyTable } from '../shared/address-policy.js';
import { commonPrefixLen, selectSource, type SelectableSource, type SourceSelectOptions } from '../bind/source-select.js';

export interface SourceCandidate {
  address: string;
  /** Interface index, for link-local addresses. */
  scopeId?: number;
  /** From the interface table: subnet prefix length, flags (deprecated, home, temporary), interface. */
  prefixLength?: number;
  flags?: readonly string[];
  interfaceIndex?: number;
  /** It leaves through a tunnel (IPv6 in IPv4, GRE, …): RFC 6724 rule 7 prefers native transport. */
  encapsulated?: boolean;
}

/** Source candidates parsed once (resolve keeps one list per interface table). */
export interface PreparedSource extends SourceCandidate, SelectableSource {
  family: Family;
}

export interface OrderOptions {
  /** RFC 8305 First Address Family Count; default 1. */
  firstFamilyCount?: number;
  /**
   * Candidate source addresses of this host: each destination's source is chosen among them by RFC
   * 6724 section 5. Without them (and without sourceFor) rules 1 to 5, 7 and 9 cannot apply, and only
   * precedence, scope and order decide.
   */
  sources?: readonly (string | SourceCandidate)[] | readonly PreparedSource[];
  /** The source of each destination as decided elsewhere (the kernel's route); undefined: none (rule 1). */
  sourceFor?: (destination: Orderable) => PreparedSource | undefined;
  /** The policy table (precedence and label); default RFC 6724 section 2.1's. */
  policy?: PolicyTable;
  /** Rule 9 (longest matching prefix) for IPv4 destinations too; off by default, as RFC 6724 allows. */
  ipv4LongestPrefix?: boolean;
  /** Section 5 rule 7: temporary source addresses before public ones. */
  preferTemporary?: boolean;
}

export interface Orderable {
  address: string;
  family: Family;
  scopeId?: number;
}

export function prepareSources(list: readonly (string | SourceCandidate | PreparedSource)[]): PreparedSource[] {
  const out: PreparedSource[] = [];
  for (const item of list) {
    if (typeof item === 'object' && 'family' in item) {
      out.push(item);
      continue;
    }
    const c = typeof item === 'string' ? { address: item } : item;
    if (!classify(c.address)) continue;
    out.push({ ...c, family: isIPv4(c.address) ? 4 : 6 });
  }
  return out;
}

/** The candidates that may serve a destination: a link-local destination on a known link only from that link. */
function eligible(destination: Orderable, d: Classified, sources: readonly PreparedSource[]): readonly PreparedSource[] {
  if (destination.scopeId === undefined || d.scope > 2) return sources;
  return sources.filter((s) => s.family !== 6 || s.scopeId === undefined || classify(s.address)!.scope > 2 || s.scopeId === destination.scopeId);
}

/** The source RFC 6724 section 5 would pick for a destination, from the candidates. */
export function chooseSource(destination: Orderable, sources: readonly PreparedSource[], options: SourceSelectOptions = {}): PreparedSource | undefined {
  const d = classify(destination.address, options.policy);
  if (!d) return undefined;
  return selectSource(destination, eligible(destination, d, sources), options)?.source;
}

interface Ranked<T> {
  item: T;
  index: number;
  d: Classified | undefined;
  source: PreparedSource | undefined;
  /** The source classified under the same policy. */
  s: Classified | undefined;
}

const flagged = (s: PreparedSource, flag: string): boolean => s.flags?.includes(flag) === true;

/** RFC 6724 section 6. Negative prefers a. */
function compareDestinations<T extends Orderable>(a: Ranked<T>, b: Ranked<T>, withSources: boolean, ipv4LongestPrefix: boolean): number {
  const da = a.d, db = b.d;
  if (!da || !db) return da ? -1 : db ? 1 : a.index - b.index;
  const sa = a.source, sb = b.source;
  if (withSources) {
    if (!sa !== !sb) return sa ? -1 : 1; // rule 1: avoid unusable destinations
    if (sa && sb) {
      const ca = a.s!, cb = b.s!;
      const ma = da.scope === ca.scope, mb = db.scope === cb.scope;
      if (ma !== mb) return ma ? -1 : 1; // rule 2: prefer matching scope
      const xa = flagged(sa, 'deprecated'), xb = flagged(sb, 'deprecated');
      if (xa !== xb) return xa ? 1 : -1; // rule 3: avoid deprecated addresses
      const ha = flagged(sa, 'home'), hb = flagged(sb, 'home');
      if (ha !== hb) return ha ? -1 : 1; // rule 4: prefer home addresses
      const la = da.label === ca.label, lb = db.label === cb.label;
      if (la !== lb) return la ? -1 : 1; // rule 5: prefer matching label
    }
  }
  if (da.precedence !== db.precedence) return db.precedence - da.precedence; // rule 6: prefer higher precedence
  if (sa && sb) {
    const ea = sa.encapsulated === true, eb = sb.encapsulated === true;
    if (ea !== eb) return ea ? 1 : -1; // rule 7: prefer native transport
  }
  if (da.scope !== db.scope) return da.scope - db.scope; // rule 8: prefer smaller scope
  if (sa && sb && a.item.family === b.item.family && (a.item.family === 6 || ipv4LongestPrefix)) {
    // rule 9: use longest matching prefix
    const pa = commonPrefixLen(a.s!.bytes, sa.prefixLength, da.bytes, a.item.family);
    const pb = commonPrefixLen(b.s!.bytes, sb.prefixLength, db.bytes, b.item.family);
    if (pa !== pb) return pb - pa;
  }
  return a.index - b.index; // rule 10: otherwise, leave the order unchanged
}

/** RFC 6724 destination address selection; a new array, the input is left as it was. */
export function sortByRfc6724<T extends Orderable>(records: readonly T[], sources?: OrderOptions['sources'] | OrderOptions): T[] {
  if (records.length < 2) return records.slice();
  const o: OrderOptions = sources === undefined || Array.isArray(sources) ? (sources === undefined ? {} : { sources: sources as OrderOptions['sources'] }) : sources as OrderOptions;
  const policy = o.policy ?? DEFAULT_POLICY;
  const prepared = o.sources ? prepareSources(o.sources) : undefined;
  const sourceOf = o.sourceFor ?? (prepared ? (r: Orderable): PreparedSource | undefined => chooseSource(r, prepared, o) : undefined);
  const ranked: Ranked<T>[] = records.map((item, index) => {
    const d = classify(item.address, policy);
    const source = d && sourceOf ? sourceOf(item) : undefined;
    return { item, index, d, source, s: source ? classify(source.address, policy) : undefined };
  });
  ranked.sort((a, b) => compareDestinations(a, b, sourceOf !== undefined, o.ipv4LongestPrefix === true));
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
  return interleaveFamilies(sortByRfc6724(records, options), checkFirstFamilyCount(options.firstFamilyCount));
}
