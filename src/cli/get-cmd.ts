/**
 * `hiper get URL...`: transfers through one Multi, with curl's flags. Sequential unless --parallel (curl
 * -Z) or --pipeline N; bodies to stdout or to -o files (one -o per URL, in order), written as they
 * arrive; -T uploads a file (one -T per URL, in order) and -d / --data-binary post data; -w per
 * transfer; --trace-json one object per line per transfer, in the order they end; -v says how each
 * connection is made as it happens; a progress display on a terminal. Exit code: that of the first URL
 * that failed (22 for HTTP >= 400 with --fail), else 0. curl 7.88 run serially exits with the last
 * transfer's code, losing an earlier failure; hiper does not lose it.
 */
import { writeFileSync } from 'node:fs';
import { Multi, multiDohTransport } from '../multi/index.js';
import { flag, num, str } from './args.js';
import { multiDohEgress } from './doh.js';
import { EXIT_WRITE_ERROR, outputError, exitCodeOf, stdio, type Io } from './format.js';
import { plan } from './get-plan.js';
import { verboseLines, writeOutFacts, type Outcome } from './get-report.js';
import { transferOne, type TransferContext } from './get-transfer.js';
import { StdoutQueue, type StdoutSlot } from './output.js';
import { Progress, barColumns } from './progress.js';
import { feedProgress } from './progress-feed.js';
import { TraceJson } from './trace-json.js';
import { VerboseConnectLog } from './verbose.js';
import { ReadReclaimer } from './reclaim.js';
import { waterfallSvg } from './waterfall.js';
import { renderWriteOut } from './write-out.js';

/** curl's exit code for --fail on HTTP >= 400. */
const EXIT_HTTP_ERROR = 22;
/** curl's most transfers at once with -Z: a larger --parallel-max is taken as this. */
const MAX_PARALLEL = 300;

