/** Host names as resolve takes them: lower case, ASCII (IDNA), within DNS limits. */
import { domainToASCII } from 'node:url';
import { HiperError } from '../shared/errors.js';

const MAX_NAME = 253;
const MAX_LABEL = 63;
/** Characters that never belong in a host name (and hint at a URL or "host:port" given by mistake). */
const FORBIDDEN = /[\s\x00-\x1f\x7f/\\@?#:%[\],]/;

function bad(host: string, why: string): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', `invalid host name "${host}": ${why}`, { input: host });
}

/** The name to look up, or ERR_INVALID_ARGUMENT naming the host. */
export function normalizeHostName(host: string): string {
  let name = host.toLowerCase();
  if (/[^\x00-\x7f]/.test(name)) {
    const ascii = domainToASCII(name);
    if (ascii === '') throw bad(host, 'it is not a valid internationalized domain name');
    name = ascii;
  }
  const m = FORBIDDEN.exec(name);
  if (m) {
    const hint = m[0] === ':' ? ' (give the port separately; IPv6 addresses go in brackets)' : '';
    throw bad(host, `${JSON.stringify(m[0])} is not allowed${hint}`);
  }
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare === '') throw bad(host, 'it is empty');
  if (bare.length > MAX_NAME) throw bad(host, `it is longer than ${MAX_NAME} characters`);
  for (const label of bare.split('.')) {
    if (label === '') throw bad(host, 'it has an empty label');
    if (label.length > MAX_LABEL) throw bad(host, `label "${label.slice(0, 20)}…" is longer than ${MAX_LABEL} characters`);
  }
  return name;
}

/** For comparing DNS names: lower case, no trailing dot. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
