/**
 * Large bodies (1 MiB and up): hiper against undici, with the net floor under both, over 1 connection
 * and over several, bodies taken whole or read as they arrive (large-body-clients.ts). Each client runs
 * in its own process, is warmed up, and the rounds are interleaved (measure-clients.ts). The first figure
 * is CPU per MiB: the client process's user + system time over a run divided by the MiB of body it
 * received; the second MiB per second.
 */
import { measureClients, type RoundsPlan } from './measure-clients.js';
import { BODIES, sizeLabel } from './body.js';
import { largeName, largeVariant, type LargeSpec } from './large-body-clients.js';
import type { ClientSpec } from './client-spec.js';
import type { Figure } from './stats.js';
import type { LargeBodyFigures, LargeBodyResult } from './results.js';

const MiB = 1024 * 1024;

export interface LargeBodyPlan extends Omit<RoundsPlan, 'warmup' | 'count'> {
  /** Body sizes, bytes; each is a path of BODIES. */
  sizes: number[];
  connections: number[];
  /** MiB each client reads before it is measured (the probe reads as much again). */
  warmupMiB: number;
  /** MiB at most per counted run (runs are also bounded by maxMs). */
  countMiB: number;
}

type Variant = Pick<LargeSpec, 'kind' | 'read'>;

/** The clients of each way of reading, in the order of the table's columns. */
export const LARGE_VARIANTS: Record<LargeBodyResult['read'], Variant[]> = {
  buffer: [{ kind: 'hiper', read: 'buffer' }, { kind: 'undici', read: 'buffer' }, { kind: 'net', read: 'buffer' }],
  stream: [{ kind: 'hiper', read: 'iterate' }, { kind: 'undici', read: 'dump' }, { kind: 'undici', read: 'iterate' }, { kind: 'net', read: 'iterate' }],
};

/** Requests in flight per connection: one arriving and one waiting, so that no connection idles between bodies. */
const PER_CONNECTION = 2;

function pathOf(bytes: number): string {
  const path = Object.keys(BODIES).find((p) => BODIES[p] === bytes);
  if (path === undefined) throw new Error(`no bench body of ${bytes} bytes`);
  return path;
}

const scaled = (f: Figure, k: number): Figure => ({ median: f.median * k, min: f.min * k, max: f.max * k, runs: f.runs });

/** "16 MiB buffered, 4 connections". */
export function largeLabel(r: Pick<LargeBodyResult, 'bodyBytes' | 'read' | 'connections'>): string {
  return `${sizeLabel(r.bodyBytes)} ${r.read === 'buffer' ? 'buffered' : 'streamed'}, ${r.connections} connection${r.connections === 1 ? '' : 's'}`;
}

export async function benchLargeBody(server: { name: string; port: number }, plan: LargeBodyPlan, log: (line: string) => void): Promise<LargeBodyResult[]> {
  const origin = `http://127.0.0.1:${server.port}`;
  const results: LargeBodyResult[] = [];
  for (const bytes of plan.sizes) {
    const path = pathOf(bytes);
    const mib = bytes / MiB;
    for (const read of ['buffer', 'stream'] as const) {
      for (const connections of plan.connections) {
        const variants = LARGE_VARIANTS[read];
        const specs: ClientSpec[] = variants.map((v) => ({ kind: v.kind, origin, connections, depth: 1, read: 'stream', large: v.read }));
        const inflight = connections * PER_CONNECTION;
        const { measured, skipped } = await measureClients(specs, path, {
          ...plan,
          warmup: Math.max(inflight, Math.ceil(plan.warmupMiB / mib)),
          count: Math.max(inflight, Math.ceil(plan.countMiB / mib)),
        }, { inflight, depth: 1 });
        const clients = variants.flatMap((v): LargeBodyFigures[] => {
          const name = largeName({ ...v, connections });
          const m = measured.find((x) => x.name === name);
          if (m?.cpuUsPerReq === undefined) return [];
          return [{
            variant: largeVariant(v), kind: v.kind, name,
            cpuUsPerMiB: scaled(m.cpuUsPerReq, 1 / mib), mibPerSec: scaled(m.reqPerSec, mib),
            ...(m.faultsPerReq ? { faultsPerMiB: scaled(m.faultsPerReq, 1 / mib) } : {}),
            requestsPerRun: m.requestsPerRun ?? 0,
          }];
        });
        const r: LargeBodyResult = { server: server.name, bodyBytes: bytes, read, connections, inflight, clients, skipped };
        results.push(r);
        const faults = (c: LargeBodyFigures): string => (c.faultsPerMiB ? `, ${Math.round(c.faultsPerMiB.median)} faults/MiB` : '');
        log(`  ${server.name}, ${largeLabel(r)}: ${clients.map((c) => `${c.name} ${Math.round(c.cpuUsPerMiB.median)} µs CPU/MiB ${Math.round(c.mibPerSec.median)} MiB/s${faults(c)}`).join('; ')}`);
      }
    }
  }
  return results;
}

export const LARGE_BODY_NOTE =
  'Large bodies: hiper Multi (maxConnectionsPerHost = the connections, no pipelining), undici Client or Pool (connections = the connections) and the ' +
  'net floor, 2 requests in flight per connection so that none idles between bodies. Buffered: hiper `(await t.done).body`, undici `body.arrayBuffer()`, ' +
  'the floor joins the slices into one Buffer. Streamed: hiper `stream: true` and `for await` over `r.body`, undici `body.dump()` (with a limit above ' +
  'the body: its default of 128 KiB destroys a larger body instead of reading it) and `for await` over its body, the floor counts the slices. ' +
  'CPU per MiB is user + system time of the client\'s own process over a run divided by the MiB of body received; MiB/s is body bytes per second. ' +
  'Page faults per MiB are the client process\'s minor faults over a run per MiB: each maps a page afresh, mostly heap that malloc gave back to the ' +
  'kernel and takes again (with MALLOC_TRIM_THRESHOLD_ raised they all but vanish). In a virtual machine each costs several µs of system time, so ' +
  'that a process whose heap churns can pay more for that than for the bytes, and a client\'s CPU per MiB moves with its faults from run to run.';
