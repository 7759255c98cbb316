/**
 * One try of one query: the exchange opens its socket and reports an outcome; the try owns the timer
 * and the abort listener, and closes the socket whichever of answer, error, timeout or abort comes first.
 */
import type { Clock } from '../../shared/clock.js';
import { abortError } from '../abort.js';
import type { DnsReply } from './reply.js';

export type TryOutcome =
  | { kind: 'reply'; reply: Exclude<DnsReply, { kind: 'ignore' }> }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' };

export interface TryLimits {
  clock: Clock;
  timeoutMs: number;
  signal: AbortSignal;
  /** The name looked up, for the abort error. */
  name: string;
}

/**
 * Runs `start`, which opens a socket, calls `settle` (at most once counts) and returns the function
 * that closes the socket. Resolves with the first outcome; rejects with the abort error on abort.
 */
export function runTry(limits: TryLimits, start: (settle: (outcome: TryOutcome) => void) => () => void): Promise<TryOutcome> {
  return new Promise((resolve, reject) => {
    if (limits.signal.aborted) return reject(abortError(limits.name, limits.signal));
    let close: (() => void) | undefined;
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      limits.clock.clearTimeout(timer);
      limits.signal.removeEventListener('abort', onAbort);
      close?.();
      return true;
    };
    const settle = (outcome: TryOutcome): void => {
      if (finish()) resolve(outcome);
    };
    const onAbort = (): void => {
      if (finish()) reject(abortError(limits.name, limits.signal));
    };
    const timer = limits.clock.setTimeout(() => settle({ kind: 'timeout' }), limits.timeoutMs);
    limits.signal.addEventListener('abort', onAbort, { once: true });
    try {
      close = start(settle);
    } catch (error) {
      settle({ kind: 'error', error });
      return;
    }
    // `start` may have settled before it returned its close function.
    if (done) close();
  });
}
