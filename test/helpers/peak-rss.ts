/**
 * Peak memory of a child process as the kernel counts it: a module preloaded into the child (with
 * --import, through NODE_OPTIONS) writes VmHWM from /proc/self/status to a file when the process exits.
 * (Not process.resourceUsage().maxRSS: on Linux it carries over the peak of the process that spawned
 * the child, so a child of a large test process would report the parent's size.) This measures the real
 * program (the hiper command, an example), not a copy of its logic.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PeakRss {
  /** Environment to add to the child's. */
  env: NodeJS.ProcessEnv;
  /** The child's peak RSS in bytes, once it has exited. */
  read(): number;
}

export function peakRssProbe(): PeakRss {
  const dir = mkdtempSync(join(tmpdir(), 'hiper-rss-'));
  const out = join(dir, 'maxrss');
  const preload = join(dir, 'report.mjs');
  writeFileSync(preload, [
    "import { readFileSync, writeFileSync } from 'node:fs';",
    `process.on('exit', () => writeFileSync(${JSON.stringify(out)}, String(Number(/VmHWM:\\s*(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024)));`,
  ].join('\n'));
  const prior = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
  return {
    // Without V8 coverage (c8 sets NODE_V8_COVERAGE for the whole test run): it is not what users run,
    // and it costs memory of its own.
    env: { NODE_OPTIONS: `${prior}--import=${pathToFileURL(preload).href}`, NODE_V8_COVERAGE: '' },
    read: () => Number(readFileSync(out, 'utf8')),
  };
}
