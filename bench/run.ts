/**
 * `npm run bench`: every benchmark in one run against the same servers, a table of ratios on the
 * terminal, and bench/results.json, bench/results.md and bench/chart.svg.
 *   node dist-test/bench/run.js [--quick] [--out DIR] [--only h1,h2,sharded,large-body,cli-download,c10k,connect,resolve,start]
 * --quick is the smoke mode CI runs: every section with tiny counts, a few seconds, written to a
 * temporary directory unless --out is given (the committed figures come from full runs). A run of some
 * sections only (--only) is written to a temporary directory too unless --out is given, so that it never
 * replaces the committed figures of a full run.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCert, type TestCert } from '../test/helpers/cert.js';
import { describeMachine, machineLine } from './machine.js';
import { startNodeServer, type NodeServer } from './servers/node-server.js';
import { nginxMissing, startNginx, type NginxServer } from './servers/nginx.js';
import { findAutocannon, findWrk, wrkVersion } from './ceilings.js';
import { benchThroughput, type LoadPlan, type Tools } from './throughput.js';
import { benchH2 } from './h2.js';
import { benchC10k, type C10kPlan } from './c10k.js';
import { benchConnect } from './connect.js';
import { benchResolve } from './resolve.js';
import { benchStart, type StartPlan } from './start.js';
import { benchLargeBody, largeLabel, LARGE_BODY_NOTE, type LargeBodyPlan } from './large-body.js';
import { benchCliDownload, downloadNote, type DownloadPlan } from './cli-download.js';
import { allTables, bodyLabel, skippedLines, targets, textTable } from './report.js';
import { benchSharded, shardedTable, SHARDED_NOTE } from './sharded.js';
import { writeResults } from './write-results.js';
import { BODIES, sizeLabel } from './body.js';
import { PEERS_NOTE } from './client-spec.js';
import type { Results, Skip } from './results.js';

const SECTIONS = ['h1', 'h2', 'sharded', 'large-body', 'cli-download', 'c10k', 'connect', 'resolve', 'start'] as const;
type Section = (typeof SECTIONS)[number];

interface Args {
  quick: boolean;
  out: string | undefined;
  only: Set<Section>;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, out: undefined, only: new Set(SECTIONS) };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    const value = (): string => {
      const next = v.includes('=') ? v.slice(v.indexOf('=') + 1) : argv[++i];
      if (next === undefined) throw new Error(`${v} needs a value`);
      return next;
    };
    if (v === '--quick') a.quick = true;
    else if (v.startsWith('--out')) a.out = value();
    else if (v.startsWith('--only')) {
      const names = value().split(',');
      for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`--only: unknown section "${n}" (known: ${SECTIONS.join(', ')})`);
      a.only = new Set(names as Section[]);
    } else throw new Error(`unknown argument "${v}" (known: --quick, --out DIR, --only ${SECTIONS.join(',')})`);
  }
  return a;
}

/** Counts and time limits: full runs stay within a few minutes on a 2-core machine, quick runs within seconds. */
function plans(quick: boolean): { load: LoadPlan; c10k: C10kPlan; largeBody: LargeBodyPlan; download: DownloadPlan; start: StartPlan } {
  const MiB = 1024 * 1024;
  return quick
    ? {
        load: { rounds: 2, warmup: 20, count: 100, maxMs: 150, ceilingRuns: 1, ceilingSeconds: 1, ceilingScenarios: 'first', stallMs: 2_000, childMs: 60_000 },
        c10k: { levels: [10, 100], rounds: 2, count: 50, maxMs: 200, warmup: 10, growMs: 10_000, childMs: 30_000 },
        largeBody: { sizes: [MiB], connections: [1, 4], rounds: 1, warmupMiB: 4, countMiB: 8, maxMs: 50, stallMs: 3_000, childMs: 30_000 },
        download: { bytes: 64 * MiB, rounds: 1, limitMs: 30_000 },
        start: { rounds: 2, limitMs: 30_000 },
      }
    : {
        load: { rounds: 5, warmup: 2_000, count: 50_000, maxMs: 700, ceilingRuns: 3, ceilingSeconds: 1, ceilingScenarios: 'all', stallMs: 5_000, childMs: 180_000 },
        c10k: { levels: [10, 1_000, 10_000], rounds: 7, count: 2_000, maxMs: 500, warmup: 300, growMs: 60_000, childMs: 180_000 },
        largeBody: { sizes: [MiB, 16 * MiB], connections: [1, 4], rounds: 5, warmupMiB: 128, countMiB: 1_000_000, maxMs: 300, stallMs: 5_000, childMs: 180_000 },
        download: { bytes: 1024 * MiB, rounds: 3, limitMs: 120_000 },
        start: { rounds: 15, limitMs: 30_000 },
      };
}

