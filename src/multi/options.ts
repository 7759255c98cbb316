/** Checks of Multi and transfer options (bad input fails at once, naming it), and the egress part of pool keys. */
import { HiperError } from '../shared/errors.js';
import { EGRESS_KEYS } from '../connect/egress-options.js';
import { checkSocketOptions } from '../bind/index.js';
import { retryOptionsProblem } from './curl-retry.js';
import type { MultiOptions, TransferOptions } from './types.js';

const MULTI_KEYS = new Set([
  'httpVersion', 'pipelining', 'maxPipelineLength', 'maxConnections', 'maxConnectionsPerHost', 'maxIdleTime', 'pipelinePenaltySize',
  'chooseConnection', 'connectTimeout', 'timeout', 'maxBodySize', 'maxTries', 'tls', 'parserLimits', 'connector', 'resolver', 'clock',
]);


const TRANSFER_KEYS = new Set<string>([
  ...EGRESS_KEYS, 'url', 'method', 'headers', 'body', 'connectTimeout', 'timeout', 'lowSpeed', 'tls', 'httpVersion', 'onData', 'onHeaders', 'stream', 'maxBodySize', 'idempotent', 'retry',
]);

function bad(owner: string, name: string, value: unknown, expected: string): HiperError {
  const shown = typeof value === 'function' ? 'a function' : JSON.stringify(value);
  return new HiperError('ERR_INVALID_ARGUMENT', `${owner} option ${name} must be ${expected}, got ${shown}`, { input: name, details: { value } });
}

function checkKeys(owner: string, o: object, known: Set<string>): void {
  if (o === null || typeof o !== 'object') throw new HiperError('ERR_INVALID_ARGUMENT', `${owner} options must be an object, got ${JSON.stringify(o)}`, { input: o });
  for (const key of Object.keys(o)) {
    if (!known.has(key)) throw new HiperError('ERR_INVALID_ARGUMENT', `unknown ${owner} option "${key}"`, { input: key });
  }
}

type Rule = [string, (v: unknown) => boolean, string];
const positiveInt: Rule[1] = (v) => (Number.isInteger(v) && (v as number) >= 1) || v === Infinity;
const ms: Rule[1] = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative: Rule[1] = (v) => typeof v === 'number' && v >= 0;
const fn: Rule[1] = (v) => typeof v === 'function';
const httpVersion: Rule = ['httpVersion', (v) => v === 'auto' || v === '1.1' || v === '2', '"auto", "1.1" or "2"'];
const transferHttpVersion: Rule = ['httpVersion', (v) => v === 'auto' || v === '1.0' || v === '1.1' || v === '2', '"auto", "1.0", "1.1" or "2"'];

const MULTI_RULES: Rule[] = [
  httpVersion,
  ['pipelining', (v) => typeof v === 'boolean', 'a boolean'],
  ['maxPipelineLength', positiveInt, 'an integer >= 1'],
  ['maxConnections', positiveInt, 'an integer >= 1 (or Infinity)'],
  ['maxConnectionsPerHost', positiveInt, 'an integer >= 1 (or Infinity)'],
  ['maxIdleTime', nonNegative, 'a number of ms >= 0'],
  ['pipelinePenaltySize', nonNegative, 'a number of bytes >= 0'],
  ['chooseConnection', fn, 'a function'],
  ['connectTimeout', ms, 'a number of ms > 0'],
  ['timeout', ms, 'a number of ms > 0'],
  ['maxBodySize', nonNegative, 'a number of bytes >= 0'],
  ['maxTries', positiveInt, 'an integer >= 1'],
  ['connector', fn, 'a function'],
  ['resolver', fn, 'a function'],
];

const TRANSFER_RULES: Rule[] = [
  transferHttpVersion,
  ['url', (v) => typeof v === 'string' || v instanceof URL, 'a URL string or URL'],
  ['method', (v) => typeof v === 'string', 'a string'],
  ['connectTimeout', ms, 'a number of ms > 0'],
  ['timeout', ms, 'a number of ms > 0'],
  ['lowSpeed', (v) => typeof v === 'object' && v !== null && nonNegative((v as { bytes: unknown }).bytes) && ms((v as { seconds: unknown }).seconds), '{ bytes >= 0, seconds > 0 }'],
  ['onData', fn, 'a function'],
  ['onHeaders', fn, 'a function'],
  ['stream', (v) => typeof v === 'boolean', 'a boolean'],
  ['idempotent', (v) => typeof v === 'boolean', 'a boolean'],
  ['maxBodySize', nonNegative, 'a number of bytes >= 0'],
];

function checkRules(owner: string, o: Record<string, unknown>, rules: Rule[]): void {
  for (const [name, ok, expected] of rules) {
    if (o[name] !== undefined && !ok(o[name])) throw bad(owner, name, o[name], expected);
  }
}

