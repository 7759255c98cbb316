/** The "HOST:PORT" pieces of curl's --resolve and --connect-to syntax, with IPv6 hosts in brackets. */
import { parseAddress } from '../bind/index.js';

export interface HostPart {
  /** Without brackets; '' when the part is empty. */
  host: string;
  bracketed: boolean;
  /** Index just after the host. */
  next: number;
}

/** Reads a host at `at`: "[v6]" up to "]", else up to the next ":" (or the end). Undefined for an unclosed bracket. */
export function takeHost(text: string, at: number): HostPart | undefined {
  if (text[at] === '[') {
    const close = text.indexOf(']', at);
    if (close < 0) return undefined;
    return { host: text.slice(at + 1, close), bracketed: true, next: close + 1 };
  }
  const colon = text.indexOf(':', at);
  const end = colon < 0 ? text.length : colon;
  return { host: text.slice(at, end), bracketed: false, next: end };
}

/** A port 1-65535 written in decimal, or undefined. */
export function parsePortText(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** How hosts are compared: lower case, no brackets, no trailing dot, IPv6 in canonical form. */
export function hostKey(host: string): string {
  const lower = host.toLowerCase();
  if (lower.includes(':')) {
    try {
      const p = parseAddress(lower);
      if (p) return p.address;
    } catch {
      // not an address: compared as written
    }
  }
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
