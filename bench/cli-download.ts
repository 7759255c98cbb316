/**
 * One large download to a file, each program in a process of its own: the compiled hiper CLI
 * (`hiper get -s -o FILE URL`), curl (`curl -s -o FILE URL`) and the Node floor (download-floor.ts: a bare
 * net.Socket writing the body to the file, and once more dropping it). Per process: wall time from start
 * to exit, user + system CPU time and peak RSS.
 * How they are read (Node gives no rusage of a child): with python3 here, every program runs under a
 * few lines of Python that spawn it, take its rusage from wait4() (CPU time up to and including its
 * exit, the kernel's teardown of its memory too) and sample the VmHWM of its /proc status every 2 ms
 * for the peak RSS (wait4's maxrss counts the spawner's own RSS in); a Node program also reports its
 * exact VmHWM at exit from rusage-preload.ts. Without python3, a Node program is measured by the
 * preload alone (its CPU time up to its 'exit' event) and curl is left out.
 * The rounds are interleaved, the order rotating; the file is on the temporary directory's disk,
 * checked for its size and deleted after each run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onPath } from './ceilings.js';
import { downloadPath } from './body.js';
import { figure } from './stats.js';
import type { ProcessUsage } from './rusage-preload.js';
import type { DownloadFigures, DownloadResult, Skip } from './results.js';

export interface DownloadPlan {
  /** Body bytes: one of DOWNLOADS. */
  bytes: number;
  rounds: number;
  /** A process still running this long after its start is killed, and fails. */
  limitMs: number;
}

const MiB = 1024 * 1024;
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./download-floor.js', import.meta.url));
const PRELOAD = pathToFileURL(fileURLToPath(new URL('./rusage-preload.js', import.meta.url))).href;

/** Runs argv[1:] with stdin and stdout on /dev/null, and prints its exit code, wall time, rusage and peak RSS as JSON. */
const MEASURE_PY = `
import json, os, sys, threading, time
def hwm(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
devnull = [(os.POSIX_SPAWN_OPEN, 0, '/dev/null', os.O_RDONLY, 0), (os.POSIX_SPAWN_OPEN, 1, '/dev/null', os.O_WRONLY, 0)]
t = time.monotonic_ns()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=devnull)
peak = [0]
running = threading.Event()
running.set()
def sample():
    while running.is_set():
        peak[0] = max(peak[0], hwm(pid))
        time.sleep(0.002)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic_ns() - t
running.clear()
sampler.join()
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
print(json.dumps({"code": code, "wallMs": wall / 1e6, "userMs": ru.ru_utime * 1e3, "systemMs": ru.ru_stime * 1e3, "peakRssBytes": peak[0]}))
`;

interface Usage extends ProcessUsage {
  wallMs: number;
}

interface Program {
  variant: DownloadFigures['variant'];
  name: string;
  command: string;
  /** Whether the program leaves the body in FILE (checked, then deleted). */
  writes: boolean;
  /** The command line, FILE and URL filled in. */
  argv(file: string, url: string): string[];
  /** A Node program: run with the preload. */
  node: boolean;
}

/** Process groups still running: killed, with what they spawned, if this process exits first. */
const live = new Set<number>();
process.on('exit', () => {
  for (const pid of live) killGroup(pid);
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
}

/**
 * A process to its exit within `limitMs`: its stdout and the wall time seen from here, or an error with the
 * end of its stderr. It leads a process group of its own, so that a limit also ends what it spawned.
 */
function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<{ stdout: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => pid !== undefined && killGroup(pid), limitMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      if (pid !== undefined) live.delete(pid);
      if (code === 0) return resolve({ stdout, wallMs });
      const why = signal === 'SIGKILL' ? `killed at its limit of ${limitMs} ms` : `exited with ${code ?? signal}`;
      reject(new Error(`${why}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`));
    });
  });
}

/** How a program is measured here: under python3 (wait4), or by the preload alone. */
function measurer(python: string | undefined, usageFile: string): (p: Program, argv: string[], limitMs: number) => Promise<Usage> {
  const preloaded = (p: Program, argv: string[]): string[] => (p.node ? [process.execPath, '--import', PRELOAD, ...argv.slice(1)] : argv);
  const env = { HIPER_BENCH_RUSAGE: usageFile };
  const fromPreload = (): ProcessUsage => JSON.parse(readFileSync(usageFile, 'utf8')) as ProcessUsage;
  if (python === undefined) {
    return async (p, argv, limitMs) => {
      if (!p.node) throw new Error('only a Node program can be measured without python3');
      rmSync(usageFile, { force: true });
      const [command, ...args] = preloaded(p, argv);
      const { wallMs } = await runProcess(command!, args, env, limitMs);
      return { ...fromPreload(), wallMs };
    };
  }
  return async (p, argv, limitMs) => {
    rmSync(usageFile, { force: true });
    const { stdout } = await runProcess(python, ['-c', MEASURE_PY, ...preloaded(p, argv)], env, limitMs);
    const u = JSON.parse(stdout) as Usage & { code: number };
    if (u.code !== 0) throw new Error(`exited with ${u.code}`);
    // The preload's VmHWM is read at exit: exact, where the sampling may fall short of the last rise.
    const { code: _, ...usage } = u;
    return p.node ? { ...usage, peakRssBytes: Math.max(usage.peakRssBytes, fromPreload().peakRssBytes) } : usage;
  };
}

