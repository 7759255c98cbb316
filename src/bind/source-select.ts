/**
 * RFC 6724 section 5: which of a host's addresses to send from, for one destination. The rules are
 * compared pair by pair, in order, the first that tells two candidates apart deciding; the result
 * names the rule that put the chosen address before the runner-up, so a trace can say why.
 * Rule 5.5 (prefer addresses in a prefix advertised by the next hop) is not applied: the kernel does
 * not tell which router advertised a prefix.
 */
import type { Family } from '../shared/types.js';
import { DEFAULT_POLICY, classify, commonPrefixLength, type Classified, type PolicyTable } from '../shared/address-policy.js';

/** A source address with what the rules read of it (flags and prefix length from the interface table). */
export interface SelectableSource {
  address: string;
  family: Family;
  /** The interface it is on (an index). */
  interfaceIndex?: number;
  /** The length of its subnet prefix: rule 8 compares at most this many bits. */
  prefixLength?: number;
  /** IFA_F_* flags: deprecated, home, temporary (and others, which the rules do not read). */
  flags?: readonly string[];
}

/** The rule that chose, by RFC 6724 section 5's numbering; `only` and `order` when no rule had to. */
export type SourceRule =
  | 'same-address' // 1
  | 'scope' // 2
  | 'not-deprecated' // 3
  | 'home' // 4
  | 'outgoing-interface' // 5
  | 'label' // 6
  | 'temporary' // 7 (preferTemporary)
  | 'public' // 7 (the default)
  | 'longest-prefix' // 8
  | 'order' // no rule told them apart: the interface table's order
  | 'only'; // a single candidate

export interface SourceChoice<T extends SelectableSource = SelectableSource> {
  source: T;
  rule: SourceRule;
}

export interface SourceSelectOptions {
  /** The interface the packets leave through (rule 5), when known. */
  outgoingInterface?: number;
  /**
   * Rule 7: prefer temporary addresses (RFC 4941) over public ones, as IPV6_PREFER_SRC_TMP asks;
   * default false, public first (IPV6_PREFER_SRC_PUBLIC, Linux's default with use_tempaddr < 2).
   */
  preferTemporary?: boolean;
  policy?: PolicyTable;
}

export interface Destination {
  address: string;
  family: Family;
}

/** CommonPrefixLen(S, D) of section 2.2: the leading bits they share, at most S's prefix length. */
export function commonPrefixLen(source: Uint8Array, sourcePrefix: number | undefined, destination: Uint8Array, family: Family): number {
  // IPv4 addresses are compared as IPv4-mapped: their 96 leading bits are always equal.
  const offset = family === 4 ? 96 : 0;
  const cap = sourcePrefix ?? (family === 4 ? 32 : 64);
  return Math.min(commonPrefixLength(source, destination) - offset, cap);
}

interface Ranked<T> {
  candidate: T;
  cls: Classified;
  flags: readonly string[];
}

const has = (r: Ranked<SelectableSource>, flag: string): boolean => r.flags.includes(flag);

/** Negative when a goes first, positive when b does, with the rule that decided; 0 and 'order' when none did. */
function compare<T extends SelectableSource>(a: Ranked<T>, b: Ranked<T>, d: Classified, dAddress: string, family: Family, o: SourceSelectOptions): [number, SourceRule] {
  if (a.candidate.address === dAddress) return [-1, 'same-address'];
  if (b.candidate.address === dAddress) return [1, 'same-address'];
  if (a.cls.scope < b.cls.scope) return [a.cls.scope < d.scope ? 1 : -1, 'scope'];
  if (b.cls.scope < a.cls.scope) return [b.cls.scope < d.scope ? -1 : 1, 'scope'];
  const da = has(a, 'deprecated'), db = has(b, 'deprecated');
  if (da !== db) return [da ? 1 : -1, 'not-deprecated'];
  const ha = has(a, 'home'), hb = has(b, 'home');
  if (ha !== hb) return [ha ? -1 : 1, 'home'];
  if (o.outgoingInterface !== undefined) {
    const oa = a.candidate.interfaceIndex === o.outgoingInterface, ob = b.candidate.interfaceIndex === o.outgoingInterface;
    if (oa !== ob) return [oa ? -1 : 1, 'outgoing-interface'];
  }
  const la = a.cls.label === d.label, lb = b.cls.label === d.label;
  if (la !== lb) return [la ? -1 : 1, 'label'];
  const ta = has(a, 'temporary'), tb = has(b, 'temporary');
  if (ta !== tb) return o.preferTemporary === true ? [ta ? -1 : 1, 'temporary'] : [ta ? 1 : -1, 'public'];
  const pa = commonPrefixLen(a.cls.bytes, a.candidate.prefixLength, d.bytes, family);
  const pb = commonPrefixLen(b.cls.bytes, b.candidate.prefixLength, d.bytes, family);
  if (pa !== pb) return [pb - pa, 'longest-prefix'];
  return [0, 'order'];
}

/**
 * The source RFC 6724 section 5 picks for `destination` among `candidates` (of any family: the
 * others are left out), and the rule that picked it; undefined when none is of its family. Callers
 * leave out what cannot be a source at all (tentative addresses, another link's link-local ones).
 */
export function selectSource<T extends SelectableSource>(destination: Destination, candidates: readonly T[], options: SourceSelectOptions = {}): SourceChoice<T> | undefined {
  const policy = options.policy ?? DEFAULT_POLICY;
  const d = classify(destination.address, policy);
  if (!d) return undefined;
  let best: Ranked<T> | undefined;
  let second: Ranked<T> | undefined;
  for (const candidate of candidates) {
    if (candidate.family !== destination.family) continue;
    const cls = classify(candidate.address, policy);
    if (!cls) continue;
    const r: Ranked<T> = { candidate, cls, flags: candidate.flags ?? [] };
    if (best === undefined) best = r;
    else if (compare(r, best, d, destination.address, destination.family, options)[0] < 0) {
      second = best;
      best = r;
    } else if (second === undefined || compare(r, second, d, destination.address, destination.family, options)[0] < 0) second = r;
  }
  if (best === undefined) return undefined;
  if (second === undefined) return { source: best.candidate, rule: 'only' };
  return { source: best.candidate, rule: compare(best, second, d, destination.address, destination.family, options)[1] };
}
