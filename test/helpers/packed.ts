/**
 * hiper as a user gets it: `npm pack` of this working tree (which makes the prebuilds and the build),
 * installed with `--ignore-scripts` into a fresh CommonJS project, so nothing is compiled there.
 * Made once per process; dependencies come from npm's cache when they are in it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The working tree: dist-test/test/helpers → the repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface PackedInstall {
  /** The consumer project: package.json without "type" (CommonJS), hiper in node_modules. */
  project: string;
  tarball: string;
  /** Paths inside the tarball, as `npm pack --json` lists them. */
  files: string[];
  /** What `npm pack`'s scripts printed (the prebuild lines among them). */
  packLog: string;
  cleanup(): void;
}

function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

let made: PackedInstall | undefined;

export function packedInstall(): PackedInstall {
  if (made) return made;
  const root = mkdtempSync(join(tmpdir(), 'hiper-packed-'));
  const pack = run('npm', ['pack', '--json', '--pack-destination', root], REPO);
  // The lifecycle scripts' lines come first on stdout, then the JSON array.
  const json = /^\[$/m.exec(pack.stdout)?.index ?? 0;
  const info = JSON.parse(pack.stdout.slice(json)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const project = join(root, 'project');
  run('mkdir', ['-p', project], root);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const tarball = join(root, readdirSync(root).find((f) => f.endsWith('.tgz'))!);
  run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  made = {
    project,
    tarball,
    files: info[0]!.files.map((f) => f.path),
    packLog: pack.stdout.slice(0, json) + pack.stderr,
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
      made = undefined;
    },
  };
  return made;
}
