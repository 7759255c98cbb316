/**
 * `hiper get URL...`: transfers through one Multi, with curl's flags. Sequential unless --parallel (curl
 * -Z) or --pipeline N; bodies to stdout or to -o files (one -o per URL, in order), written as they
 * arrive; -T uploads a file (one -T per URL, in order) and -d / --data-binary post data; -w per
 * transfer; --json prints one object per line per transfer, in the order they end, instead of bodies on
 * stdout. Exit code: that of the first URL that failed (curl's), 22 for HTTP >= 400 with --fail, else 0.
 */
import { writeFileSync } from 'node:fs';
import { HiperError, isHiperError } from '../shared/errors.js';
import { Multi, multiDohTransport, type Transfer, type TransferResponseHead, type TransferResult } from '../multi/index.js';
import { flag, str } from './args.js';
import type { DohPlan } from './doh.js';
import { EXIT_WRITE_ERROR, outputError, errorJson, exitCodeOf, stdio, type Io } from './format.js';
import { plan } from './get-plan.js';
import { failedInfo, headText, headerValue, outcomeJson, retryWarning, verboseLines, type Outcome } from './get-report.js';
import { FileOutput, StdoutQueue, type Sink, type StdoutSlot } from './output.js';
import { Progress } from './progress.js';
import { ReadReclaimer } from './reclaim.js';
import { uploadSource, type Body, type UploadSource } from './upload.js';
import { waterfallSvg } from './waterfall.js';
import { renderWriteOut } from './write-out.js';
import type { RetryEvent } from '../multi/curl-retry.js';

/** curl's exit code for --fail on HTTP >= 400. */
const EXIT_HTTP_ERROR = 22;

