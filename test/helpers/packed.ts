/**
 * hiper as a user gets it: `npm pack` of this working tree (which makes the prebuilds and the build),
 * installed with `--ignore-scripts` into a fresh CommonJS project, so nothing is compiled there.
 * Made once per process and shared by every test file of that process (removed when it exits);
 * dependencies come from npm's cache when they are in it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The working tree: dist-test/test/helpers → the repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** One npm command the install ran, and where: in the hiper checkout or in the consumer project. */
export interface NpmStep {
  where: 'checkout' | 'project';
  args: string[];
}

export interface PackedInstall {
  /** The consumer project: package.json without "type" (CommonJS), hiper in node_modules. */
  project: string;
  tarball: string;
  /** Paths inside the tarball, as `npm pack --json` lists them. */
  files: string[];
  /** What `npm pack`'s scripts printed (the prebuild lines among them). */
  packLog: string;
  /** The npm commands run so far, in order (installInProject adds to them). */
  steps: NpmStep[];
}

/**
 * Flags the tests add to npm for their own sake: machine-readable output, a scratch destination, the
 * cache first, no audit or funding lines. A user's command needs none of them. (--ignore-scripts is
 * not among them: it is what the tests check, that nothing needs compiling at install.)
 */
const TEST_ONLY_FLAGS = new Set(['--json', '--prefer-offline', '--no-audit', '--no-fund']);
const TEST_ONLY_WITH_VALUE = new Set(['--pack-destination']);

/** A step as a user would type it: npm's arguments without the test-only flags. */
export function asUserTypesIt(step: NpmStep): string[] {
  const out: string[] = [];
  for (let i = 0; i < step.args.length; i++) {
    const a = step.args[i]!;
    if (TEST_ONLY_WITH_VALUE.has(a)) i++;
    else if (!TEST_ONLY_FLAGS.has(a)) out.push(a);
  }
  return out;
}

function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

function npm(p: Pick<PackedInstall, 'steps'>, where: NpmStep['where'], args: string[], cwd: string): { stdout: string; stderr: string } {
  p.steps.push({ where, args });
  return run('npm', args, cwd);
}

let made: PackedInstall | undefined;

export function packedInstall(): PackedInstall {
  if (made) return made;
  const root = mkdtempSync(join(tmpdir(), 'hiper-packed-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  const steps: NpmStep[] = [];
  const pack = npm({ steps }, 'checkout', ['pack', '--json', '--pack-destination', root], REPO);
  // The lifecycle scripts' lines come first on stdout, then the JSON array.
  const json = /^\[$/m.exec(pack.stdout)?.index ?? 0;
  const info = JSON.parse(pack.stdout.slice(json)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const project = join(root, 'project');
  run('mkdir', ['-p', project], root);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const tarball = join(root, readdirSync(root).find((f) => f.endsWith('.tgz'))!);
  npm({ steps }, 'project', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  made = {
    project,
    tarball,
    files: info[0]!.files.map((f) => f.path),
    packLog: pack.stdout.slice(0, json) + pack.stderr,
    steps,
  };
  return made;
}

/** Adds packages to the consumer project as a user would (`npm install SPEC...`), recorded in steps. */
export function installInProject(p: PackedInstall, specs: string[]): void {
  npm(p, 'project', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], p.project);
}
