/**
 * The open-file limit. Node cannot call setrlimit, so a section that needs many sockets runs as a child
 * started through `prlimit --nofile=HARD:HARD` (util-linux), else `bash -c 'ulimit -n HARD; exec …'`.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface NofileLimit {
  soft: number;
  hard: number;
}

function parseLimit(v: string): number {
  return v === 'unlimited' ? Infinity : Number(v);
}

/** This process's RLIMIT_NOFILE, from /proc/self/limits (Linux). */
export function nofileLimit(): NofileLimit | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line && /Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) return undefined;
    return { soft: parseLimit(m[1]!), hard: parseLimit(m[2]!) };
  } catch {
    return undefined;
  }
}

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** The highest soft limit that may be asked for: the hard limit, or the kernel's nr_open when that is unlimited. */
function target(hard: number): number {
  if (Number.isFinite(hard)) return hard;
  try {
    return Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
  } catch {
    return 1 << 20;
  }
}

/** The command that runs `command args` with the soft open-file limit raised to the hard limit, and how. */
export function withRaisedNofile(command: string, args: string[]): { command: string; args: string[]; how: string } {
  const limit = nofileLimit();
  if (limit === undefined || limit.soft >= limit.hard) return { command, args, how: 'soft limit already at the hard limit' };
  const n = target(limit.hard);
  if (has('prlimit')) return { command: 'prlimit', args: [`--nofile=${n}:${n}`, command, ...args], how: `prlimit --nofile=${n}:${n}` };
  if (has('bash')) return { command: 'bash', args: ['-c', `ulimit -n ${n} && exec "$@"`, 'bash', command, ...args], how: `ulimit -n ${n}` };
  return { command, args, how: 'not raised (neither prlimit nor bash found)' };
}
