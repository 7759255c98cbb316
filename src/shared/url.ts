/**
 * Request URLs, with IPv6 zone ids: WHATWG URL rejects "http://[fe80::1%25eth0]:8080/", which is
 * exactly what a link-local user needs (RFC 6874). The zone is taken out, the rest parsed by URL, and
 * the zone kept as a field.
 */
import { HiperError } from './errors.js';

export interface TargetUrl {
  scheme: 'http' | 'https';
  /** Host name or address literal, without brackets or zone. */
  hostname: string;
  /** The zone of a link-local address literal ("eth0"), if any. */
  zone?: string;
  port: number;
  /** Origin-form request target: path and query. */
  path: string;
  /** Host header value: name or bracketed address (no zone, RFC 6874 section 4), with a non-default port. */
  authority: string;
  /** The URL as given, normalised, zone included in RFC 6874 form. */
  href: string;
}

const ZONED = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?\[[0-9a-f:.]+)%(?:25)?([^\]]*)(\].*)$/i;

/**
 * Parsed URL strings, the oldest dropped first when full: a client repeating requests to the same URLs
 * parses each once (new URL() and the zone check cost several µs per transfer). Entries are frozen, as
 * they are shared.
 */
const PARSED = new Map<string, TargetUrl>();
const PARSED_MAX = 256;

export function parseTargetUrl(input: string | URL): TargetUrl {
  if (typeof input !== 'string') return parseUncached(input);
  let target = PARSED.get(input);
  if (target === undefined) {
    target = Object.freeze(parseUncached(input));
    if (PARSED.size >= PARSED_MAX) PARSED.delete(PARSED.keys().next().value!);
    PARSED.set(input, target);
  }
  return target;
}

/** CR, LF, TAB, other controls and spaces: a URL parser would drop or re-encode them silently, so they are refused. */
function refuseHiddenCharacters(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x20 && c !== 0x7f) continue;
    const what = c === 0x0d ? 'CR' : c === 0x0a ? 'LF' : c === 0x09 ? 'TAB' : c === 0x20 ? 'a space (percent-encode it as %20)' : `the control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new HiperError('ERR_INVALID_URL', `URL ${JSON.stringify(text)} holds ${what} at offset ${i}`, { input: text, details: { offset: i } });
  }
}

function parseUncached(input: string | URL): TargetUrl {
  const text = String(input);
  if (typeof input === 'string') refuseHiddenCharacters(text);
  let zone: string | undefined;
  let rest = text;
  // A zone needs a '%': most URLs skip the expression (its first use compiles it, ~0.3 ms of a cold start).
  const m = text.includes('%') ? ZONED.exec(text) : null;
  if (m) {
    zone = decodeURIComponent(m[2]!);
    rest = m[1]! + m[3]!;
  }
  let url: URL;
  try {
    url = new URL(rest);
  } catch (err) {
    throw new HiperError('ERR_INVALID_URL', `invalid URL "${text}"`, { input: text, cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HiperError('ERR_INVALID_URL', `unsupported scheme "${url.protocol}" in "${text}" (http and https only)`, { input: text });
  }
  if (zone !== undefined && !/^[\w.-]+$/.test(zone)) {
    // also an empty zone: "[fe80::1%25]"
    throw new HiperError('ERR_INVALID_URL', `invalid zone id "${zone}" in "${text}"`, { input: text });
  }
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const target: TargetUrl = {
    scheme,
    hostname,
    port,
    path: `${url.pathname}${url.search}`,
    authority: url.host,
    href: zone === undefined ? url.href : url.href.replace(`[${hostname}]`, `[${hostname}%25${zone}]`),
  };
  if (zone !== undefined) target.zone = zone;
  return target;
}

/** The host to connect to: the address with its zone ("fe80::1%eth0"), or the name. */
export function connectHost(t: TargetUrl): string {
  return t.zone === undefined ? t.hostname : `${t.hostname}%${t.zone}`;
}
