/**
 * Where the device-binding addon comes from, in order: a prebuild shipped in the package
 * (`prebuilds/<platform>-<arch>/`, made by prebuildify and matched by node-gyp-build's own rules for
 * platform, architecture and libc), else the build node-gyp made at install (`build/Release`), else
 * none. A candidate that does not load (a libc it cannot link against, a damaged file) gives way to the
 * next, and its failure is kept for the reason.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type AddonSource = 'prebuilt' | 'built';

/** The addon's functions (native/hiper_bind.c, native/hiper_netlink.c). Builds older than a function lack it. */
export interface HiperAddon {
  openSocket(family: 4 | 6, device: string | null, localAddress: string | null, localPort: number, scopeId: number):
    { fd: number } | { errno: number; syscall: string };
  /**
   * The same, as the fd or -errno (no object crosses over); `datagram` opens a UDP socket; `options`,
   * option words (socket-options.ts), are set before the bind (builds with setsockopt only).
   */
  openFd?(family: 4 | 6, device: string | null, localAddress: string | null, localPort: number, scopeId: number, datagram?: boolean, options?: Int32Array): number;
  /** setsockopt(2): 0 or -errno. */
  setsockopt?(fd: number, level: number, name: number, value: number | Uint8Array): number;
  /** getsockopt(2) into `out`: the option's length, or -errno. */
  getsockopt?(fd: number, level: number, name: number, out: Uint8Array): number;
  /** The call that failed in the last openFd() of this thread. */
  lastSyscall?(): string;
  nameToIndex(name: string): number;
  /** Every reply message to one rtnetlink request, or -errno. */
  netlinkRequest?(request: Buffer): Buffer | number;
  netlinkWatch?(groups: number, onMessages: (messages: Buffer | null, errno: number) => void): object | number;
  netlinkUnwatch?(handle: object): void;
}

export interface AddonCandidate {
  source: AddonSource;
  path: string;
}

export type AddonLoad<T> =
  | { addon: T; source: AddonSource; path: string }
  | { addon?: undefined; reason: string; path?: string };

interface Tuple { name: string }
interface Tags { file: string }
/** The matching rules node-gyp-build exports beside its loader. */
interface NodeGypBuildRules {
  parseTuple(name: string): Tuple | undefined;
  matchTuple(platform: string, arch: string): (t: Tuple | undefined) => boolean;
  compareTuples(a: Tuple, b: Tuple): number;
  parseTags(file: string): Tags | undefined;
  matchTags(runtime: string, abi: string): (t: Tags | undefined) => boolean;
  compareTags(runtime: string): (a: Tags, b: Tags) => number;
}

const require = createRequire(import.meta.url);
export const BUILT_ADDON = join('build', 'Release', 'hiper_bind.node');

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The package root: the nearest folder above this module that holds binding.gyp. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
  }
  return undefined;
}

/** The prebuild node-gyp-build would pick for this process, ignoring local builds. */
export function prebuildFor(root: string, platform = process.platform, arch = process.arch): string | undefined {
  const tuples = list(join(root, 'prebuilds'));
  if (tuples.length === 0) return undefined; // a source checkout: the rules (a few ms to load) are not needed
  const rules = require('node-gyp-build/node-gyp-build.js') as NodeGypBuildRules;
  const tupleFits = rules.matchTuple(platform, arch);
  const tuple = tuples.map(rules.parseTuple).filter((t): t is Tuple => tupleFits(t)).sort(rules.compareTuples)[0];
  if (!tuple) return undefined;
  const dir = join(root, 'prebuilds', tuple.name);
  const tagsFit = rules.matchTags('node', process.versions.modules);
  const best = list(dir).map(rules.parseTags).filter((t): t is Tags => tagsFit(t)).sort(rules.compareTags('node'))[0];
  return best ? join(dir, best.file) : undefined;
}

export function addonCandidates(root: string | undefined): AddonCandidate[] {
  if (root === undefined) return [];
  const out: AddonCandidate[] = [];
  const prebuilt = prebuildFor(root);
  if (prebuilt) out.push({ source: 'prebuilt', path: prebuilt });
  const built = join(root, BUILT_ADDON);
  if (existsSync(built)) out.push({ source: 'built', path: built });
  return out;
}

let loaded: AddonLoad<HiperAddon> | undefined;

/** This package's addon, loaded once: the first candidate that loads, or why none did. */
export function hiperAddon(): AddonLoad<HiperAddon> {
  loaded ??= process.platform === 'linux'
    ? loadAddon<HiperAddon>(addonCandidates(packageRoot()))
    : { reason: `the addon is for Linux (this is ${process.platform})` };
  return loaded;
}

/** The first candidate that loads, or why none did. */
export function loadAddon<T>(candidates: AddonCandidate[], load: (path: string) => unknown = require): AddonLoad<T> {
  const failures: string[] = [];
  for (const c of candidates) {
    try {
      return { addon: load(c.path) as T, source: c.source, path: c.path };
    } catch (err) {
      failures.push(`the ${c.source} addon ${c.path} did not load: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (failures.length > 0) return { reason: failures.join('; '), path: candidates[0]!.path };
  return { reason: 'no prebuilt addon for this platform and the native addon was not built (node-gyp failed or was skipped at install)' };
}
