/**
 * IP address literals: family, scope class, and IPv6 zone ids ("fe80::1%eth0", "fe80::1%3",
 * the URL form "[fe80::1%25eth0]"). The zone is a field of the parsed address, never part of the
 * address text, as in ip-address.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { HiperError } from '../shared/errors.js';
import { ipAddress } from '../shared/ip-address.js';
import type { Family } from '../shared/types.js';

const parse6 = (text: string): import('ip-address').Address6 => new (ipAddress().Address6)(text);

/** The scope class that decides which local addresses may serve a remote one. */
export type AddressScope = 'loopback' | 'link-local' | 'global';

export interface ParsedAddress {
  /** The address without brackets or zone, in canonical form for IPv6. */
  address: string;
  family: Family;
  scope: AddressScope;
  /** The zone as written (interface name or number), if any. */
  zone?: string;
}

/** 4, 6, or 0 for a string that is not an address literal (no zone allowed). */
export function addressFamily(text: string): Family | 0 {
  if (isIPv4(text)) return 4;
  if (isIPv6(text) && !text.includes('%')) return 6;
  return 0;
}

/** Scope class of an address literal that is already known to be valid. */
export function addressScope(address: string, family: Family): AddressScope {
  if (family === 4) {
    if (address.startsWith('127.')) return 'loopback';
    if (address.startsWith('169.254.')) return 'link-local';
    return 'global';
  }
  // Fast path for the common shapes (this runs once per remote address on the connect path).
  const head = address.slice(0, 4).toLowerCase();
  if (/^fe[89ab]/.test(head) && address[4] === ':') return 'link-local';
  if (address === '::1') return 'loopback';
  if (!address.startsWith('::') && !/^0*:|^ff/i.test(address)) return 'global';
  const a = parse6(address);
  if (a.isLoopback()) return 'loopback';
  if (a.isLinkLocal() || (a.isMulticast() && a.getScope() === 'Link local')) return 'link-local';
  if (a.is4()) return addressScope(a.to4().correctForm(), 4);
  return 'global';
}

/**
 * Parses an address literal with an optional zone id. Accepts the plain form "fe80::1%eth0", the URL
 * form with "%25" (RFC 6874) and surrounding brackets. Returns undefined for text that is not an
 * address literal (a host name), and throws ERR_INVALID_ADDRESS for a zone where none can be.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  let t = text;
  const bracketed = t.startsWith('[') && t.endsWith(']');
  if (bracketed) t = t.slice(1, -1);
  if (isIPv4(t)) {
    if (bracketed) return undefined;
    return { address: t, family: 4, scope: addressScope(t, 4) };
  }
  const pct = t.indexOf('%');
  const bare = pct < 0 ? t : t.slice(0, pct);
  if (!isIPv6(bare)) return undefined;
  const address = parse6(bare).correctForm();
  const scope = addressScope(address, 6);
  if (pct < 0) return { address, family: 6, scope };
  let zone = t.slice(pct + 1);
  if (zone.startsWith('25') && (bracketed || zone.length > 2)) {
    // RFC 6874: inside a URL the "%" before the zone is written "%25".
    const decoded = zone.slice(2);
    if (bracketed || !/^\d+$/.test(zone)) zone = decoded;
  }
  if (zone === '' || /[%\s/]/.test(zone)) {
    throw new HiperError('ERR_INVALID_ADDRESS', `invalid zone id in address "${text}"`, { input: text });
  }
  if (scope !== 'link-local') {
    throw new HiperError('ERR_INVALID_ADDRESS', `zone id "${zone}" given for "${address}", which is not a link-local address`, { input: text });
  }
  return { address, family: 6, scope, zone };
}

/** Like parseAddress, but a host name is an error: for inputs that must be literals. */
export function parseAddressLiteral(text: string): ParsedAddress {
  const parsed = parseAddress(text);
  if (!parsed) throw new HiperError('ERR_INVALID_ADDRESS', `"${text}" is not an IP address`, { input: text });
  return parsed;
}

/** "fe80::1%h1" for Node's socket APIs (which resolve zone names themselves), "1.2.3.4" otherwise. */
export function formatWithZone(address: string, zone: string | number | undefined): string {
  return zone === undefined || zone === '' ? address : `${address}%${zone}`;
}
