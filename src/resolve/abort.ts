/** Small helpers for lookups that must stop when their signal aborts. */
import { HiperError } from '../shared/errors.js';

export function abortError(host: string, signal: AbortSignal): HiperError {
  const reason: unknown = signal.reason;
  if (reason instanceof HiperError) return reason;
  return new HiperError('ERR_ABORTED', `the lookup of ${host} was aborted`, { input: host, cause: reason });
}

/** Settles with the promise, or rejects with ERR_ABORTED (or the HiperError reason) when the signal aborts first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, host: string): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError(host, signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(host, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
