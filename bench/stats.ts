/** Small helpers shared by the benchmarks: medians with spread, and bounded timing loops. */

export interface Figure {
  /** Median of the runs. */
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function figure(samples: number[]): Figure {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

export function fmt(f: Figure, digits = 1): string {
  return `${f.median.toFixed(digits)} (${f.min.toFixed(digits)}–${f.max.toFixed(digits)})`;
}

/**
 * Runs `fn` `count` times in sequence, stopping early at `maxMs` (the clock read every `checkEvery`
 * calls); returns ns per call and the calls made.
 */
export async function timedCalls(fn: () => Promise<unknown>, count: number, maxMs: number, checkEvery = 16): Promise<{ ns: number; calls: number }> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(maxMs) * 1_000_000n;
  let done = 0;
  while (done < count) {
    await fn();
    done++;
    if (done % checkEvery === 0 && process.hrtime.bigint() > deadline) break;
  }
  return { ns: Number(process.hrtime.bigint() - start) / done, calls: done };
}

/** Runs `fn` `count` times in sequence, stopping early at `maxMs`; returns µs per call. */
export async function perCallMicros(fn: () => Promise<void>, count: number, maxMs: number): Promise<number> {
  return (await timedCalls(fn, count, maxMs)).ns / 1000;
}

/** Whether this module is the program being run (for benches runnable on their own). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url.endsWith(process.argv[1].replace(/^.*\/dist-test\//, '/dist-test/'));
}
