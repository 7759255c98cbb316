/** Text shapes shared by the commands: addresses, connect traces, errors. */
import type { Attempt, ConnectTrace } from '../connect/index.js';
import { ERROR_CODES, HiperError } from '../shared/errors.js';
import { bindWords, type AddressRecord, type Skip } from '../shared/index.js';
import { interfaceTable } from '../bind/index.js';

/**
 * Where a command writes its output. A Node Writable fits (process.stdout): write() returning false
 * says its buffer is full and 'drain' says when it has room again, and 'error' reports a failure (a
 * reader that went away). A test double may have write() alone: it is then never full and never fails
 * but by throwing.
 */
export interface OutStream {
  /** `written`, when the stream has writableLength: called once the bytes are written or have failed. */
  write(s: string | Uint8Array, written?: (err?: Error | null) => void): unknown;
  isTTY?: boolean;
  /** Bytes accepted and not yet written (a Writable's writableLength). */
  readonly writableLength?: number;
  on?(event: 'drain' | 'error' | 'close', listener: (...args: any[]) => void): unknown;
  off?(event: 'drain' | 'error' | 'close', listener: (...args: any[]) => void): unknown;
}

/** Where the commands write (stdout and stderr) and read (stdin: `-T -`), or test doubles. */
export interface Io {
  out: OutStream;
  err: { write(s: string): unknown; isTTY?: boolean };
  /** Taken only when a command reads it (`-T -`); process.stdin when absent. */
  in?: () => AsyncIterable<Uint8Array | string>;
}

export const stdio: Io = { out: process.stdout, err: process.stderr, in: () => process.stdin };

export function hostPort(address: string, port: number, family?: number): string {
  return family === 6 || address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function ms(v: number): string {
  return `${v.toFixed(v < 10 ? 2 : 1)} ms`;
}

/** A link-local address's zone as its interface's name (the number when no interface has it now). */
function zoneOf(scopeId: number | undefined): string {
  if (scopeId === undefined) return '';
  return `%${interfaceTable().byIndex(scopeId)?.name ?? scopeId}`;
}

export function addressLine(a: AddressRecord, i: number): string {
  const zone = zoneOf(a.scopeId);
  const ttl = a.ttl !== undefined ? `ttl ${a.ttl}` : '';
  return `  ${String(i + 1).padStart(2)}. ${(a.address + zone).padEnd(40)} IPv${a.family}  ${a.source.padEnd(7)} ${ttl}`.trimEnd();
}

/** How a socket was bound, in words: device binding (SO_BINDTODEVICE), a local address, or neither. */
export function skipLine(s: Skip): string {
  // The link, when the reason does not name it already.
  const via = s.interface !== undefined && !s.reason.includes(s.interface) ? ` via ${s.interface}` : '';
  return `  skip     ${(s.remote + via).padEnd(44)} ${s.reason} (${s.code})`;
}

export function attemptLine(a: Attempt): string {
  // The RFC 6724 section 5 rule that chose among the interface's addresses ('only': there was no choice).
  const rule = a.sourceRule !== undefined && a.sourceRule !== 'only' ? ` (source by rule: ${a.sourceRule})` : '';
  const from = a.local?.address ? ` from ${hostPort(a.local.address, a.local.port ?? 0)}${rule}` : '';
  const via = a.interface ? ` via ${a.interface}` : '';
  const outcome = a.outcome === 'failed' ? `failed: ${a.error ?? 'error'}` : a.outcome;
  const remote = a.remote.address + (a.remote.address.startsWith('fe80:') ? zoneOf(a.remote.scopeId) : '');
  return `  attempt  ${hostPort(remote, a.remote.port, a.remote.family).padEnd(44)} at +${ms(a.startedAt)}${from}${via} (${bindWords(a.method)}) ${outcome} after ${ms(a.durationMs)}`;
}

/** The plan, each skip and attempt, and the winner: what `hiper connect` and `get -v` print. */
export function traceLines(trace: ConnectTrace): string[] {
  const asked = trace.requested !== undefined ? ` for ${trace.requested.host}:${trace.requested.port} (connect-to)` : '';
  const lines = [`connect ${trace.host}:${trace.port}${asked}: ${trace.addresses.length} address${trace.addresses.length === 1 ? '' : 'es'} in ${ms(trace.timings.namelookup)}`];
  trace.addresses.forEach((a, i) => lines.push(addressLine(a, i)));
  for (const s of trace.skips) lines.push(skipLine(s));
  for (const a of trace.attempts) lines.push(attemptLine(a));
  // The link the packets use, when it is not simply the device bound to.
  const link = trace.egressInterface !== undefined && trace.egressInterface !== trace.interface ? `, leaving through ${trace.egressInterface}` : '';
  const via = trace.interface ? ` via ${trace.interface}` : '';
  const tls = trace.alpn !== undefined || trace.tlsVersion !== undefined ? `, ${trace.tlsVersion ?? 'TLS'} ${trace.alpn ?? ''} in ${ms((trace.timings.appconnect ?? 0) - trace.timings.connect)}`.trimEnd() : '';
  lines.push(`connected ${hostPort(trace.local.address, trace.local.port)} -> ${hostPort(trace.remote.address, trace.remote.port, trace.remote.family)}${via} (${bindWords(trace.bindMethod)}${link}) at ${ms(trace.timings.connect)}${tls}`);
  if (trace.egressWarning !== undefined) lines.push(`warning: ${trace.egressWarning}`);
  if (trace.tlsName !== undefined) lines.push(`tls name ${trace.tlsName} (SNI and certificate check)`);
  return lines;
}

/** An error with whatever attempts and skips it carries. */
export function errorLines(err: unknown): string[] {
  if (!(err instanceof HiperError)) return [`error: ${err instanceof Error ? err.message : String(err)}`];
  const lines = [`error ${err.code}: ${err.message}`];
  const skips = err.details.skips as Skip[] | undefined;
  const attempts = err.details.attempts as Attempt[] | undefined;
  const queries = err.details.queries as Array<{ server: string; transport: string; try: number; outcome: string }> | undefined;
  for (const s of skips ?? []) lines.push(skipLine(s));
  for (const a of attempts ?? []) lines.push(attemptLine(a));
  for (const q of queries ?? []) lines.push(`  query    ${q.server.padEnd(44)} ${q.transport} try ${q.try}: ${q.outcome}`);
  return lines;
}

/** Output that could not be written (an -o or --waterfall file, a closed stdout): exit 23 as in curl. */
export function outputError(input: string, cause: unknown): HiperError {
  return new HiperError('ERR_WRITE_OUTPUT', `failure writing output to ${input}: ${cause instanceof Error ? cause.message : String(cause)}`, { input, cause });
}

/** curl's CURLE_WRITE_ERROR. */
export const EXIT_WRITE_ERROR = ERROR_CODES.ERR_WRITE_OUTPUT.exit;

/** An error as --json shows it: code, message, input and the structured details. */
export function errorJson(err: unknown): Record<string, unknown> {
  if (err instanceof HiperError) return { code: err.code, message: err.message, input: err.input, ...err.details };
  return { code: 'ERR_UNKNOWN', message: err instanceof Error ? err.message : String(err) };
}

export function exitCodeOf(err: unknown): number {
  return err instanceof HiperError ? err.exitCode : 1;
}
