/**
 * The flags of `hiper get` about what comes back, read once when the command starts: redirects (-L,
 * --location-trusted, --max-redirs), --compressed, heads out (-i, -D), resume (-C), cookies (-b, -c,
 * -j) and the low-speed limit (-Y, -y). A bad value is a usage error naming the flag.
 */
import { flag, list, str, usageError, type Values } from './args.js';

/** curl's default --max-redirs. */
export const DEFAULT_MAX_REDIRS = 50;
/** curl's --speed-time when only --speed-limit is given, and --speed-limit when only --speed-time is. */
const DEFAULT_SPEED_TIME = 30;
const DEFAULT_SPEED_LIMIT = 1;

export interface ResponsePlan {
  /** -L */
  follow: boolean;
  /** --location-trusted: credentials go along to other hosts. */
  trusted: boolean;
  /** --max-redirs; Infinity for -1. */
  maxRedirs: number;
  compressed: boolean;
  /** -i */
  include: boolean;
  /** -D FILE ('-': stdout). */
  dumpHeader: string | undefined;
  /** -C: 'end' for `-C -` (the size of the -o file), else the byte offset. */
  resume: 'end' | number | undefined;
  /** -b values, in order: cookie strings ("n=v; n2=v2") or files. */
  cookies: string[];
  /** -c FILE */
  cookieJar: string | undefined;
  /** -j */
  junkSession: boolean;
  /** -Y / -y */
  lowSpeed: { bytes: number; seconds: number } | undefined;
}

export function responsePlan(values: Values): ResponsePlan {
  const cookies = list(values, 'cookie');
  const cookieJar = str(values, 'cookie-jar');
  return {
    follow: flag(values, 'location') || flag(values, 'location-trusted'),
    trusted: flag(values, 'location-trusted'),
    maxRedirs: maxRedirs(str(values, 'max-redirs')),
    compressed: flag(values, 'compressed'),
    include: flag(values, 'include'),
    dumpHeader: str(values, 'dump-header'),
    resume: continueAt(str(values, 'continue-at')),
    cookies,
    cookieJar,
    junkSession: flag(values, 'junk-session-cookies'),
    lowSpeed: lowSpeed(str(values, 'speed-limit'), str(values, 'speed-time')),
  };
}

function integer(raw: string, name: string, min: number, what: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw usageError(`--${name}`, `--${name} expects ${what}, got "${raw}"`);
  return n;
}

function maxRedirs(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MAX_REDIRS;
  const n = integer(raw, 'max-redirs', -1, 'an integer >= 0, or -1 for no limit');
  return n === -1 ? Infinity : n;
}

function continueAt(raw: string | undefined): 'end' | number | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === '-') return 'end';
  return integer(raw, 'continue-at', 0, 'a byte offset >= 0, or - for the size of the -o file');
}

function lowSpeed(limit: string | undefined, time: string | undefined): { bytes: number; seconds: number } | undefined {
  if (limit === undefined && time === undefined) return undefined;
  const bytes = limit !== undefined ? integer(limit, 'speed-limit', 0, 'bytes per second, an integer >= 0') : DEFAULT_SPEED_LIMIT;
  const seconds = time !== undefined ? integer(time, 'speed-time', 0, 'a number of seconds, an integer >= 0') : DEFAULT_SPEED_TIME;
  // curl: a limit or a time of 0 switches the check off.
  return bytes > 0 && seconds > 0 ? { bytes, seconds } : undefined;
}
