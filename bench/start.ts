/**
 * start: how fast hiper starts, each program in a fresh process of its own, against the floor of a bare
 * `node -e 0`. Wall time from spawn to exit and user + system CPU time come from python3's wait4()
 * (Node gives no rusage of a child); the rounds are interleaved, the order rotating. Programs:
 *   node -e 0                      the floor
 *   hiper ifaces --json            the interface table, printed
 *   first transfer, hiper          start-child.js multi: import Multi, new Multi(), first add() (timed inside), the response
 *   first transfer, node:net       start-child.js net: the same GET on a bare socket (the floor of a first transfer)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onPath } from './ceilings.js';
import { BODY_PATH } from './body.js';
import { figure, type Figure } from './stats.js';
import { ratio, withSpread, type Table } from './table.js';
import type { StartProbe } from './start-child.js';
import type { Skip, Target } from './results.js';

export interface StartPlan {
  rounds: number;
  /** A program still running this long after its start is killed, and fails. */
  limitMs: number;
}

export interface StartProgram {
  name: string;
  command: string;
  wallMs: Figure;
  cpuMs: Figure;
  /** The probes' own figures (first transfer programs). */
  firstCallMs?: Figure;
  importMs?: Figure;
  transferMs?: Figure;
}

export interface StartResult {
  rounds: number;
  programs: StartProgram[];
  skipped: Skip[];
}

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./start-child.js', import.meta.url));

/** Runs argv[1:] (stdout passed through) and prints, last, its exit code, wall time and rusage as JSON. */
const MEASURE_PY = `
import json, os, sys, time
t = time.monotonic_ns()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic_ns() - t
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
sys.stdout.flush()
print(json.dumps({"code": code, "wallMs": wall / 1e6, "cpuMs": (ru.ru_utime + ru.ru_stime) * 1e3}))
`;

interface Run {
  wallMs: number;
  cpuMs: number;
  probe?: StartProbe;
}

function measure(python: string, argv: string[], limitMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', MEASURE_PY, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const lines = out.trim().split('\n');
      try {
        const m = JSON.parse(lines[lines.length - 1]!) as { code: number; wallMs: number; cpuMs: number };
        if (code !== 0 || m.code !== 0) throw new Error(`exited with ${m.code}`);
        const probe = lines.find((l) => l.startsWith('RESULT '));
        resolve({ wallMs: m.wallMs, cpuMs: m.cpuMs, ...(probe ? { probe: JSON.parse(probe.slice(7)) as StartProbe } : {}) });
      } catch (e) {
        reject(new Error(`${argv.slice(1).join(' ')}: ${(e as Error).message}${err.trim() ? `: ${err.trim().split('\n').slice(-2).join(' ')}` : ''}`));
      }
    });
  });
}

