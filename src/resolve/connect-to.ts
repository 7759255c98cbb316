/**
 * curl --connect-to "HOST:PORT:CONNECT_HOST:CONNECT_PORT": a connection meant for HOST:PORT goes to
 * CONNECT_HOST:CONNECT_PORT instead (names in the request stay as they were). An empty HOST or PORT
 * matches any; an empty CONNECT_HOST or CONNECT_PORT leaves that part unchanged. IPv6 hosts are written
 * in brackets. The first entry that matches applies, as in curl.
 */
import { HiperError } from '../shared/errors.js';
import { parseAddress } from '../bind/index.js';
import { hostKey, parsePortText, takeHost } from './host-port.js';

export interface ConnectToEntry {
  /** Host key to match; undefined matches any host. */
  host?: string;
  /** Port to match; undefined matches any port. */
  port?: number;
  /** Where to connect instead; undefined keeps the host. */
  connectHost?: string;
  /** Port to connect to instead; undefined keeps the port. */
  connectPort?: number;
}

function bad(entry: string, why: string): HiperError {
  return new HiperError('ERR_INVALID_RESOLVE_ENTRY', `invalid --connect-to entry "${entry}": ${why}`, { input: entry });
}

function hostPart(entry: string, at: number, which: string): { host?: string; next: number } {
  const h = takeHost(entry, at);
  if (!h) throw bad(entry, `the "[" of ${which} is not closed`);
  if (/\s/.test(h.host)) throw bad(entry, `${which} contains white space`);
  if (h.bracketed) {
    if (h.host === '' || !parseAddress(`[${h.host}]`)) throw bad(entry, `"[${h.host}]" is not an IPv6 address`);
  } else if (h.host.startsWith('[') || h.host.includes(']')) {
    throw bad(entry, `${which} "${h.host}" has a stray bracket`);
  }
  return { ...(h.host === '' ? {} : { host: h.host }), next: h.next };
}

function portPart(entry: string, text: string, which: string): number | undefined {
  if (text === '') return undefined;
  const port = parsePortText(text);
  if (port === undefined) throw bad(entry, `${which} "${text}" is not a number 1-65535`);
  return port;
}

/** Parses one --connect-to entry; ERR_INVALID_RESOLVE_ENTRY names it when the syntax is wrong. */
export function parseConnectToEntry(entry: string): ConnectToEntry {
  if (typeof entry !== 'string') throw bad(String(entry), `expected a string, got ${typeof entry}`);
  const from = hostPart(entry, 0, 'the host');
  if (entry[from.next] !== ':') throw bad(entry, 'expected HOST:PORT:CONNECT_HOST:CONNECT_PORT');
  const portEnd = entry.indexOf(':', from.next + 1);
  if (portEnd < 0) throw bad(entry, 'expected HOST:PORT:CONNECT_HOST:CONNECT_PORT');
  const port = portPart(entry, entry.slice(from.next + 1, portEnd), 'the port');
  const to = hostPart(entry, portEnd + 1, 'the connect host');
  let connectPort: number | undefined;
  if (to.next < entry.length) {
    if (entry[to.next] !== ':') throw bad(entry, 'expected HOST:PORT:CONNECT_HOST:CONNECT_PORT');
    const rest = entry.slice(to.next + 1);
    if (rest.includes(':')) throw bad(entry, 'too many ":" (IPv6 addresses go in brackets)');
    connectPort = portPart(entry, rest, 'the connect port');
  }
  const out: ConnectToEntry = {};
  if (from.host !== undefined) out.host = hostKey(from.host);
  if (port !== undefined) out.port = port;
  if (to.host !== undefined) out.connectHost = to.host;
  if (connectPort !== undefined) out.connectPort = connectPort;
  return out;
}

/** Where a connection to host:port goes after the --connect-to entries (the first match applies). */
export function applyConnectTo(entries: readonly (string | ConnectToEntry)[], host: string, port: number): { host: string; port: number } {
  let key: string | undefined;
  for (const item of entries) {
    const e = typeof item === 'string' ? parseConnectToEntry(item) : item;
    if (e.port !== undefined && e.port !== port) continue;
    if (e.host !== undefined && e.host !== (key ??= hostKey(host))) continue;
    return { host: e.connectHost ?? host, port: e.connectPort ?? port };
  }
  return { host, port };
}
