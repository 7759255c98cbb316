/**
 * One scenario's clients measured side by side: a child process per client, all started up front and
 * kept for the whole scenario, then warmed up and run in rounds one at a time (load.ts compare).
 * Children that could not start, crashed, stalled or read a wrong body are failures; clients not
 * available here (hiper's Multi not built, h2 not negotiated) are skipped.
 */
import { isSkipped } from './clients.js';
import type { ClientSpec } from './client-spec.js';
import { startClientProcess, type ClientProcess } from './client-process.js';
import { compare, type Compared, type Failed } from './load.js';
import type { Measured, Skip } from './results.js';

export interface RoundsPlan {
  rounds: number;
  warmup: number;
  count: number;
  maxMs: number;
  /** See Bounds.stallMs. */
  stallMs: number;
  /** Hard time limit of one client's child process, ms. */
  childMs: number;
}

/** The figures of the clients that ran; the others are recorded in `skipped` as failed. */
function measuredOrFailed(runners: ClientProcess[], compared: Array<Compared | Failed>, skipped: Skip[]): Measured[] {
  const measured: Measured[] = [];
  compared.forEach((c, k) => {
    if ('failed' in c) skipped.push({ name: runners[k]!.kind, reason: c.failed, failed: true });
    else measured.push({ kind: runners[k]!.kind, ...c });
  });
  return measured;
}

export async function measureClients(
  specs: ClientSpec[],
  path: string,
  plan: RoundsPlan,
  load: { inflight: number; depth: number },
): Promise<{ measured: Measured[]; skipped: Skip[] }> {
  const skipped: Skip[] = [];
  const runners: ClientProcess[] = [];
  // Starting is not measured: the children start together.
  const started = await Promise.allSettled(specs.map((s) => startClientProcess(s, plan.childMs)));
  started.forEach((r, i) => {
    const kind = specs[i]!.kind;
    if (r.status === 'rejected') skipped.push({ name: kind, reason: (r.reason as Error).message.split('\n')[0]!, failed: true });
    else if (isSkipped(r.value)) skipped.push({ name: kind, reason: r.value.skipped });
    else runners.push(r.value);
  });
  try {
    const compared = await compare(runners, path, { ...load, rounds: plan.rounds, warmup: plan.warmup, count: plan.count, maxMs: plan.maxMs, stallMs: plan.stallMs });
    return { measured: measuredOrFailed(runners, compared, skipped), skipped };
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
}
