/**
 * Socket options as the addon takes them: checked once per connect and laid out as an Int32Array of
 * option words (native/hiper_sockopt.h), so that opening a socket with options passes one array that
 * every socket of the connect shares, and opening one without passes nothing new.
 *
 * The values are the library's (connect's SocketOptions): fwmark, tos, priority, tcpUserTimeout (ms),
 * keepAlive { idle, interval (ms, rounded up to whole seconds), count }, beforeConnect (a function,
 * run by connect). Anything else, or a value out of range, is ERR_INVALID_ARGUMENT naming it.
 */
import { HiperError } from '../shared/errors.js';

/** Bits of word 0 and the word positions, as native/hiper_sockopt.h has them. */
export const OPT = { fwmark: 1, tos: 2, priority: 4, tcpUserTimeout: 8, keepAlive: 16, freebind: 32 } as const;
const W = { flags: 0, fwmark: 1, tos: 2, priority: 3, userTimeout: 4, keepIdle: 5, keepInterval: 6, keepCount: 7 } as const;
export const SOCKET_OPTION_WORDS = 8;

const U32_MAX = 0xffff_ffff;
/** The kernel's limits: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL (seconds), MAX_TCP_KEEPCNT. */
const MAX_KEEP_SECONDS = 32767;
const MAX_KEEP_COUNT = 127;

const KEYS = new Set(['fwmark', 'tos', 'priority', 'tcpUserTimeout', 'keepAlive', 'beforeConnect']);
const KEEPALIVE_KEYS = new Set(['idle', 'interval', 'count']);

/** `name` is the option's path below socketOptions ('' for socketOptions itself). */
function bad(name: string, value: unknown, expected: string): HiperError {
  const shown = typeof value === 'function' ? 'a function' : JSON.stringify(value) ?? String(value);
  const path = name === '' ? 'socketOptions' : `socketOptions.${name}`;
  return new HiperError('ERR_INVALID_ARGUMENT', `${path} must be ${expected}, got ${shown}`, { input: path, details: { value } });
}

function integer(name: string, v: unknown, min: number, max: number, unit = ''): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(name, v, `an integer ${min}-${max}${unit}`);
  return v;
}

/** ms -> whole seconds, rounded up (the kernel counts keep-alive time in seconds); at least 1 s. */
function keepSeconds(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || Math.ceil(v / 1000) > MAX_KEEP_SECONDS) {
    throw bad(name, v, `a number of ms > 0 and at most ${MAX_KEEP_SECONDS} s`);
  }
  return Math.ceil(v / 1000);
}

function plainObject(name: string, v: unknown, keys: Set<string>): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(name, v, 'an object');
  for (const key of Object.keys(v)) {
    if (!keys.has(key)) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `unknown socket option ${name === '' ? key : `${name}.${key}`} (known: ${[...keys].join(', ')})`, {
        input: `socketOptions.${name === '' ? key : `${name}.${key}`}`,
      });
    }
  }
  return v as Record<string, unknown>;
}

/**
 * The option words for `options` (connect's SocketOptions), or undefined when no option is set there
 * (nothing, or only beforeConnect). Throws ERR_INVALID_ARGUMENT naming the option for bad input.
 *
 * tos: the two low bits are ECN, which TCP sets itself (the kernel keeps its own for a TCP socket),
 * so a value with them set is refused rather than silently changed.
 */
