/**
 * curl's --retry as one pure decision: whether a transfer's run that ended (a response, or an error) is
 * run again, after how long, or not. The transfer applies it (transfer.ts); the Multi runs it again
 * (multi.ts). This is apart from retry.ts, which sends again a request that a broken connection left
 * unanswered: that one is about connections, this one about what the caller asked for.
 *
 * As curl 7.88 (tool_operate.c): a run is retried when it ended with a transient error or an HTTP
 * status 408, 429, 500, 502, 503 or 504, at most `count` times, while less than `maxTime` ms have
 * passed since the start (the last run may begin after it, as curl's). The delay is `delay`, else 1 s
 * doubled after every retry, at most 10 minutes. A Retry-After on a retried status replaces it for that
 * retry (the doubling goes on underneath), unless it would take the retries past `maxTime`.
 */
import type { HiperError } from '../shared/errors.js';

export interface RetryOptions {
  /** Most runs after the first (curl --retry). */
  count: number;
  /**
   * ms between runs (curl --retry-delay); default 1 s doubled after each retry, at most 10 minutes. 0 is
   * at once (curl's --retry-delay 0 means the default: the CLI leaves it out).
   */
  delay?: number;
  /**
   * No retry begins once this many ms have passed since the transfer started (curl --retry-max-time;
   * curl's 0, no limit, is leaving it out).
   */
  maxTime?: number;
  /** Retry on any error but the caller's own (removal, bad input, a body over its limit, a failed write). */
  allErrors?: boolean;
  /** Retry a connect that every address refused (ECONNREFUSED). */
  connRefused?: boolean;
  /** Told before each retry (the CLI prints curl's warning from it). */
  onRetry?: (event: RetryEvent) => void;
}

/** Why a run is retried; curl names each in its warning. */
export type RetryReason = 'http' | 'timeout' | 'transient' | 'connrefused' | 'all';

export interface RetryEvent {
  reason: RetryReason;
  /** ms until the next run. */
  delay: number;
  /** Retries left before this one (curl's "N retries left"). */
  left: number;
  /** The status that is retried (reason 'http'). */
  status?: number;
  /** The error that is retried. */
  error?: HiperError;
}

/** How a run ended, as far as the decision cares. */
export interface RunEnd {
  status?: number;
  headers?: ReadonlyArray<readonly [string, string]>;
  error?: { code: string; details?: Record<string, unknown> };
}

export interface RetryClock {
  /** Runs after the first so far. */
  retries: number;
  /** ms since the transfer started. */
  elapsed: number;
  /** Wall-clock time, ms since the epoch (to read a Retry-After date). */
  now: number;
}

export interface RetryPlan {
  reason: RetryReason;
  delay: number;
  left: number;
}

/** curl's RETRY_SLEEP_DEFAULT and RETRY_SLEEP_MAX. */
export const RETRY_SLEEP_DEFAULT = 1000;
export const RETRY_SLEEP_MAX = 600_000;

/** Statuses curl calls transient. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Timeouts and failed lookups: curl's RETRY_TIMEOUT (CURLE_OPERATION_TIMEDOUT, CURLE_COULDNT_RESOLVE_HOST). */
const TIMEOUT_LIKE = new Set(['ERR_TIMEOUT', 'ERR_DNS_SERVFAIL', 'ERR_DNS_FAILED']);
/** A connection or stream broken under the transfer: transient too. */
const TRANSIENT = new Set(['ERR_CONNECTION_CLOSED', 'ERR_PIPELINE_ABORTED', 'ERR_HTTP2']);
/** The caller's own doing: never retried, even with allErrors. */
const NEVER = new Set(['ERR_ABORTED', 'ERR_BODY_TOO_LARGE', 'ERR_WRITE_OUTPUT']);

