/**
 * Writes a run's results.json, results.md and chart.svg. Also a command: `node dist-test/bench/write-results.js
 * [DIR]` rebuilds DIR's (default bench/) results.md, chart.svg and targets from its results.json, for a
 * change to the report or the targets without a new run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartSvg } from './chart.js';
import { markdownReport, targets } from './report.js';
import type { Results } from './results.js';
import { shardedTable } from './sharded.js';
import { markdownTable } from './table.js';

export function writeResults(results: Results, outDir: string): void {
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'results.md'), markdownReport(results) + (results.sharded?.length ? `\n${markdownTable(shardedTable(results.sharded))}\n` : ''));
  writeFileSync(join(outDir, 'chart.svg'), chartSvg(results));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../../bench/', import.meta.url));
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
  results.targets = targets(results);
  writeResults(results, dir);
  console.log(`rewrote ${join(dir, 'results.md')}, chart.svg and the targets in results.json`);
}
