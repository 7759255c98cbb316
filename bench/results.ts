/** The shapes of bench/results.json, shared by the sections, the table and the chart. */
import type { ClientKind } from './clients.js';
import type { Figure } from './stats.js';
import type { ConnectBench } from './connect.js';
import type { ResolveBench } from './resolve.js';
import type { Machine } from './machine.js';
import type { StartResult } from './start.js';

export type MeasuredKind = ClientKind | 'wrk' | 'autocannon';

export interface Measured {
  kind: MeasuredKind;
  name: string;
  /** Median (min–max) over the runs. */
  reqPerSec: Figure;
  /** Client process CPU (user + system) per request; not known for the native tools. */
  cpuUsPerReq?: Figure;
  /** Minor page faults of the client process per request; not known for the native tools. */
  faultsPerReq?: Figure;
  /** Fewest requests any counted run made (the runs are bounded in count and in time). */
  requestsPerRun?: number;
  /**
   * The most requests the client had in flight on one connection in any counted run, where it can be
   * known (not for the native tools). In a pipelined scenario every counted run must reach 2 or more.
   */
  maxInFlight?: number;
  seconds?: number;
}

/** Something not measured, and why: left out for want of a tool or feature, or failed (a client broke). */
export interface Skip {
  name: string;
  reason: string;
  /** A client or section that threw: the run goes on, and ends with exit code 1. */
  failed?: true;
}

export interface Scenario {
  id: string;
  label: string;
  connections: number;
  /** Requests in flight per connection: pipeline depth (h1) or concurrent streams (h2). */
  depth: number;
  /** The path asked for, and its known body size. */
  path: string;
  bodyBytes: number;
  /**
   * How the clients read bodies: 'stream' (hiper's onData, the others counting 'data' events) or
   * 'buffer' (the whole body as one Buffer: hiper's result.body, undici's body.bytes(), chunks joined).
   */
  read: 'stream' | 'buffer';
}

export interface ScenarioResult {
  protocol: 'h1' | 'h2';
  server: string;
  scenario: Scenario;
  measured: Measured[];
  skipped: Skip[];
}

export interface C10kLevel {
  /** Idle keep-alive connections asked for. */
  idle: number;
  /** Connections the client had open when measuring (idle + the active one), where it tells. */
  open: number | undefined;
  usPerRequest: Figure;
  cpuUsPerRequest: Figure;
  /** RSS growth from the one-connection baseline, bytes (after a full GC). */
  rssGrowth: number;
  heapGrowth: number;
  rssPerIdle: number;
}

export interface C10kClient {
  kind: ClientKind;
  name: string;
  levels: C10kLevel[];
  /** The client process's open-file limit while it ran, and how it was raised. */
  nofile: { soft: number; hard: number } | undefined;
  raisedBy: string;
  skipped: Skip[];
}

export interface C10kResult {
  server: string;
  serverNofile: { soft: number; hard: number } | undefined;
  requestsPerRun: number;
  clients: C10kClient[];
  skipped: Skip[];
}

/** One client of a large-body scenario, per MiB of body received. */
export interface LargeBodyFigures {
  /** Its row: kind and read (large-body-clients.ts largeVariant). */
  variant: string;
  kind: ClientKind;
  name: string;
  /** Client process CPU (user + system) per MiB of body, µs: the primary figure. */
  cpuUsPerMiB: Figure;
  mibPerSec: Figure;
  /** Minor page faults of the client process per MiB (each maps a 4 KiB page afresh: costly in a virtual machine). */
  faultsPerMiB?: Figure;
  /** Fewest requests any counted run made. */
  requestsPerRun: number;
}

export interface LargeBodyResult {
  server: string;
  bodyBytes: number;
  /** Whole bodies ('buffer') or bodies read as they arrive ('stream'). */
  read: 'buffer' | 'stream';
  connections: number;
  /** Requests in flight at once (more than the connections, so that none waits for the next request). */
  inflight: number;
  clients: LargeBodyFigures[];
  skipped: Skip[];
}

/** One program downloading one large body to a file (or, for one floor, nowhere), measured as a process. */
export interface DownloadFigures {
  variant: 'hiper' | 'curl' | 'floor' | 'floor-discard';
  name: string;
  /** The command line, with the file and URL as placeholders. */
  command: string;
  /** Start of the process to its exit. */
  wallMs: Figure;
  /** User + system CPU of the process. */
  cpuMs: Figure;
  userMs: Figure;
  systemMs: Figure;
  peakRssBytes: Figure;
  mibPerSec: Figure;
}

export interface DownloadResult {
  server: string;
  bytes: number;
  rounds: number;
  /** 'wait4': each program under python3 (wait4 rusage, sampled VmHWM); 'preload': Node programs report their own usage at exit. */
  measuredBy: 'wait4' | 'preload';
  clients: DownloadFigures[];
  skipped: Skip[];
}

export interface Target {
  goal: string;
  measured: string;
  /** undefined when it could not be measured here. */
  met: boolean | undefined;
}

export interface Results {
  mode: 'quick' | 'full';
  startedAt: string;
  seconds: number;
  machine: Machine;
  /** Path → body bytes, for every body the servers answer. */
  bodies: Record<string, number>;
  throughput: ScenarioResult[];
  h2: ScenarioResult[];
  c10k: C10kResult | Skip;
  connect: ConnectBench | Skip;
  resolve: ResolveBench | Skip;
  largeBody: LargeBodyResult[];
  /** One Multi per core: Multi against ShardedMulti with 1 and 2 workers (bench/sharded.ts); absent when not run. */
  sharded?: ScenarioResult[];
  download: DownloadResult | Skip;
  /** Start times against `node -e 0` (bench/start.ts); absent when not run. */
  start?: StartResult | Skip;
  targets: Target[];
  skipped: Skip[];
  notes: string[];
}
