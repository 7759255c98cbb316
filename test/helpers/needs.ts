/**
 * A test that needs a missing part (a Debian server, namespaces, the addon) skips with a printed
 * reason — except under CI, where every part must be present and a missing one fails the test.
 */
import { spawnSync } from 'node:child_process';

export function needs(ctx: Mocha.Context, available: boolean, reason: string): void {
  if (available) return;
  if (process.env.CI) throw new Error(`required under CI: ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** Whether a program is on PATH (or at an absolute path). */
export function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
