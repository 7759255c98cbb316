/**
 * `npm test`: the unit suite in this network namespace, then the namespace suite inside
 * `unshare -rn` (a user + network namespace of its own, where it builds veth topologies).
 * Prints one closing line "hiper tests: N passed, N failed, N skipped".
 * Where namespaces are unavailable the namespace suite is skipped with its reason, except under CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const runner = join(here, 'mocha-run.js');
const tmp = mkdtempSync(join(tmpdir(), 'hiper-test-'));
const grep = process.argv[2];
const total = { passes: 0, failures: 0, pending: 0 };

function suite(name: string, command: string[]): void {
  const statsFile = join(tmp, `${name}.json`);
  console.log(`\n== ${name} suite`);
  const [cmd, ...args] = command;
  const r = spawnSync(cmd!, [...args, runner, join(here, name), ...(grep ? [grep] : [])], {
    stdio: 'inherit',
    env: { ...process.env, HIPER_TEST_STATS: statsFile },
  });
  try {
    const s = JSON.parse(readFileSync(statsFile, 'utf8')) as typeof total;
    total.passes += s.passes;
    total.failures += s.failures;
    total.pending += s.pending;
  } catch {
    console.log(`${name} suite did not finish (exit ${r.status}, signal ${r.signal})`);
    total.failures += 1;
  }
}

suite('unit', [process.execPath]);

const probe = spawnSync('unshare', ['-rn', 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
if (probe.status === 0) {
  suite('netns', ['unshare', '-rn', process.execPath]);
} else {
  const reason = `network namespaces are unavailable: unshare -rn failed (${(probe.error?.message ?? probe.stderr).trim()})`;
  if (process.env.CI) {
    console.log(`netns suite cannot run under CI: ${reason}`);
    total.failures += 1;
  } else {
    console.log(`netns suite skipped: ${reason}`);
  }
}

rmSync(tmp, { recursive: true, force: true });
console.log(`\nhiper tests: ${total.passes} passed, ${total.failures} failed, ${total.pending} skipped`);
process.exitCode = total.failures > 0 ? 1 : 0;
