/**
 * RFC 6724 address classification: every address (IPv4 as IPv4-mapped IPv6) as 16 bytes, its scope,
 * and its precedence and label from a policy table: the default of section 2.1, one given as an
 * option, or /etc/gai.conf's (gai-conf.ts). Precedence and label are looked up separately, as glibc
 * keeps them, so that a gai.conf with only `label` lines keeps the default precedences.
 */

/** RFC 6724 section 3.1 scope values. */
export const SCOPE = { interfaceLocal: 0x1, linkLocal: 0x2, adminLocal: 0x4, siteLocal: 0x5, orgLocal: 0x8, global: 0xe } as const;

/** One prefix of a policy table and the value (precedence or label) it gives. */
export interface PolicyEntry {
  prefix: Uint8Array;
  bits: number;
  value: number;
}

/** The two lookups of a policy table, each longest prefix first. */
export interface PolicyTable {
  readonly precedence: readonly PolicyEntry[];
  readonly label: readonly PolicyEntry[];
}

/** A row as RFC 6724 section 2.1 writes them: prefix/length, precedence, label. */
export interface PolicyRow {
  prefix: string;
  precedence: number;
  label: number;
}

export interface Classified {
  bytes: Uint8Array;
  scope: number;
  precedence: number;
  label: number;
}

function parseV4(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return false;
    out[at + i] = Number(p);
  }
  return true;
}

function groups(text: string, out: number[]): boolean {
  if (text === '') return true;
  for (const g of text.split(':')) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return false;
    out.push(Number.parseInt(g, 16));
  }
  return true;
}

/**
 * 16 bytes for an IPv4 or IPv6 literal without zone (IPv4 as ::ffff:a.b.c.d), or undefined if the
 * text is neither.
 */
export function addressBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  if (!text.includes(':')) {
    out[10] = 0xff;
    out[11] = 0xff;
    return parseV4(text, out, 12) ? out : undefined;
  }
  let body = text;
  let tail4: string | undefined;
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    tail4 = body.slice(lastColon + 1);
    body = body.slice(0, lastColon + 1) + '0:0';
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head: number[] = [];
  const rest: number[] = [];
  if (!groups(halves[0]!, head)) return undefined;
  if (halves.length === 2 && !groups(halves[1]!, rest)) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  if (tail4 !== undefined && !parseV4(tail4, out, 12)) return undefined;
  return out;
}

/** Number of leading bits two addresses share. */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 16; i++) {
    const x = a[i]! ^ b[i]!;
    if (x === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(x) - 24;
  }
  return n;
}

/** Longest prefix first, so that the first match is the one that applies. */
export function byLongestPrefix(entries: PolicyEntry[]): PolicyEntry[] {
  return entries.sort((a, b) => b.bits - a.bits);
}

/** "2001:db8::/32" (or "::ffff:0:0/96") as bytes and bits; undefined when it is not a prefix. */
export function parsePrefix(text: string): { prefix: Uint8Array; bits: number } | undefined {
  const slash = text.lastIndexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? '128' : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || !address.includes(':')) return undefined;
  const bits = Number(bitsText);
  const prefix = addressBytes(address);
  return prefix && bits <= 128 ? { prefix, bits } : undefined;
}

/**
 * A policy table from rows in RFC 6724's shape (what `policyTable` options take). A bad row is a
 * TypeError naming it; the caller turns it into its own error.
 */
export function policyTable(rows: readonly PolicyRow[]): PolicyTable {
  const precedence: PolicyEntry[] = [];
  const label: PolicyEntry[] = [];
  for (const r of rows) {
    const p = typeof r?.prefix === 'string' ? parsePrefix(r.prefix) : undefined;
    if (!p || !Number.isInteger(r.precedence) || !Number.isInteger(r.label) || r.precedence < 0 || r.label < 0) {
      throw new TypeError(`a policy row is { prefix: "ADDR/LEN" (IPv6; IPv4 as ::ffff:a.b.c.d/LEN), precedence: integer >= 0, label: integer >= 0 }, got ${JSON.stringify(r)}`);
    }
    precedence.push({ ...p, value: r.precedence });
    label.push({ ...p, value: r.label });
  }
  return { precedence: byLongestPrefix(precedence), label: byLongestPrefix(label) };
}

/** RFC 6724 section 2.1. */
export const DEFAULT_POLICY: PolicyTable = policyTable([
  { prefix: '::1/128', precedence: 50, label: 0 },
  { prefix: '::/0', precedence: 40, label: 1 },
  { prefix: '::ffff:0:0/96', precedence: 35, label: 4 },
  { prefix: '2002::/16', precedence: 30, label: 2 },
  { prefix: '2001::/32', precedence: 5, label: 5 },
  { prefix: 'fc00::/7', precedence: 3, label: 13 },
  { prefix: '::/96', precedence: 1, label: 3 },
  { prefix: 'fec0::/10', precedence: 1, label: 11 },
  { prefix: '3ffe::/16', precedence: 1, label: 12 },
]);

/** The value of the longest prefix that matches; a table without a match gives what ::/0 gives by default. */
function lookup(entries: readonly PolicyEntry[], bytes: Uint8Array, otherwise: number): number {
  for (const e of entries) if (commonPrefixLength(bytes, e.prefix) >= e.bits) return e.value;
  return otherwise;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** RFC 6724 section 3.2: IPv4 loopback and auto-configured addresses are link-local, the rest global. */
export function scopeOf(b: Uint8Array): number {
  if (isV4Mapped(b)) return b[12] === 127 || (b[12] === 169 && b[13] === 254) ? SCOPE.linkLocal : SCOPE.global;
  if (b[0] === 0xff) return b[1]! & 0x0f;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return SCOPE.linkLocal;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return SCOPE.siteLocal;
  let loopback = b[15] === 1;
  for (let i = 0; i < 15 && loopback; i++) if (b[i] !== 0) loopback = false;
  return loopback ? SCOPE.linkLocal : SCOPE.global;
}

/** Scope, precedence and label of an address literal (no zone); undefined if it is not one. */
export function classify(address: string, policy: PolicyTable = DEFAULT_POLICY): Classified | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return undefined;
  return { bytes, scope: scopeOf(bytes), precedence: lookup(policy.precedence, bytes, 40), label: lookup(policy.label, bytes, 1) };
}
