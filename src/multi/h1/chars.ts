/** Byte class tables for HTTP/1.1 (RFC 9110 §5.6.2 tokens, §5.5 field values): one lookup per byte. */

function table(pred: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = pred(b) ? 1 : 0;
  return t;
}

const TCHAR_PUNCT = "!#$%&'*+-.^_`|~";

/** tchar: the characters of a token (header names, methods). */
export const TOKEN = table(
  (b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || TCHAR_PUNCT.includes(String.fromCharCode(b)),
);

/** field-vchar, SP and HTAB: what a header value (or a reason phrase) may hold; obs-text included. */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

/** Hex digit values; 0xff for a byte that is not a hex digit. */
export const HEX = (() => {
  const t = new Uint8Array(256).fill(0xff);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

/** Whether a string is a non-empty token (request methods, header names). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || TOKEN[c] === 0) return false;
  }
  return true;
}

/** Whether buf[start, end) equals `lower` ignoring ASCII case (`lower` is lower case; buf is token chars). */
export function equalsLower(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    if ((buf[start + i]! | 0x20) !== lower[i]) return false;
  }
  return true;
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** A short printable excerpt of wire bytes for error messages: control bytes escaped, long input cut. */
export function excerpt(buf: Uint8Array, start: number, end: number, max = 80): string {
  let out = '';
  const stop = Math.min(end, start + max);
  for (let i = start; i < stop; i++) {
    const b = buf[i]!;
    if (b === CR) out += '\\r';
    else if (b === LF) out += '\\n';
    else if (b === HTAB) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return end > stop ? `${out}...` : out;
}