export async function getCommand(args: string[], io: Io = stdio): Promise<number> {
  const p = plan(args);
  const v = p.values;
  const silent = flag(v, 'silent');
  const showErrors = !silent || flag(v, 'show-error');
  const json = flag(v, 'json');
  const verbose = flag(v, 'verbose');
  const fail = flag(v, 'fail');
  const headOnly = flag(v, 'head');
  if (p.writeOut && p.writeOut.unknown.length > 0 && showErrors) {
    for (const name of p.writeOut.unknown) io.err.write(`hiper: warning: unknown --write-out variable: '${name}'\n`);
  }
  const multi = new Multi(p.multi);
  const transfer = p.doh !== undefined
    ? { ...p.transfer, resolve: { ...p.transfer.resolve, doh: { url: p.doh.url, transport: multiDohTransport(multi, dohEgress(p.doh)) } } }
    : p.transfer;
  // As curl: no progress line over a body that is written to the same terminal.
  const bodiesOnStdout = !json && (p.outputs.length < p.urls.length || p.outputs.includes('-'));
  const progress = new Progress(io.err, p.urls.length, !silent && !verbose && !(bodiesOnStdout && io.out.isTTY === true));
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

  const runOne = async (i: number): Promise<void> => {
    const url = p.urls[i]!;
    const method = p.methods[i]!;
    const slot = stdout.slot();
    try {
      await transferOne(i, url, method, slot);
    } finally {
      slot.release();
    }
  };

  const transferOne = async (i: number, url: string, method: string, slot: StdoutSlot): Promise<void> => {
    let t: Transfer | undefined;
    // A destination that cannot be written ends its transfer at once: exit 23.
    let writeError: HiperError | undefined;
    const abort = (error: HiperError): void => {
      writeError ??= error;
      if (t !== undefined) multi.remove(t);
    };
    const output = p.outputs[i];
    const file = output !== undefined && output !== '-' ? new FileOutput(output, abort) : undefined;
    // --json takes stdout for itself: bodies go only to -o files there.
    const sink: Sink | undefined = file ?? (output === '-' || !json ? slot : undefined);
    let bodyTo: Sink | undefined;
    let head: TransferResponseHead | undefined;
    const onHeaders = (h: TransferResponseHead): void => {
      head = h;
      if (verbose && t !== undefined) {
        progress.clear();
        for (const l of verboseLines(url, t.info, h, transfer)) io.err.write(l + '\n');
      }
      if (sink === undefined) return;
      // -I: the head is what is written (with --fail too, as curl writes it before it fails).
      if (headOnly) {
        if (file === undefined || file.open()) void sink.write(Buffer.from(headText(h)));
        return;
      }
      // --fail: a status >= 400 writes nothing and creates no file.
      if (fail && h.status >= 400) return;
      if (file === undefined || file.open()) bodyTo = sink;
    };
    const onData = (chunk: Buffer): Promise<void> | undefined => {
      progress.received(chunk.length);
      reclaimer.received(chunk.length);
      return bodyTo?.write(chunk);
    };

    // As curl: each run's error (with -S, or without -s), then the warning (without -s).
    const onRetry = (e: RetryEvent): void => {
      progress.clear();
      if (showErrors && !json) {
        if (e.error !== undefined) io.err.write(`hiper: (${exitCodeOf(e.error)}) ${url}: ${e.error.message}\n`);
        else if (fail && e.status !== undefined) io.err.write(`hiper: (22) ${url}: the requested URL returned error: ${e.status}\n`);
      }
      if (!silent) io.err.write(retryWarning(e));
    };
    let upload: UploadSource | undefined;
    let body: Body | undefined;
    let stopFollowing = (): void => {};
    try {
      upload = p.uploads[i] !== undefined ? uploadSource(p.uploads[i]!, io.in ?? (() => process.stdin)) : undefined;
      body = upload?.body ?? p.data?.();
      const retry = transfer.retry !== undefined ? { retry: { ...transfer.retry, onRetry } } : {};
      t = multi.add({ ...transfer, url, method, ...(body !== undefined ? { body } : {}), onHeaders, onData, ...retry });
      if (upload !== undefined) stopFollowing = reclaimer.followUpload(t.info);
    } catch (error) {
      upload?.close();
      outcomes[i] = { url, error, info: failedInfo(url, method, error) };
      progress.ended(false);
      report(i, slot, false);
      return;
    }
    let result: TransferResult | undefined;
    let error: unknown;
    try {
      result = await t.done;
    } catch (err) {
      error = err;
    }
    stopFollowing();
    // The file is whole and closed before anything reports the transfer.
    await file?.finish();
    // A source the transfer did not read to its end (it failed first) is let go of.
    upload?.close();
    if (body !== undefined && body !== upload?.body) (body as { destroy?: () => void }).destroy?.();
    if (writeError !== undefined) error = writeError;
    else if (stdout.error !== undefined && isHiperError(error, 'ERR_ABORTED')) error = stdout.error;
    outcomes[i] = error !== undefined ? { url, error, info: t.info } : { url, result: result!, info: t.info };
    progress.ended(error === undefined);
    report(i, slot, head !== undefined);
  };

  const report = (i: number, slot: StdoutSlot, headShown: boolean): void => {
    const o = outcomes[i]!;
    progress.clear();
    if (verbose && !headShown) for (const l of verboseLines(o.url, o.info, undefined, transfer)) io.err.write(l + '\n');
    // A closed stdout was said once, for the run.
    if (stdout.error !== undefined && o.error === stdout.error) return;
    const r = o.result;
    if (json) void slot.write(Buffer.from(JSON.stringify(outcomeJson(o)) + '\n'));
    if (p.writeOut) {
      const contentType = headerValue(r, 'content-type');
      void slot.write(Buffer.from(renderWriteOut(p.writeOut, {
        url: o.url, info: o.info, exitCode: exitOf(o, fail),
        ...(o.error !== undefined ? { error: errorJson(o.error) as { code: string; message: string } } : {}),
        ...(contentType !== undefined ? { contentType } : {}),
      })));
    }
    if (o.error !== undefined && showErrors && !json) io.err.write(`hiper: (${exitCodeOf(o.error)}) ${o.url}: ${(o.error as Error).message}\n`);
    if (r && fail && r.status >= 400 && showErrors && !json) io.err.write(`hiper: (22) ${o.url}: the requested URL returned error: ${r.status}\n`);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!stopped && next < p.urls.length) await runOne(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(p.parallel, p.urls.length) }, worker));
  } finally {
    progress.clear();
    await multi.close();
  }
  await stdout.idle();

  const ran = outcomes.filter((o): o is Outcome => o !== undefined);
  let code = 0;
  for (const o of ran) {
    code = exitOf(o, fail);
    if (code !== 0) break;
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
function dohEgress({ transport: t }: DohPlan): Parameters<typeof multiDohTransport>[1] {
  return {
    ...(t.interface !== undefined ? { interface: t.interface } : {}),
    ...(t.strict !== undefined ? { strict: t.strict } : {}),
    ...(t.happyEyeballsDelay !== undefined ? { happyEyeballsDelay: t.happyEyeballsDelay } : {}),
    ...(t.connectTimeout !== undefined ? { connectTimeout: t.connectTimeout } : {}),
    ...(t.ca !== undefined || t.rejectUnauthorized !== undefined
      ? { tls: { ...(t.ca !== undefined ? { ca: t.ca } : {}), ...(t.rejectUnauthorized !== undefined ? { rejectUnauthorized: t.rejectUnauthorized } : {}) } }
      : {}),
  };
}

function exitOf(o: Outcome, fail: boolean): number {
  if (o.error !== undefined) return exitCodeOf(o.error);
  return fail && o.result!.status >= 400 ? EXIT_HTTP_ERROR : 0;
}