function programs(python: string | undefined): { programs: Program[]; skipped: Skip[] } {
  const list: Program[] = [];
  const skipped: Skip[] = [];
  if (existsSync(CLI)) {
    list.push({
      variant: 'hiper', name: 'hiper CLI', command: 'node dist-test/src/cli/main.js get -s -o FILE URL', writes: true, node: true,
      argv: (file, url) => [process.execPath, CLI, 'get', '-s', '-o', file, url],
    });
  } else skipped.push({ name: 'hiper CLI', reason: `${CLI} not built`, failed: true });
  const curl = onPath('curl');
  if (curl === undefined) skipped.push({ name: 'curl', reason: 'curl not on PATH' });
  else if (python === undefined) skipped.push({ name: 'curl', reason: 'python3 not on PATH (it reads curl\'s CPU time and peak RSS)' });
  else list.push({ variant: 'curl', name: 'curl', command: 'curl -s -o FILE URL', writes: true, node: false, argv: (file, url) => [curl, '-s', '-o', file, url] });
  list.push(
    {
      variant: 'floor', name: 'node:net floor, writes the file', command: 'node dist-test/bench/download-floor.js URL FILE', writes: true, node: true,
      argv: (file, url) => [process.execPath, FLOOR, url, file],
    },
    {
      variant: 'floor-discard', name: 'node:net floor, drops the body', command: 'node dist-test/bench/download-floor.js URL -', writes: false, node: true,
      argv: (_, url) => [process.execPath, FLOOR, url, '-'],
    },
  );
  return { programs: list, skipped };
}

export async function benchCliDownload(server: { name: string; port: number }, plan: DownloadPlan, log: (line: string) => void): Promise<DownloadResult> {
  const url = `http://127.0.0.1:${server.port}${downloadPath(plan.bytes)}`;
  const dir = mkdtempSync(join(tmpdir(), 'hiper-bench-download-'));
  const file = join(dir, 'body');
  const python = onPath('python3');
  const measure = measurer(python, join(dir, 'rusage.json'));
  try {
    const { programs: list, skipped } = programs(python);
    const runs = list.map(() => [] as Usage[]);
    const failed = list.map(() => false);
    for (let r = 0; r < plan.rounds; r++) {
      for (let k = 0; k < list.length; k++) {
        const i = (k + r) % list.length;
        const p = list[i]!;
        if (failed[i]) continue;
        try {
          const u = await measure(p, p.argv(file, url), plan.limitMs);
          if (p.writes) {
            const size = existsSync(file) ? statSync(file).size : -1;
            if (size !== plan.bytes) throw new Error(`left ${size < 0 ? 'no file' : `${size} bytes`} in the file, expected ${plan.bytes}`);
          }
          runs[i]!.push(u);
        } catch (e) {
          failed[i] = true;
          skipped.push({ name: p.name, reason: (e as Error).message.split('\n')[0]!, failed: true });
        } finally {
          rmSync(file, { force: true });
        }
      }
    }
    const clients = list.flatMap((p, i): DownloadFigures[] => {
      const us = runs[i]!;
      if (failed[i] || us.length === 0) return [];
      return [{
        variant: p.variant, name: p.name, command: p.command,
        wallMs: figure(us.map((u) => u.wallMs)),
        cpuMs: figure(us.map((u) => u.userMs + u.systemMs)),
        userMs: figure(us.map((u) => u.userMs)),
        systemMs: figure(us.map((u) => u.systemMs)),
        peakRssBytes: figure(us.map((u) => u.peakRssBytes)),
        mibPerSec: figure(us.map((u) => plan.bytes / MiB / (u.wallMs / 1000))),
      }];
    });
    for (const c of clients) {
      log(`  ${c.name}: ${(c.wallMs.median / 1000).toFixed(2)} s wall, ${(c.cpuMs.median / 1000).toFixed(2)} s CPU, ${Math.round(c.mibPerSec.median)} MiB/s, peak RSS ${Math.round(c.peakRssBytes.median / MiB)} MiB`);
    }
    return { server: server.name, bytes: plan.bytes, rounds: plan.rounds, measuredBy: python ? 'wait4' : 'preload', clients, skipped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function downloadNote(measuredBy: DownloadResult['measuredBy']): string {
  return 'Download to a file: each program in its own process, one download per process, rounds interleaved in a rotating order, against one server ' +
    '(nginx serving a sparse file with sendfile when nginx is here, else the node:http server writing a 1 MiB buffer with backpressure). Wall time is ' +
    'from start to exit (process start-up included). ' + (measuredBy === 'wait4'
    ? 'Each program runs under python3, which spawns it and takes its user and system CPU time from wait4() (up to and including its exit) and its ' +
      'peak RSS from the VmHWM of its /proc status, sampled every 2 ms (a Node program also reports its VmHWM at exit). '
    : 'python3 is not here: a Node program reports its own process.resourceUsage() CPU time and its VmHWM at its \'exit\' event from a module ' +
      'preloaded with --import (its exit and the kernel\'s teardown of its memory are not counted), and curl is left out. ') +
    'The file is on the temporary directory\'s disk, checked for its size and deleted after every run. The floor that drops the body shows what writing ' +
    'the file costs.';
}