export function socketOptionWords(options: unknown): Int32Array | undefined {
  if (options === undefined) return undefined;
  const o = plainObject('', options, KEYS);
  if (o.beforeConnect !== undefined && typeof o.beforeConnect !== 'function') throw bad('beforeConnect', o.beforeConnect, 'a function');
  const w = new Int32Array(SOCKET_OPTION_WORDS);
  if (o.fwmark !== undefined) {
    w[W.flags]! |= OPT.fwmark;
    w[W.fwmark] = integer('fwmark', o.fwmark, 0, U32_MAX) | 0; // the bits of a u32
  }
  if (o.tos !== undefined) {
    const tos = integer('tos', o.tos, 0, 255);
    if ((tos & 3) !== 0) throw bad('tos', o.tos, 'a TOS/traffic class byte without the two ECN bits (TCP sets those itself): e.g. 0x10, 0xb8');
    w[W.flags]! |= OPT.tos;
    w[W.tos] = tos;
  }
  if (o.priority !== undefined) {
    w[W.flags]! |= OPT.priority;
    w[W.priority] = integer('priority', o.priority, 0, U32_MAX) | 0;
  }
  if (o.tcpUserTimeout !== undefined) {
    w[W.flags]! |= OPT.tcpUserTimeout;
    w[W.userTimeout] = integer('tcpUserTimeout', o.tcpUserTimeout, 0, 0x7fff_ffff, ' ms');
  }
  if (o.keepAlive !== undefined) {
    const k = plainObject('keepAlive', o.keepAlive, KEEPALIVE_KEYS);
    w[W.flags]! |= OPT.keepAlive;
    if (k.idle !== undefined) w[W.keepIdle] = keepSeconds('keepAlive.idle', k.idle);
    if (k.interval !== undefined) w[W.keepInterval] = keepSeconds('keepAlive.interval', k.interval);
    if (k.count !== undefined) w[W.keepCount] = integer('keepAlive.count', k.count, 1, MAX_KEEP_COUNT);
  }
  return w[W.flags] === 0 ? undefined : w;
}

/** Checks socket options without keeping anything (for adapters and the Multi, before any connection). */
export function checkSocketOptions(options: unknown): void {
  socketOptionWords(options);
}

/** IP_FREEBIND alone, shared by every socket that needs nothing else. */
const FREEBIND_ONLY = Int32Array.of(OPT.freebind, 0, 0, 0, 0, 0, 0, 0);

/** The words with IP_FREEBIND added (a candidate whose local address this host may not have). */
export function withFreebind(words: Int32Array | undefined): Int32Array {
  if (words === undefined) return FREEBIND_ONLY;
  const w = Int32Array.from(words);
  w[W.flags]! |= OPT.freebind;
  return w;
}

/** The options the words set, by the names a caller wrote (for messages): ['fwmark', 'keepAlive']. */
export function optionNames(words: Int32Array): string[] {
  return (Object.keys(OPT) as Array<keyof typeof OPT>).filter((k) => (words[W.flags]! & OPT[k]) !== 0);
}

/** Which option a failed setsockopt of the addon was setting, by the call's name. */
const OPTION_OF_CALL: Record<string, string> = {
  'setsockopt(IP_FREEBIND)': 'freebind',
  'setsockopt(SO_MARK)': 'fwmark',
  'setsockopt(IP_TOS)': 'tos',
  'setsockopt(IPV6_TCLASS)': 'tos',
  'setsockopt(SO_PRIORITY)': 'priority',
  'setsockopt(TCP_USER_TIMEOUT)': 'tcpUserTimeout',
  'setsockopt(SO_KEEPALIVE)': 'keepAlive',
  'setsockopt(TCP_KEEPIDLE)': 'keepAlive.idle',
  'setsockopt(TCP_KEEPINTVL)': 'keepAlive.interval',
  'setsockopt(TCP_KEEPCNT)': 'keepAlive.count',
};

export function optionOfCall(syscall: string): string | undefined {
  return OPTION_OF_CALL[syscall];
}

/** The option's value in the words, for messages. */
export function optionValue(words: Int32Array, option: string): number | undefined {
  switch (option) {
    case 'fwmark': return words[W.fwmark]! >>> 0;
    case 'tos': return words[W.tos];
    case 'priority': return words[W.priority]! >>> 0;
    case 'tcpUserTimeout': return words[W.userTimeout];
    case 'keepAlive.idle': return words[W.keepIdle];
    case 'keepAlive.interval': return words[W.keepInterval];
    case 'keepAlive.count': return words[W.keepCount];
    default: return undefined;
  }
}

/**
 * Why the kernel said EPERM, where a capability is the reason: SO_MARK always needs one, SO_PRIORITY
 * above 6 does (recent kernels also take CAP_NET_RAW for either).
 */
export function permissionHint(option: string): string | undefined {
  if (option === 'fwmark') return 'SO_MARK needs CAP_NET_ADMIN over this network namespace (recent kernels also take CAP_NET_RAW)';
  if (option === 'priority') return 'SO_PRIORITY above 6 needs CAP_NET_ADMIN over this network namespace (recent kernels also take CAP_NET_RAW)';
  return undefined;
}
