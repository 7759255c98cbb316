/**
 * Runs one mocha suite (a folder of compiled tests) in this process and writes its counts to the file
 * named by HIPER_TEST_STATS, so test/run.ts can add up suites that run in other network namespaces.
 */
import Mocha from 'mocha';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return name.endsWith('.test.js') ? [p] : [];
  }).sort();
}

const [dir, grep] = process.argv.slice(2);
if (!dir) throw new Error('usage: mocha-run.js DIR [GREP]');
const mocha = new Mocha({ reporter: 'spec', timeout: 20_000, slow: 2_000, ...(grep ? { grep } : {}) });
for (const f of files(dir)) mocha.addFile(f);
await mocha.loadFilesAsync();
const runner = mocha.run((failures) => {
  const s = runner.stats ?? { passes: 0, failures, pending: 0 };
  if (process.env.HIPER_TEST_STATS) {
    writeFileSync(process.env.HIPER_TEST_STATS, JSON.stringify({ passes: s.passes, failures: s.failures, pending: s.pending }));
  }
  process.exitCode = failures ? 1 : 0;
  // A failed test may leave a server or socket open: the run still ends (a green run ends by itself,
  // which shows that nothing is left open).
  if (failures) setTimeout(() => process.exit(1), 2000).unref();
});
