/**
 * RFC 6724 address classification: every address (IPv4 as IPv4-mapped IPv6) as 16 bytes, its scope,
 * and its precedence and label from the default policy table (RFC 6724 section 2.1).
 */

/** RFC 6724 section 3.1 scope values. */
export const SCOPE = { interfaceLocal: 0x1, linkLocal: 0x2, adminLocal: 0x4, siteLocal: 0x5, orgLocal: 0x8, global: 0xe } as const;

interface PolicyRow {
  prefix: Uint8Array;
  bits: number;
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

function row(prefix: string, bits: number, precedence: number, label: number): PolicyRow {
  return { prefix: addressBytes(prefix)!, bits, precedence, label };
}

/** RFC 6724 section 2.1, longest prefix first. */
const POLICY: readonly PolicyRow[] = [
  row('::1', 128, 50, 0),
  row('::ffff:0:0', 96, 35, 4),
  row('::', 96, 1, 3),
  row('2001::', 32, 5, 5),
  row('2002::', 16, 30, 2),
  row('3ffe::', 16, 1, 12),
  row('fec0::', 10, 1, 11),
  row('fc00::', 7, 3, 13),
  row('::', 0, 40, 1),
];

function policyOf(bytes: Uint8Array): PolicyRow {
  for (const r of POLICY) if (commonPrefixLength(bytes, r.prefix) >= r.bits) return r;
  return POLICY[POLICY.length - 1]!;
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
export function classify(address: string): Classified | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return undefined;
  const p = policyOf(bytes);
  return { bytes, scope: scopeOf(bytes), precedence: p.precedence, label: p.label };
}