const log = (line: string): void => console.log(line);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const machine = describeMachine();
  const { load, c10k: c10kPlan, largeBody: largeBodyPlan, download: downloadPlan, start: startPlan } = plans(args.quick);
  const skipped: Skip[] = [];
  const notes: string[] = [];
  const here = dirname(fileURLToPath(import.meta.url));
  // dist-test/bench → the source folder bench/, where the committed figures live.
  const partial = args.only.size < SECTIONS.length;
  const outDir = args.out ? resolvePath(args.out) : args.quick || partial ? mkdtempSync(join(tmpdir(), 'hiper-bench-')) : resolvePath(here, '../../bench');

  log(`hiper benchmarks, ${args.quick ? 'quick (smoke) mode' : 'full run'}: ${machineLine(machine)}`);
  const tools: Tools = { wrk: findWrk(), autocannon: findAutocannon() };
  if ('path' in tools.wrk) machine.wrk = wrkVersion(tools.wrk.path);

  let cert: TestCert | undefined;
  let node: NodeServer | undefined;
  let nginx: NginxServer | undefined;
  const results: Results = {
    mode: args.quick ? 'quick' : 'full',
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    machine,
    bodies: { ...BODIES },
    throughput: [],
    h2: [],
    c10k: { name: 'c10k', reason: 'not run' },
    connect: { name: 'connect', reason: 'not run' },
    resolve: { name: 'resolve', reason: 'not run' },
    largeBody: [],
    download: { name: 'cli-download', reason: 'not run' },
    targets: [],
    skipped,
    notes,
  };

  const stopAll = async (): Promise<void> => {
    await node?.stop();
    await nginx?.stop();
    cert?.cleanup();
    node = nginx = cert = undefined;
  };
  const onSignal = (sig: NodeJS.Signals): void => void stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    try {
      cert = makeCert(['localhost', '127.0.0.1']);
    } catch (e) {
      skipped.push({ name: 'h2', reason: `no certificate (openssl: ${(e as Error).message.split('\n')[0]})` });
    }
    node = await startNodeServer(cert);
    const why = nginxMissing();
    if (why) skipped.push({ name: 'nginx', reason: why });
    else {
      try {
        nginx = await startNginx(cert);
        machine.nginx = nginx.version;
      } catch (e) {
        skipped.push({ name: 'nginx', reason: (e as Error).message });
      }
    }
    const h1Servers = [{ name: 'node:http', port: node.h1Port }, ...(nginx ? [{ name: 'nginx', port: nginx.h1Port }] : [])];
    const h2Servers = [...(node.h2Port ? [{ name: 'node:http2', port: node.h2Port }] : []), ...(nginx?.h2Port ? [{ name: 'nginx', port: nginx.h2Port }] : [])];

    // A section that throws is recorded as failed and the run goes on to the next.
    const section = async (name: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        const reason = (e as Error).message.split('\n')[0]!;
        log(`  ${name} failed: ${reason}`);
        skipped.push({ name, reason, failed: true });
      }
    };
    if (args.only.has('h1')) {
      log('\nHTTP/1.1 throughput (each client in a child process)');
      for (const s of h1Servers) await section(`HTTP/1.1 against ${s.name}`, async () => void results.throughput.push(...(await benchThroughput(s, load, tools, log))));
    }
    if (args.only.has('h2') && cert) {
      log('\nHTTP/2 throughput (each client in a child process)');
      for (const s of h2Servers) await section(`HTTP/2 against ${s.name}`, async () => void results.h2.push(await benchH2(s, cert!.cert, load, log)));
    }
    if (args.only.has('sharded')) {
      // nginx when there is one: the server's CPU is then the smallest share of the machine.
      const s = h1Servers[h1Servers.length - 1]!;
      log(`\nOne Multi per core: Multi vs ShardedMulti with 1 and 2 workers (each client in a child process, ${s.name} server)`);
      await section('sharded', async () => void (results.sharded = await benchSharded(s, load, log)));
      notes.push(SHARDED_NOTE);
    }
    if (args.only.has('large-body')) {
      log('\nlarge bodies (each client in a child process)');
      // Smoke mode: one server is enough to keep the section working.
      for (const s of args.quick ? h1Servers.slice(0, 1) : h1Servers) {
        await section(`large bodies against ${s.name}`, async () => void results.largeBody.push(...(await benchLargeBody(s, largeBodyPlan, log))));
      }
      notes.push(LARGE_BODY_NOTE);
    }
    if (args.only.has('cli-download')) {
      // nginx serves the download from a sparse file with sendfile, leaving the other core to the program measured.
      const s = h1Servers[h1Servers.length - 1]!;
      log(`\ndownload of ${sizeLabel(downloadPlan.bytes)} to a file (each program in its own process, ${s.name} server)`);
      await section('cli-download', async () => {
        const d = await benchCliDownload(s, downloadPlan, log);
        results.download = d;
        notes.push(downloadNote(d.measuredBy));
      });
    }
    if (args.only.has('c10k')) {
      log('\nc10k (each client in a child process)');
      await section('c10k', async () => {
        const c = await benchC10k({ name: 'node:http', port: node!.h1Port, nofile: node!.nofile }, c10kPlan, log);
        results.c10k = c;
        skipped.push(...c.skipped);
      });
    }
    if (args.only.has('start')) {
      log('\nstart (each program in a fresh process)');
      await section('start', async () => {
        const s = await benchStart({ name: 'node:http', port: node!.h1Port }, startPlan, log);
        results.start = s;
        skipped.push(...s.skipped);
      });
    }
    await stopAll();
    if (args.only.has('connect')) {
      log('\nconnect');
      await section('connect', async () => void (results.connect = await benchConnect({ quick: args.quick })));
    }
    if (args.only.has('resolve')) {
      log('\nresolve');
      await section('resolve', async () => void (results.resolve = await benchResolve({ quick: args.quick })));
    }
  } finally {
    await stopAll();
  }

  for (const r of results.largeBody) skipped.push(...r.skipped.map((s) => ({ ...s, name: `${s.name} (large bodies, ${r.server}, ${largeLabel(r)})` })));
  if ('clients' in results.download) skipped.push(...results.download.skipped.map((s) => ({ ...s, name: `${s.name} (download)` })));
  for (const r of [...results.throughput, ...results.h2, ...(results.sharded ?? [])]) skipped.push(...r.skipped.map((s) => ({ ...s, name: `${s.name} (${r.server}, ${r.scenario.label}, ${bodyLabel(r.scenario)})` })));
  results.targets = targets(results);
  results.seconds = (Date.now() - started) / 1000;
  machine.loadAverage.end = loadavg()[0]!;
  if (load.ceilingScenarios === 'first') notes.push('Quick mode: native ceilings (wrk, autocannon) on the first scenario of each server only.');
  notes.push(PEERS_NOTE);
  notes.push(
    'Client and server share one machine: the node:http server and nginx each run as one process, each client in another. ' +
    'On 2 cores that are shared with other work, figures move by 10–30% from run to run; compare ratios within one run, not across runs.',
  );

  log('');
  for (const t of allTables(results)) log(`${textTable(t)}\n`);
  if (results.sharded?.length) log(`${textTable(shardedTable(results.sharded))}\n`);
  for (const l of skippedLines(skipped)) log(l);

  mkdirSync(outDir, { recursive: true });
  writeResults(results, outDir);
  log(`\nwrote ${join(outDir, 'results.json')}, results.md and chart.svg (${results.seconds.toFixed(0)} s)`);
  // Missing tools are skips (exit 0); a client or section that broke fails the run, so CI sees it.
  const failed = skipped.filter((s) => s.failed).length;
  if (failed > 0) {
    log(`${failed} failure${failed === 1 ? '' : 's'} (see FAILED above)`);
    process.exitCode = 1;
  }
}

/** Whole-run limits: a hang anywhere ends the run with an error instead of holding CI. */
const RUN_LIMIT_MS = { quick: 120_000, full: 1_800_000 };

const limit = setTimeout(() => {
  console.error(`bench failed: not finished within ${RUN_LIMIT_MS[process.argv.includes('--quick') ? 'quick' : 'full'] / 1000} s`);
  // The servers are children that end when this process's pipes to them close.
  process.exit(1);
}, RUN_LIMIT_MS[process.argv.includes('--quick') ? 'quick' : 'full']);
limit.unref();

main().then(
  // Explicit exit: a client that failed may have left a socket open.
  () => process.exit(process.exitCode ?? 0),
  (e: Error) => {
    console.error(`bench failed: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