export async function getCommand(args: string[], io: Io = stdio): Promise<number> {
  const p = plan(args);
  const v = p.values;
  const silent = flag(v, 'silent');
  const showErrors = !silent || flag(v, 'show-error');
  const verbose = flag(v, 'verbose');
  const fail = flag(v, 'fail');
  const headOnly = flag(v, 'head');
  if (p.writeOut && p.writeOut.unknown.length > 0 && showErrors) {
    for (const name of p.writeOut.unknown) io.err.write(`hiper: warning: unknown --write-out variable: '${name}'\n`);
  }
  // As curl's multi: no limit per host unless --parallel-max-host gives one.
  const perHost = num(v, 'parallel-max-host', 'int>=1') ?? Infinity;
  const traceTarget = str(v, 'trace-json');
  const multi = new Multi({ ...p.multi, maxConnectionsPerHost: perHost });
  const transfer = p.doh !== undefined
    ? { ...p.transfer, resolve: { ...p.transfer.resolve, doh: { url: p.doh.url, transport: multiDohTransport(multi, multiDohEgress(p.doh.transport)) } } }
    : p.transfer;
  // As curl: no progress display over a body that is written to the same terminal.
  const bodiesOnStdout = p.outputs.length < p.urls.length || p.outputs.includes('-');
  const showProgress = !silent && !verbose && !flag(v, 'no-progress-meter') && !(bodiesOnStdout && io.out.isTTY === true);
  const style = p.urls.length > 1 ? 'count' : flag(v, 'progress-bar') ? 'bar' : 'meter';
  const progress = new Progress(io.err, p.urls.length, showProgress, undefined, undefined, { style, columns: barColumns(process.env, io.err) });
  const trace = traceTarget !== undefined ? new TraceJson(traceTarget) : undefined;
  const reclaimer = new ReadReclaimer();
  const outcomes: Array<Outcome | undefined> = new Array(p.urls.length);

  // A stdout that fails (its reader went away: `hiper get URL | head`) ends the run at once: what is
  // left has nowhere to go. Every transfer still running ends (its connection closed), none starts.
  let stopped = false;
  let stdoutCause: unknown;
  const stdout = new StdoutQueue(io.out, (_error, cause) => {
    stopped = true;
    stdoutCause = cause;
    void multi.close();
  });

  const ctx: TransferContext = { multi, plan: p, transfer, io, progress, reclaimer, stdout, flags: { silent, showErrors, verbose, fail, headOnly } };
  const runOne = async (i: number): Promise<void> => {
    const slot = stdout.slot();
    try {
      const { outcome, headShown } = await transferOne(ctx, i, slot);
      outcomes[i] = outcome;
      progress.ended(outcome.error === undefined);
      report(i, slot, headShown);
    } finally {
      slot.release();
    }
  };

  const report = (i: number, slot: StdoutSlot, headShown: boolean): void => {
    const o = outcomes[i]!;
    // The request as this URL sent it: its own headers (credentials, cookies), else the run's.
    const sent = { ...transfer, headers: p.requests[i]?.headers ?? transfer.headers };
    if (verbose && !headShown) for (const l of verboseLines(o.url, o.info, undefined, sent)) io.err.write(l + '\n');
    // A closed stdout was said once, for the run.
    if (stdout.error !== undefined && o.error === stdout.error) return;
    const r = o.result;
    trace?.write(o, slot);
    if (p.writeOut) void slot.write(Buffer.from(renderWriteOut(p.writeOut, writeOutFacts(o, exitOf(o, fail), sent, p.uploads[i]))));
    if (o.error !== undefined && showErrors) progress.say(`hiper: (${exitCodeOf(o.error)}) ${o.url}: ${(o.error as Error).message}\n`);
    if (r && fail && r.status >= 400 && showErrors) progress.say(`hiper: (22) ${o.url}: the requested URL returned error: ${r.status}\n`);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!stopped && next < p.urls.length) await runOne(next++);
  };
  // -v: each connect attempt and skip as it happens; the display, fed by the transfers, until the end.
  const connectLog = verbose ? new VerboseConnectLog((line) => io.err.write(line + '\n')) : undefined;
  const feed = feedProgress(progress, p.doh?.url);
  progress.begin();
  try {
    // The trace file could not be created: nothing is run, as curl stops at an output it cannot open.
    if (trace?.error === undefined) await Promise.all(Array.from({ length: Math.min(p.parallel, MAX_PARALLEL, p.urls.length) }, worker));
  } finally {
    progress.stop();
    feed.close();
    connectLog?.close();
    trace?.close();
    await multi.close();
  }
  await stdout.idle();

  const ran = outcomes.filter((o): o is Outcome => o !== undefined);
  let code = 0;
  for (const o of ran) {
    code = exitOf(o, fail);
    if (code !== 0) break;
  }
  if (trace?.error !== undefined) {
    if (showErrors) io.err.write(`hiper: (${EXIT_WRITE_ERROR}) ${trace.error.message}\n`);
    if (code === 0) code = EXIT_WRITE_ERROR;
  }
  if (stdout.error !== undefined) {
    // A reader that went away (EPIPE) is the usual end of `| head`: quiet, as before.
    if ((stdoutCause as NodeJS.ErrnoException | undefined)?.code !== 'EPIPE' && showErrors) io.err.write(`hiper: (${EXIT_WRITE_ERROR}) ${stdout.error.message}\n`);
    if (code === 0) code = EXIT_WRITE_ERROR;
  }
  const waterfall = str(v, 'waterfall');
  if (waterfall !== undefined) {
    try {
      writeFileSync(waterfall, waterfallSvg(ran.map((o) => o.info), `hiper get: ${p.urls.length} transfer${p.urls.length === 1 ? '' : 's'}`));
    } catch (err) {
      const e = outputError(waterfall, err);
      if (showErrors) io.err.write(`hiper: (${EXIT_WRITE_ERROR}) ${e.message}\n`);
      if (code === 0) code = EXIT_WRITE_ERROR;
    }
  }
  return code;
}

/** The DoH transfers' options: the plan's egress and TLS trust, on the Multi's pooled connections. */
function exitOf(o: Outcome, fail: boolean): number {
  if (o.error !== undefined) return exitCodeOf(o.error);
  return fail && o.result!.status >= 400 ? EXIT_HTTP_ERROR : 0;
}