export async function benchStart(server: { name: string; port: number }, plan: StartPlan, log: (line: string) => void): Promise<StartResult> {
  const out: StartResult = { rounds: plan.rounds, programs: [], skipped: [] };
  const python = onPath('python3');
  if (python === undefined) {
    out.skipped.push({ name: 'start', reason: 'python3 not on PATH (it reads each process\'s CPU time)' });
    return out;
  }
  const url = `http://127.0.0.1:${server.port}${BODY_PATH}`;
  const node = process.execPath;
  const programs = [
    { name: 'node -e 0', command: 'node -e 0', argv: [node, '-e', '0'] },
    { name: 'hiper ifaces --json', command: 'node dist-test/src/cli/main.js ifaces --json', argv: [node, CLI, 'ifaces', '--json'] },
    { name: 'first transfer, hiper Multi', command: 'node dist-test/bench/start-child.js multi URL', argv: [node, CHILD, 'multi', url] },
    { name: 'first transfer, node:net', command: 'node dist-test/bench/start-child.js net URL', argv: [node, CHILD, 'net', url] },
  ];
  const runs = programs.map(() => [] as Run[]);
  const failed = new Set<number>();
  for (let r = 0; r < plan.rounds; r++) {
    for (let k = 0; k < programs.length; k++) {
      const i = (k + r) % programs.length;
      if (failed.has(i)) continue;
      try {
        runs[i]!.push(await measure(python, programs[i]!.argv, plan.limitMs));
      } catch (e) {
        failed.add(i);
        out.skipped.push({ name: `start: ${programs[i]!.name}`, reason: (e as Error).message, failed: true });
      }
    }
  }
  programs.forEach((p, i) => {
    const rs = runs[i]!;
    if (rs.length === 0) return;
    const probes = rs.flatMap((x) => (x.probe ? [x.probe] : []));
    const of = (f: (p: StartProbe) => number | undefined): Figure | undefined => {
      const v = probes.map(f).filter((x): x is number => x !== undefined);
      return v.length ? figure(v) : undefined;
    };
    const firstCallMs = of((x) => x.firstCallMs);
    const importMs = of((x) => x.importMs);
    const transferMs = of((x) => x.transferMs);
    const program: StartProgram = {
      name: p.name, command: p.command, wallMs: figure(rs.map((x) => x.wallMs)), cpuMs: figure(rs.map((x) => x.cpuMs)),
      ...(firstCallMs ? { firstCallMs } : {}), ...(importMs ? { importMs } : {}), ...(transferMs ? { transferMs } : {}),
    };
    out.programs.push(program);
    log(`  ${p.name}: ${program.wallMs.median.toFixed(1)} ms wall, ${program.cpuMs.median.toFixed(1)} ms CPU${firstCallMs ? `; first call ${firstCallMs.median.toFixed(2)} ms` : ''}`);
  });
  return out;
}

const floorOf = (r: StartResult): StartProgram | undefined => r.programs.find((p) => p.name === 'node -e 0');

export function startTable(r: StartResult | Skip | undefined): Table | undefined {
  if (r === undefined || 'reason' in r || r.programs.length === 0) return undefined;
  const floor = floorOf(r);
  const ms = (f: Figure | undefined, digits = 1): string => (f ? withSpread(f, digits) : '–');
  return {
    title: `start: each program in a fresh process, ${r.rounds} interleaved runs (wall and CPU from wait4; the first call is timed inside: add() for hiper, net.connect() and write for node:net)`,
    headers: ['program', 'wall ms', '÷ node -e 0', 'CPU ms', '÷ node -e 0', 'import ms', 'first call ms', 'to the response ms'],
    rows: r.programs.map((p) => [
      p.name, ms(p.wallMs), ratio(p.wallMs.median, floor?.wallMs.median), ms(p.cpuMs), ratio(p.cpuMs.median, floor?.cpuMs.median),
      ms(p.importMs), ms(p.firstCallMs, 2), ms(p.transferMs),
    ]),
  };
}

/** The start targets, when the section ran. */
export function startTargets(r: StartResult | Skip | undefined): Target[] {
  if (r === undefined || 'reason' in r) return [];
  const floor = floorOf(r);
  const ifaces = r.programs.find((p) => p.name === 'hiper ifaces --json');
  const multi = r.programs.find((p) => p.name === 'first transfer, hiper Multi');
  const net = r.programs.find((p) => p.name === 'first transfer, node:net');
  const wall = ifaces && floor ? ifaces.wallMs.median / floor.wallMs.median : undefined;
  const cpu = ifaces && floor ? ifaces.cpuMs.median / floor.cpuMs.median : undefined;
  const add = multi?.firstCallMs?.median;
  return [
    {
      goal: '`hiper ifaces --json` within 3x `node -e 0` (wall and CPU)',
      measured: wall !== undefined && cpu !== undefined ? `wall ${wall.toFixed(2)}x, CPU ${cpu.toFixed(2)}x` : 'not measured',
      met: wall !== undefined && cpu !== undefined ? wall <= 3 && cpu <= 3 : undefined,
    },
    {
      goal: 'first Multi.add() under 1 ms',
      measured: add !== undefined ? `${add.toFixed(2)} ms${net?.firstCallMs ? ` (a fresh process's first net.connect() and write: ${net.firstCallMs.median.toFixed(2)} ms)` : ''}` : 'not measured',
      met: add !== undefined ? add < 1 : undefined,
    },
  ];
}
