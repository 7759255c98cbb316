/**
 * A closed-loop load: `inflight` workers, each sending its next GET as soon as the last one's body is
 * read, until `count` requests are done or `maxMs` has passed. Every body's size is checked.
 * Also the client process's CPU time per request (user + system, GC included), and the most requests
 * the client had in flight on one connection, where it tells.
 * `compare` takes turns between clients that each run such loads (in processes of their own).
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
  /** Count the requests in flight per connection (the probe run only: watching costs some clients). */
  watchInFlight?: boolean;
}

/** A stalled run fails instead of hanging the whole benchmark. */
export const STALL_MS = 5_000;

export interface LoadRun {
  requests: number;
  reqPerSec: number;
  cpuUsPerReq: number;
  /** Minor page faults of the client process per request (memory the kernel had to map afresh). */
  faultsPerReq: number;
  /** Most requests in flight on one connection during the run; absent where the client does not tell. */
  maxInFlight?: number;
}

export async function drive(client: BenchClient, path: string, b: Bounds): Promise<LoadRun> {
  let issued = 0;
  let done = 0;
  const watching = b.watchInFlight === true && client.inFlight !== undefined;
  client.inFlight?.watch(watching);
  client.inFlight?.take();
  const faults0 = process.resourceUsage().minorPageFault;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + b.maxMs;
  // After a failure (or a stall) the other workers stop issuing, so nothing runs on into the next client's run.
  let stop = false;
  const worker = async (): Promise<void> => {
    try {
      while (!stop && issued < b.count && performance.now() < deadline) {
        issued++;
        checkBytes(client.name, path, await client.request(path));
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
  const faults = process.resourceUsage().minorPageFault - faults0;
  const run: LoadRun = { requests: done, reqPerSec: (done / ms) * 1000, cpuUsPerReq: (cpu.user + cpu.system) / done, faultsPerReq: faults / done };
  if (watching) {
    run.maxInFlight = client.inFlight!.take();
    client.inFlight!.watch(false);
  }
  return run;
}

/** Something that runs a bounded load on request: a client in a child process. */
export interface Runner {
  readonly name: string;
  run(path: string, b: Bounds): Promise<LoadRun>;
}

export interface Compared {
  name: string;
  reqPerSec: Figure;
  cpuUsPerReq: Figure;
  faultsPerReq: Figure;
  requestsPerRun: number;
  /** The most requests in flight on one connection in the probe run, where the client tells. */
  maxInFlight?: number;
}

/** A client that threw (a wrong body, a bad status, a stall, a crash) or did not pipeline: it is left out of the remaining rounds. */
export interface Failed {
  failed: string;
}

export interface ComparePlan extends Bounds {
  rounds: number;
  warmup: number;
  /** Requests per connection the scenario asks for; above 1, a run with fewer than 2 in flight on a connection is a failure. */
  depth: number;
}

/** Why a client is left out: a pipelined scenario in which it did not pipeline (seen in the probe run). */
function notPipelined(name: string, run: LoadRun, depth: number): string | undefined {
  if (depth < 2 || run.maxInFlight === undefined || run.maxInFlight >= 2) return undefined;
  return `${name} had at most ${run.maxInFlight} request in flight on a connection in a run at depth ${depth}: it did not pipeline`;
}

/**
 * Each runner warmed up (not counted), probed for pipelining (not counted), then `rounds` rounds in which every runner runs once, alone, the
 * order rotating from round to round so that drift on a shared machine falls on all of them alike.
 * The result is in the order of `runners`.
 */
export async function compare(runners: Runner[], path: string, b: ComparePlan): Promise<Array<Compared | Failed>> {
  const failed = runners.map(() => undefined as string | undefined);
  const attempt = async (i: number, bounds: Bounds, probe: boolean): Promise<LoadRun | undefined> => {
    if (failed[i] !== undefined) return undefined;
    try {
      const run = await runners[i]!.run(path, bounds);
      const why = probe ? notPipelined(runners[i]!.name, run, b.depth) : undefined;
      if (why === undefined) return run;
      failed[i] = why;
    } catch (e) {
      failed[i] = (e as Error).message.split('\n')[0]!;
    }
    return undefined;
  };
  const bounds: Bounds = { inflight: b.inflight, count: b.count, maxMs: b.maxMs, ...(b.stallMs !== undefined ? { stallMs: b.stallMs } : {}) };
  const short = { ...bounds, count: b.warmup, maxMs: Math.min(b.maxMs, 1_000) };
  for (let i = 0; i < runners.length; i++) await attempt(i, short, false);
  // The probe: one more uncounted run, watching how many requests each client has in flight.
  const probes = runners.map(() => undefined as LoadRun | undefined);
  for (let i = 0; i < runners.length; i++) probes[i] = await attempt(i, { ...short, watchInFlight: true }, true);
  const runs = runners.map(() => [] as LoadRun[]);
  for (let r = 0; r < b.rounds; r++) {
    for (let k = 0; k < runners.length; k++) {
      const i = (k + r) % runners.length;
      const run = await attempt(i, bounds, false);
      if (run) runs[i]!.push(run);
    }
  }
  return runners.map((c, i) => {
    if (failed[i] !== undefined) return { failed: failed[i]! };
    const inFlight = probes[i]?.maxInFlight;
    return {
      name: c.name,
      reqPerSec: figure(runs[i]!.map((x) => x.reqPerSec)),
      cpuUsPerReq: figure(runs[i]!.map((x) => x.cpuUsPerReq)),
      faultsPerReq: figure(runs[i]!.map((x) => x.faultsPerReq)),
      requestsPerRun: Math.min(...runs[i]!.map((x) => x.requests)),
      ...(inFlight !== undefined ? { maxInFlight: inFlight } : {}),
    };
  });
}
