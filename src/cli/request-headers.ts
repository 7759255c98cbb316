/**
 * The request headers of `hiper get`, in the order curl 7.88 writes them: Host, Authorization, Range,
 * User-Agent, Accept, Accept-Encoding, Referer, Cookie, then the -H headers in the order given, then
 * Content-Length and Content-Type of a body. A -H header of the same name as one of curl's own
 * replaces it (at the -H position; a Host stays first); `-H 'Name:'` removes it; `-H 'Name;'` sends it
 * empty; `-H @FILE` gives one header a line.
 */
import { readFileSync } from 'node:fs';
import { usageError } from './args.js';

/** One -H as given: a header to send (value '' for `Name;`), or `Name:` to remove one. */
export interface HeaderArg {
  name: string;
  value: string;
  remove: boolean;
}

/** curl's -H syntax: "Name: value", "Name:" (remove), "Name;" (empty value). */
export function parseHeaderArg(h: string): HeaderArg {
  const colon = h.indexOf(':');
  const semi = h.indexOf(';');
  if (semi > 0 && (colon < 0 || semi < colon) && h.slice(semi + 1).trim() === '') {
    return { name: h.slice(0, semi).trim(), value: '', remove: false };
  }
  if (colon <= 0 || h.slice(0, colon).trim() === '') throw usageError('-H', `-H expects "Name: value", "Name:" or "Name;", got ${JSON.stringify(h)}`);
  const name = h.slice(0, colon).trim();
  const value = h.slice(colon + 1).trim();
  if (name.toLowerCase() === 'host' && value === '') throw usageError('-H', '-H "Host:" cannot remove Host: hiper always sends it (HTTP/1.1 requires it)');
  return { name, value, remove: value === '' };
}

/** One -H value as header lines: -H @FILE gives the file's lines (blank ones skipped), as curl 7.55+. */
export function headerArgs(value: string, read: (path: string) => string = (p) => readFileSync(p === '-' ? 0 : p, 'utf8')): string[] {
  if (!value.startsWith('@')) return [value];
  let text: string;
  try {
    text = read(value.slice(1));
  } catch (err) {
    throw usageError('-H', `-H ${value}: cannot read ${value.slice(1)}: ${(err as Error).message}`);
  }
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/** What the request is made of before its headers are laid out (undefined: not sent). */
export interface RequestHeaderParts {
  authorization?: string;
  range?: string;
  userAgent?: string;
  accept?: string;
  acceptEncoding?: string;
  referer?: string;
  cookie?: string;
  /** The -H headers (and the ones --json adds after them), in order. */
  custom: readonly HeaderArg[];
  /** The body's size, when it is known before sending. */
  contentLength?: number;
  /** The body's type (-d's form type, -F's multipart type), sent unless -H gives one. */
  contentType?: string;
}

/** The headers in curl's order (see the top of this file). */
export function buildRequestHeaders(parts: RequestHeaderParts): Array<[string, string]> {
  const custom = new Set(parts.custom.map((h) => h.name.toLowerCase()));
  const out: Array<[string, string]> = [];
  const host = parts.custom.find((h) => !h.remove && h.name.toLowerCase() === 'host');
  if (host) out.push([host.name, host.value]);
  const own: Array<[string, string | undefined]> = [
    ['Authorization', parts.authorization],
    ['Range', parts.range],
    ['User-Agent', parts.userAgent],
    ['Accept', parts.accept],
    ['Accept-Encoding', parts.acceptEncoding],
    ['Referer', parts.referer],
    ['Cookie', parts.cookie],
  ];
  for (const [name, value] of own) if (value !== undefined && !custom.has(name.toLowerCase())) out.push([name, value]);
  for (const h of parts.custom) if (!h.remove && h !== host) out.push([h.name, h.value]);
  if (parts.contentLength !== undefined && !custom.has('content-length')) out.push(['Content-Length', String(parts.contentLength)]);
  if (parts.contentType !== undefined && !custom.has('content-type')) out.push(['Content-Type', parts.contentType]);
  return out;
}

/** HTTP Basic credentials as curl sends them for -u user:pass. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** -u USER:PASSWORD (the password may hold colons; curl splits at the first). */
export function parseUserFlag(value: string): { user: string; password: string } {
  const colon = value.indexOf(':');
  if (colon < 0) throw usageError('-u', `-u ${JSON.stringify(value)} has no password: hiper does not prompt for one; give -u user:password`);
  return { user: value.slice(0, colon), password: value.slice(colon + 1) };
}

/**
 * The credentials in a URL (http://user:pass@host/), percent-decoded as curl decodes them, and the URL
 * without them. A URL without credentials (or one that does not parse) comes back as it was.
 */
export function urlCredentials(url: string): { url: string; user?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (u.username === '' && u.password === '') return { url };
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(u.username);
  const password = decode(u.password);
  u.username = '';
  u.password = '';
  return { url: u.href, user, password };
}

/** -r/--range: curl's byte ranges, "N-M", "N-", "-N", several joined by commas. */
export function parseRange(value: string): string {
  if (!/^(\d+-\d*|-\d+)(,(\d+-\d*|-\d+))*$/.test(value)) {
    throw usageError('-r', `-r expects byte ranges like 0-499, 500-, -500 or 0-1,4-5, got ${JSON.stringify(value)}`);
  }
  return `bytes=${value}`;
}