/** Why a run that ended so would be retried under `o`, or undefined. */
export function retryReason(o: RetryOptions, end: RunEnd): RetryReason | undefined {
  const e = end.error;
  if (e === undefined) return end.status !== undefined && RETRY_STATUSES.has(end.status) ? 'http' : undefined;
  if (TIMEOUT_LIKE.has(e.code)) return 'timeout';
  if (TRANSIENT.has(e.code)) return 'transient';
  if (o.connRefused === true && refused(e)) return 'connrefused';
  if (o.allErrors === true && !NEVER.has(e.code) && !e.code.startsWith('ERR_INVALID_')) return 'all';
  return undefined;
}

/** ERR_CONNECT_ALL_FAILED whose every attempt was refused by the far end. */
function refused(e: NonNullable<RunEnd['error']>): boolean {
  if (e.code !== 'ERR_CONNECT_ALL_FAILED') return false;
  const attempts = e.details?.attempts;
  return Array.isArray(attempts) && attempts.length > 0
    && attempts.every((a: { outcome?: string; error?: string }) => a.outcome === 'failed' && a.error === 'ECONNREFUSED');
}

/** The delay before retry number `retries + 1` when no Retry-After says otherwise. */
export function backoff(o: RetryOptions, retries: number): number {
  if (o.delay !== undefined) return o.delay;
  return Math.min(RETRY_SLEEP_DEFAULT * 2 ** Math.min(retries, 30), RETRY_SLEEP_MAX);
}

/**
 * A Retry-After value in ms: delay-seconds, or an HTTP-date less `now`; undefined when absent, zero,
 * in the past or unreadable (curl then keeps its own delay).
 */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\s*(\d+)\s*$/.exec(value);
  if (seconds) {
    const ms = Number(seconds[1]) * 1000;
    return ms > 0 && Number.isFinite(ms) ? ms : undefined;
  }
  const date = Date.parse(value.trim());
  if (Number.isNaN(date)) return undefined;
  const ms = date - now;
  return ms > 0 ? ms : undefined;
}

/** The decision: run again after `delay` ms (and why), or undefined for the run's end to stand. */
export function retryPlan(o: RetryOptions, end: RunEnd, at: RetryClock): RetryPlan | undefined {
  if (at.retries >= o.count) return undefined;
  if (o.maxTime !== undefined && at.elapsed >= o.maxTime) return undefined;
  const reason = retryReason(o, end);
  if (reason === undefined) return undefined;
  let delay = backoff(o, at.retries);
  if (reason === 'http') {
    const after = retryAfterMs(headerOf(end.headers, 'retry-after'), at.now);
    if (after !== undefined) {
      // curl gives up rather than wait past its limit for a server that asked for that long.
      if (o.maxTime !== undefined && at.elapsed + after > o.maxTime) return undefined;
      delay = after;
    }
  }
  return { reason, delay, left: o.count - at.retries };
}

function headerOf(headers: RunEnd['headers'], name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (const [n, v] of headers) if (n.length === name.length && n.toLowerCase() === name) return v;
  return undefined;
}

/** Checks TransferOptions.retry; the message of what is wrong, or undefined. */
export function retryOptionsProblem(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return 'an object { count, delay?, maxTime?, allErrors?, connRefused?, onRetry? }';
  const o = v as Record<string, unknown>;
  const known = ['count', 'delay', 'maxTime', 'allErrors', 'connRefused', 'onRetry'];
  for (const k of Object.keys(o)) if (!known.includes(k)) return `an object without "${k}" (known: ${known.join(', ')})`;
  if (!Number.isInteger(o.count) || (o.count as number) < 0) return 'an object whose count is an integer >= 0';
  for (const k of ['delay', 'maxTime']) {
    const n = o[k];
    if (n !== undefined && !(typeof n === 'number' && Number.isFinite(n) && n >= 0)) return `an object whose ${k} is a number of ms >= 0`;
  }
  for (const k of ['allErrors', 'connRefused']) if (o[k] !== undefined && typeof o[k] !== 'boolean') return `an object whose ${k} is a boolean`;
  if (o.onRetry !== undefined && typeof o.onRetry !== 'function') return 'an object whose onRetry is a function';
  return undefined;
}