export function checkMultiOptions(o: MultiOptions): void {
  checkKeys('Multi', o, MULTI_KEYS);
  checkRules('Multi', o as Record<string, unknown>, MULTI_RULES);
}

export function checkTransferOptions(o: TransferOptions): void {
  checkKeys('transfer', o, TRANSFER_KEYS);
  if (o.url === undefined) throw new HiperError('ERR_INVALID_URL', 'a transfer needs a url', { input: 'url' });
  checkRules('transfer', o as unknown as Record<string, unknown>, TRANSFER_RULES);
  if (o.socketOptions !== undefined) checkSocketOptions(o.socketOptions);
  if (o.retry !== undefined) {
    const problem = retryOptionsProblem(o.retry);
    if (problem !== undefined) throw bad('transfer', 'retry', o.retry, problem);
  }
  if (o.stream === true && o.onData !== undefined) {
    throw new HiperError('ERR_INVALID_ARGUMENT', 'transfer options stream and onData exclude each other: take the body from one of them', { input: 'stream' });
  }
}

/** Objects (CA Buffers, resolver caches, functions) are keyed by identity, not by content. */
const identities = new WeakMap<object, number>();
let identitySeq = 0;
function identity(v: object): string {
  let id = identities.get(v);
  if (id === undefined) identities.set(v, (id = ++identitySeq));
  return `#${id}`;
}

/** The egress options that make a connection what it is (the attempt delay does not). */
const POOL_KEYS = EGRESS_KEYS.filter((k) => k !== 'happyEyeballsDelay');

/** Buffers, functions and class instances by identity; plain objects and arrays by content. */
function byIdentity(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = key === '' ? value : this[key];
  if (typeof raw === 'function' || Buffer.isBuffer(raw)) return identity(raw as object);
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.getPrototypeOf(raw) !== Object.prototype) return identity(raw);
  return value;
}

/**
 * The key of one object-valued option (a TLS object, an interface list, socket options), made once per
 * object: an options object handed to add() is taken as it is then, like node:tls takes a context's options.
 */
const objectKeys = new WeakMap<object, string>();
function objectKey(v: object): string {
  let key = objectKeys.get(v);
  if (key === undefined) objectKeys.set(v, (key = typeof v === 'function' ? identity(v) : contentKey(JSON.stringify(v, byIdentity))));
  return key;
}

/**
 * A short stand-in for an object's content (a TLS object with its CA in PEM serialises to kilobytes):
 * equal contents get one token, so that a pool key stays short to build and to hash on every add().
 * The table is emptied when full; tokens are never reused, so an object keyed after that only gets a
 * pool of its own (no sharing with an equal object keyed before), never a wrong one.
 */
const contentTokens = new Map<string, string>();
const CONTENT_TOKENS_MAX = 4096;
let contentSeq = 0;
function contentKey(content: string): string {
  let token = contentTokens.get(content);
  if (token === undefined) {
    if (contentTokens.size >= CONTENT_TOKENS_MAX) contentTokens.clear();
    contentTokens.set(content, (token = `~${++contentSeq}`));
  }
  return token;
}

/** One option's part of a key, self-delimiting: strings carry their length, the rest cannot hold a ','. */
function partKey(v: unknown): string {
  switch (typeof v) {
    case 'undefined': return 'u,';
    case 'string': return `s${v.length}:${v},`;
    case 'number': case 'boolean': case 'bigint': return `${typeof v === 'number' ? 'n' : typeof v === 'boolean' ? 'b' : 'i'}${String(v)},`;
    default: return v === null ? 'l,' : `o${objectKey(v as object)},`;
  }
}

/**
 * The egress part of a pool key: connections made with different egress options (or, for https,
 * different TLS settings) are never shared. '' when none is set, the common case. Nothing is serialised
 * per transfer: object-valued options are keyed once per object (objectKey).
 */
export function egressKey(o: TransferOptions, tls: object | undefined): string {
  let any = false;
  for (const k of POOL_KEYS) if (o[k] !== undefined) any = true;
  if (!any) return tls === undefined ? '' : tlsOnlyKey(tls);
  let key = '';
  for (const k of POOL_KEYS) key += partKey(o[k]);
  return tls === undefined ? key : key + partKey(tls);
}

/**
 * No egress option set, only TLS settings (the common https case): 't' and the TLS object's key (a key
 * with egress options starts with a part's type letter, never 't').
 */
const tlsOnlyKeys = new WeakMap<object, string>();
function tlsOnlyKey(tls: object): string {
  let key = tlsOnlyKeys.get(tls);
  if (key === undefined) tlsOnlyKeys.set(tls, (key = `t${objectKey(tls)}`));
  return key;
}
