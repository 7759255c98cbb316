/** What the figures were measured on: they mean little without it. */
import os from 'node:os';
import { createRequire } from 'node:module';
import { nofileLimit, type NofileLimit } from './fdlimit.js';

export interface Machine {
  cpuModel: string;
  cores: number;
  availableParallelism: number;
  memoryGiB: number;
  node: string;
  v8: string;
  os: string;
  undici: string;
  nginx?: string;
  wrk?: string;
  /** 1-minute load average when the run started and when it ended (other work on a shared machine shows here). */
  loadAverage: { start: number; end?: number };
  nofile: NofileLimit | undefined;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  const require = createRequire(import.meta.url);
  let undici = 'unknown';
  try {
    undici = (require('undici/package.json') as { version: string }).version;
  } catch {}
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    undici,
    loadAverage: { start: os.loadavg()[0]! },
    nofile: nofileLimit(),
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, undici ${m.undici}` +
    `${m.nginx ? `, nginx ${m.nginx}` : ''}${m.wrk ? `, wrk ${m.wrk}` : ''}; load average ${m.loadAverage.start.toFixed(2)}` +
    `${m.loadAverage.end !== undefined ? ` → ${m.loadAverage.end.toFixed(2)}` : ''}`;
}
