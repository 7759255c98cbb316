/**
 * A closed-loop load: `inflight` workers, each sending its next GET as soon as the last one's body is
 * read, until `count` requests are done or `maxMs` has passed. Every body's size is checked.
 * Also the client process's CPU time per request (user + system, GC included).
 */
import type { BenchClient } from './clients.js';
import { checkBytes } from './body.js';
import { figure, type Figure } from './stats.js';

export interface Bounds {
  /** Requests in flight at once. */
  inflight: number;
  count: number;
  maxMs: number;
  /** A run still unfinished this long after maxMs is stalled (a request that never settles); default STALL_MS. */
  stallMs?: number;
}

/** A stalled run fails instead of hanging the whole benchmark. */
export const STALL_MS = 5_000;

export interface LoadRun {
  requests: number;
  reqPerSec: number;
  cpuUsPerReq: number;
}

export async function drive(client: BenchClient, path: string, b: Bounds): Promise<LoadRun> {
  let issued = 0;
  let done = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + b.maxMs;
  // After a failure (or a stall) the other workers stop issuing, so nothing runs on into the next client's run.
  let stop = false;
  const worker = async (): Promise<void> => {
    try {
      while (!stop && issued < b.count && performance.now() < deadline) {
        issued++;
        checkBytes(client.name, await client.request(path));
        done++;
      }
    } catch (e) {
      stop = true;
      throw e;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    const limit = b.maxMs + (b.stallMs ?? STALL_MS);
    timer = setTimeout(() => reject(new Error(`${client.name} stalled: ${done} of ${issued} requests done ${limit} ms after the start`)), limit);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: Math.min(b.inflight, b.count) }, worker)), stalled]);
  } finally {
    stop = true;
    clearTimeout(timer);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { requests: done, reqPerSec: (done / ms) * 1000, cpuUsPerReq: (cpu.user + cpu.system) / done };
}

export interface Compared {
  name: string;
  reqPerSec: Figure;
  cpuUsPerReq: Figure;
  requestsPerRun: number;
}

/** A client that threw (a wrong body, a bad status, a stall): it is left out of the remaining rounds. */
export interface Failed {
  failed: string;
}

/**
 * Each client warmed up (not counted), then `rounds` rounds in which every client runs once, the order
 * rotating from round to round so that drift on a shared machine falls on all of them alike.
 * The result is in the order of `clients`.
 */
export async function compare(clients: BenchClient[], path: string, b: Bounds & { rounds: number; warmup: number }): Promise<Array<Compared | Failed>> {
  const failed = clients.map(() => undefined as string | undefined);
  const attempt = async (i: number, bounds: Bounds): Promise<LoadRun | undefined> => {
    if (failed[i] !== undefined) return undefined;
    try {
      return await drive(clients[i]!, path, bounds);
    } catch (e) {
      failed[i] = (e as Error).message.split('\n')[0]!;
      return undefined;
    }
  };
  for (let i = 0; i < clients.length; i++) await attempt(i, { ...b, count: b.warmup, maxMs: Math.min(b.maxMs, 1_000) });
  const runs = clients.map(() => [] as LoadRun[]);
  for (let r = 0; r < b.rounds; r++) {
    for (let k = 0; k < clients.length; k++) {
      const i = (k + r) % clients.length;
      const run = await attempt(i, b);
      if (run) runs[i]!.push(run);
    }
  }
  return clients.map((c, i) => failed[i] !== undefined ? { failed: failed[i]! } : {
    name: c.name,
    reqPerSec: figure(runs[i]!.map((x) => x.reqPerSec)),
    cpuUsPerReq: figure(runs[i]!.map((x) => x.cpuUsPerReq)),
    requestsPerRun: Math.min(...runs[i]!.map((x) => x.requests)),
  });
}
