/**
 * Preloaded (`node --import`) into a program measured as a whole process: when the process exits, its
 * user and system CPU time (process.resourceUsage()) and its peak RSS are written as JSON to the file
 * named by HIPER_BENCH_RUSAGE. The peak is VmHWM of /proc/self/status, the high-water mark of this
 * program's own address space: getrusage's maxrss is not, since Linux carries into it the RSS of the
 * process that spawned this one (a 500 MiB parent gives every child a maxrss of 500 MiB or more).
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** What the file holds. */
export interface ProcessUsage {
  userMs: number;
  systemMs: number;
  peakRssBytes: number;
}

/** VmHWM in bytes; undefined where /proc does not tell (not Linux). */
export function peakRss(status = '/proc/self/status'): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(status, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

const out = process.env.HIPER_BENCH_RUSAGE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage: ProcessUsage = { userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, peakRssBytes: peakRss() ?? u.maxRSS * 1024 };
    writeFileSync(out, JSON.stringify(usage));
  });
}
