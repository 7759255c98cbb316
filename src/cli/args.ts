/**
 * Flags shared by the commands, with curl's names and meanings, and their conversion to library
 * options. A bad flag or value is a usage error naming the flag (exit 2, as curl).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { HiperError } from '../shared/errors.js';
import type { IpVersion, ResolveOptions } from '../resolve/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A usage error: the flag (or argument) it is about is its input; main exits 2 for it. */
export function usageError(input: string, message: string): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', message, { input, details: { usage: true } });
}

export function isUsageError(err: unknown): boolean {
  return err instanceof HiperError && err.details.usage === true;
}

export const JSON_FLAG: Options = { json: { type: 'boolean' } };

export const FAMILY_FLAGS: Options = {
  ipv4: { type: 'boolean', short: '4' },
  ipv6: { type: 'boolean', short: '6' },
};

export const RESOLVE_FLAGS: Options = {
  resolve: { type: 'string', multiple: true },
  'connect-to': { type: 'string', multiple: true },
  'dns-servers': { type: 'string' },
  'dns-interface': { type: 'string' },
  'dns-ipv4-addr': { type: 'string' },
  'dns-ipv6-addr': { type: 'string' },
  'doh-url': { type: 'string' },
};

/** TLS verification for https transfers and DoH requests alike, as in curl. */
export const TLS_FLAGS: Options = {
  insecure: { type: 'boolean', short: 'k' },
  cacert: { type: 'string' },
};

/** The TLS options of --cacert and -k. */
export function tlsOptions(values: Values): { ca?: string; rejectUnauthorized?: boolean } {
  const cacert = str(values, 'cacert');
  return {
    ...(cacert !== undefined ? { ca: atFile(`@${cacert}`) } : {}),
    ...(flag(values, 'insecure') ? { rejectUnauthorized: false } : {}),
  };
}

export const EGRESS_FLAGS: Options = {
  // Given several times: an ordered failover list (curl keeps the last one).
  interface: { type: 'string', multiple: true },
  'no-failback': { type: 'boolean' },
  'source-pool': { type: 'string' },
  'source-policy': { type: 'string' },
  freebind: { type: 'boolean' },
  fwmark: { type: 'string' },
  'ip-tos': { type: 'string' },
  'vlan-priority': { type: 'string' },
  'tcp-user-timeout': { type: 'string' },
  'keepalive-time': { type: 'string' },
  'keepalive-cnt': { type: 'string' },
  'local-port': { type: 'string' },
  'happy-eyeballs-timeout-ms': { type: 'string' },
  'connect-timeout': { type: 'string' },
  strict: { type: 'boolean' },
};

/** resolve's flags for the DoH request's own egress (connect and get use the transfer's). */
export const DOH_EGRESS_FLAGS: Options = {
  interface: { type: 'string' },
  strict: { type: 'boolean' },
};

export type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * One option as given on the command line, in order (for flags whose relative order matters: the data
 * flags, -o and -O with the URLs); a positional argument has the name ''.
 */
export interface OptionToken {
  name: string;
  value: string | undefined;
}

/**
 * As curl, a flag that takes a value takes the next argument whatever it is (-r -500, -d -x): such a
 * pair becomes --name=value, which parseArgs reads without calling the value ambiguous.
 */
export function joinDashValues(args: readonly string[], options: Options): string[] {
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short !== undefined) byShort.set(o.short, name);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    let name: string | undefined;
    let keep = '';
    if (a.startsWith('--') && !a.includes('=')) name = a.slice(2);
    else if (/^-[^-]+$/.test(a)) {
      // A short flag, or a group of them ending with one that takes a value (-sSr).
      const letters = [...a.slice(1)];
      const firstValued = letters.findIndex((l) => options[byShort.get(l) ?? '']?.type === 'string');
      if (firstValued === letters.length - 1) {
        name = byShort.get(letters.at(-1)!);
        keep = letters.length > 1 ? `-${letters.slice(0, -1).join('')}` : '';
      }
    }
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '-') {
      if (keep !== '') out.push(keep);
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** parseArgs with strict checking; its errors become usage errors naming the flag. */
export function parse(args: string[], options: Options, command: string): { values: Values; positionals: string[]; tokens: OptionToken[] } {
  try {
    const r = parseArgs({ args: joinDashValues(args, options), options, strict: true, allowPositionals: true, tokens: true });
    const tokens: OptionToken[] = [];
    for (const t of r.tokens) {
      if (t.kind === 'option') tokens.push({ name: t.name, value: t.value });
      else if (t.kind === 'positional') tokens.push({ name: '', value: t.value });
    }
    return { values: r.values as Values, positionals: r.positionals, tokens };
  } catch (err) {
    const message = (err as Error).message;
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? command;
    throw usageError(flag, `${command}: ${message.replace(/\. To specify a positional.*$/s, '')} (hiper --help lists the flags)`);
  }
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : [];
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A number flag: `kind` says what is allowed; the message names the flag and the value. */
export function num(values: Values, name: string, kind: 'int>=0' | 'int>=1' | 'seconds' | 'seconds>=0'): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(n)
    && (kind === 'seconds' ? n > 0 : kind === 'seconds>=0' ? n >= 0 : Number.isInteger(n) && n >= (kind === 'int>=1' ? 1 : 0));
  if (!ok) {
    const expected = kind === 'seconds' ? 'a number of seconds > 0' : kind === 'seconds>=0' ? 'a number of seconds >= 0' : kind === 'int>=1' ? 'an integer >= 1' : 'an integer >= 0';
    throw usageError(`--${name}`, `--${name} expects ${expected}, got "${raw}"`);
  }
  return n;
}

const SIZE_SUFFIXES: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes as curl takes it (--max-filesize): an integer, optionally with k, M or G (powers of 1024, either case). */
export function size(values: Values, name: string): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const m = /^\s*(\d+)\s*([kmg]?)\s*$/i.exec(raw);
  const n = m ? Number(m[1]) * SIZE_SUFFIXES[m[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(n)) throw usageError(`--${name}`, `--${name} expects a number of bytes, optionally with k, M or G, got "${raw}"`);
  return n;
}

export function family(values: Values): IpVersion {
  if (flag(values, 'ipv4') && flag(values, 'ipv6')) throw usageError('-4', '-4 and -6 exclude each other');
  return flag(values, 'ipv4') ? 4 : flag(values, 'ipv6') ? 6 : 'any';
}

/** Resolver options from the flags (the DoH transport is added by the command, which knows its egress). */
export function resolveOptions(values: Values): ResolveOptions {
  const o: ResolveOptions = {};
  const pinned = list(values, 'resolve');
  if (pinned.length > 0) o.pinned = pinned;
  const servers = str(values, 'dns-servers');
  if (servers !== undefined) o.dnsServers = servers.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const dnsInterface = str(values, 'dns-interface');
  if (dnsInterface !== undefined) o.dnsInterface = dnsInterface;
  const v4 = str(values, 'dns-ipv4-addr');
  if (v4 !== undefined) o.dnsLocalAddress4 = v4;
  const v6 = str(values, 'dns-ipv6-addr');
  if (v6 !== undefined) o.dnsLocalAddress6 = v6;
  return o;
}

/** curl's `@file` / `@-` convention for a flag's value (-w, -d). */
export function atFile(value: string, stdin: () => string = () => readFileSync(0, 'utf8')): string {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1);
  if (path === '-') return stdin();
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(value, `cannot read ${path}: ${(err as Error).message}`);
  }
}
