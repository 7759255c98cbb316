/**
 * `hiper get URL...`: transfers through one Multi, with curl's flags. Sequential unless --parallel (curl
 * -Z) or --pipeline N; bodies to stdout or to -o files (one -o per URL, in order), written as they
 * arrive; -T uploads a file (one -T per URL, in order) and -d / --data-binary post data; -w per
 * transfer; --json prints one object per line per transfer, in the order they end, instead of bodies on
 * stdout. Exit code: that of the first URL that failed (curl's), 22 for HTTP >= 400 with --fail, else 0.
 */
import { writeFileSync } from 'node:fs';
import { HiperError, isHiperError } from '../shared/errors.js';
import {
  Multi, multiDohTransport, type Transfer, type TransferInfo, type TransferOptions, type TransferResponseHead, type TransferResult,
} from '../multi/index.js';
import {
  EGRESS_FLAGS, FAMILY_FLAGS, JSON_FLAG, RESOLVE_FLAGS, TLS_FLAGS, atFile, flag, list, num, parse, resolveOptions, size, str, tlsOptions, usageError, type Values,
} from './args.js';
import { egressOptions } from './connect-cmd.js';
import { dohPlan, type DohPlan } from './doh.js';
import { EXIT_WRITE_ERROR, outputError, errorJson, exitCodeOf, stdio, traceLines, type Io } from './format.js';
import { FileOutput, StdoutQueue, type Sink, type StdoutSlot } from './output.js';
import { Progress } from './progress.js';
import { ReadReclaimer } from './reclaim.js';
import { dataBody, uploadSource, uploadUrl, type Body, type DataPart, type UploadSource } from './upload.js';
import { waterfallSvg } from './waterfall.js';
import { parseWriteOut, renderWriteOut, type WriteOutFormat } from './write-out.js';
import { GET_USAGE } from './usage.js';
import type { RetryEvent, RetryReason } from '../multi/curl-retry.js';


const GET_FLAGS = {
  ...JSON_FLAG, ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...EGRESS_FLAGS, ...TLS_FLAGS,
  parallel: { type: 'boolean', short: 'Z' },
  'parallel-max': { type: 'string' },
  pipeline: { type: 'string' },
  'http1.1': { type: 'boolean' },
  http2: { type: 'boolean' },
  head: { type: 'boolean', short: 'I' },
  request: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd', multiple: true },
  'data-binary': { type: 'string', multiple: true },
  'upload-file': { type: 'string', short: 'T', multiple: true },
  'max-filesize': { type: 'string' },
  output: { type: 'string', short: 'o', multiple: true },
  silent: { type: 'boolean', short: 's' },
  'show-error': { type: 'boolean', short: 'S' },
  fail: { type: 'boolean', short: 'f' },
  'max-time': { type: 'string', short: 'm' },
  'write-out': { type: 'string', short: 'w' },
  verbose: { type: 'boolean', short: 'v' },
  waterfall: { type: 'string' },
  retry: { type: 'string' },
  'retry-delay': { type: 'string' },
  'retry-max-time': { type: 'string' },
  'retry-all-errors': { type: 'boolean' },
  'retry-connrefused': { type: 'boolean' },
} as const;

/** curl -Z's default --parallel-max. */
const DEFAULT_PARALLEL_MAX = 50;
/** curl's exit code for --fail on HTTP >= 400. */
const EXIT_HTTP_ERROR = 22;

/** How curl 7.88 names each reason in its retry warning. */
const RETRY_PROBLEMS: Record<RetryReason, string> = {
  all: '(retrying all errors)', timeout: ': timeout', transient: ': transient error', connrefused: ': connection refused', http: ': HTTP error',
};

/**
 * curl's warning before a retry, wrapped as curl 7.88 wraps its warnings: 70 characters after the
 * prefix, its own newline counted, cut at a space.
 */
export function retryWarning(e: Pick<RetryEvent, 'reason' | 'delay' | 'left'>): string {
  const text = `Problem ${RETRY_PROBLEMS[e.reason]}. Will retry in ${Math.floor(e.delay / 1000)} seconds. ${e.left} retries left.\n`;
  const prefix = 'Warning: ';
  const width = 79 - prefix.length;
  let out = '';
  let rest = text;
  while (rest.length > 0) {
    if (rest.length <= width) {
      out += `${prefix}${rest}`;
      break;
    }
    let cut = width - 1;
    while (cut > 0 && rest[cut] !== ' ') cut--;
    if (cut === 0) cut = width - 1;
    out += `${prefix}${rest.slice(0, cut + 1)}\n`;
    rest = rest.slice(cut + 1);
  }
  return out;
}

/** -H "Name: value" as curl takes it (a name without a colon is an error here). */
export function parseHeader(h: string): [string, string] {
  const colon = h.indexOf(':');
  if (colon <= 0) throw usageError('-H', `-H expects "Name: value", got ${JSON.stringify(h)}`);
  return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
}

interface Plan {
  urls: string[];
  outputs: string[];
  /** -T per URL, in order ("-": stdin). */
  uploads: string[];
  /** The method of each URL: -X, else PUT for a -T upload, POST with data, HEAD with -I, else GET. */
  methods: string[];
  /** A fresh -d / --data-binary body for one transfer. */
  data: (() => Body) | undefined;
  transfer: Omit<TransferOptions, 'url'>;
  multi: ConstructorParameters<typeof Multi>[0];
  parallel: number;
  writeOut: WriteOutFormat | undefined;
  doh: DohPlan | undefined;
  values: Values;
}

function plan(args: string[]): Plan {
  const { values, positionals, tokens } = parse(args, GET_FLAGS, 'get');
  if (positionals.length === 0) throw usageError('URL', `usage: hiper ${GET_USAGE}`);
  const outputs = list(values, 'output');
  if (outputs.length > positionals.length) throw usageError('-o', `${outputs.length} -o for ${positionals.length} URL${positionals.length === 1 ? '' : 's'}`);
  const uploads = list(values, 'upload-file');
  if (uploads.length > positionals.length) throw usageError('-T', `${uploads.length} -T for ${positionals.length} URL${positionals.length === 1 ? '' : 's'}`);
  if (flag(values, 'http1.1') && flag(values, 'http2')) throw usageError('--http2', '--http1.1 and --http2 exclude each other');

  // -d and --data-binary are joined in the order they were given, as curl does.
  const parts: DataPart[] = tokens.filter((t) => t.name === 'data' || t.name === 'data-binary').map((t) => ({ binary: t.name === 'data-binary', value: t.value ?? '' }));
  // One method per request, as curl insists.
  const head = flag(values, 'head');
  if (head && parts.length > 0) throw usageError('-I', 'only one HTTP method: -I (HEAD) and -d/--data-binary (POST) exclude each other');
  if (head && uploads.length > 0) throw usageError('-I', 'only one HTTP method: -I (HEAD) and -T (PUT) exclude each other');
  if (uploads.length > 0 && parts.length > 0) throw usageError('-T', 'only one HTTP method: -T (PUT) and -d/--data-binary (POST) exclude each other');
  const stdinReaders = uploads.filter((u) => u === '-').length + parts.filter((p) => p.value === '@-').length + (str(values, 'write-out') === '@-' ? 1 : 0);
  if (uploads.includes('-') && stdinReaders > 1) throw usageError('-T', 'stdin is read once: -T - goes with no other -T -, @- or -w @-');

  const { timeout: connectTimeout, ...egress } = egressOptions(values);
  const headers = list(values, 'header').map(parseHeader);
  const data = dataBody(parts);
  const given = str(values, 'request');
  const method = given ?? (head ? 'HEAD' : data !== undefined ? 'POST' : 'GET');
  const methods = positionals.map((_, i) => given ?? (uploads[i] !== undefined ? 'PUT' : method));
  const urls = positionals.map((u, i) => (uploads[i] !== undefined ? uploadUrl(u, uploads[i]!) : u));
  if (data !== undefined && !headers.some(([n]) => n.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  const maxTime = num(values, 'max-time', 'seconds');
  const maxFilesize = size(values, 'max-filesize');
  const tls = tlsOptions(values);
  const doh = dohPlan(values, { ...egress, ...(connectTimeout !== undefined ? { timeout: connectTimeout } : {}) });
  const resolveFlags = resolveOptions(values);
  // With DoH, --dns-interface pins the DoH requests (see dohPlan), not a DNS server's queries.
  if (doh) delete resolveFlags.dnsInterface;
  const transfer: Omit<TransferOptions, 'url'> = {
    ...egress,
    method,
    ...(headers.length > 0 ? { headers } : {}),
    ...(connectTimeout !== undefined ? { connectTimeout } : {}),
    ...(maxTime !== undefined ? { timeout: maxTime * 1000 } : {}),
    ...(maxFilesize !== undefined ? { maxBodySize: maxFilesize } : {}),
    resolve: { ...resolveFlags, ...(egress.family ? { family: egress.family } : {}) },
  };
  // curl: --retry 0 retries nothing; --retry-delay 0 is the default backoff, --retry-max-time 0 no limit.
  const retryCount = num(values, 'retry', 'int>=0') ?? 0;
  const retryDelay = num(values, 'retry-delay', 'seconds>=0');
  const retryMaxTime = num(values, 'retry-max-time', 'seconds>=0');
  if (retryCount > 0) {
    transfer.retry = {
      count: retryCount,
      ...(retryDelay ? { delay: retryDelay * 1000 } : {}),
      ...(retryMaxTime ? { maxTime: retryMaxTime * 1000 } : {}),
      ...(flag(values, 'retry-all-errors') ? { allErrors: true } : {}),
      ...(flag(values, 'retry-connrefused') ? { connRefused: true } : {}),
    };
  }
  const pipeline = num(values, 'pipeline', 'int>=1');
  const multi = {
    ...(pipeline !== undefined ? { pipelining: true, maxPipelineLength: pipeline } : {}),
    ...(flag(values, 'http1.1') ? { httpVersion: '1.1' as const } : flag(values, 'http2') ? { httpVersion: '2' as const } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
  const parallel = flag(values, 'parallel') || pipeline !== undefined ? num(values, 'parallel-max', 'int>=1') ?? DEFAULT_PARALLEL_MAX : 1;
  const w = str(values, 'write-out');
  return { urls, outputs, uploads, methods, data, transfer, multi, parallel, writeOut: w !== undefined ? parseWriteOut(atFile(w)) : undefined, doh, values };
}

/** What one transfer left: its result or its error, and its info either way. */
interface Outcome {
  url: string;
  result?: TransferResult;
  error?: unknown;
  info: TransferInfo;
}

function headerValue(r: TransferResult | undefined, name: string): string | undefined {
  return r?.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function headText(r: TransferResponseHead): string {
  const status = r.httpVersion === '2' ? `HTTP/2 ${r.status}` : `HTTP/${r.httpVersion} ${r.status} ${r.statusMessage}`;
  return [status, ...r.headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n') + '\r\n\r\n';
}

/** curl -v's lines for one transfer: how it connected, the request, and the response head when one came. */
function verboseLines(url: string, info: TransferInfo, head: TransferResponseHead | undefined, options: Omit<TransferOptions, 'url'>): string[] {
  const lines: string[] = [];
  if (info.connectTrace && info.numConnects > 0) lines.push(...traceLines(info.connectTrace).map((l) => `* ${l}`));
  else if (info.connectionId !== undefined) lines.push(`* reusing connection ${info.connectionId}${info.pipelinePosition > 0 ? `, pipeline position ${info.pipelinePosition}` : ''}`);
  // The request as curl -v shows it: target and version, Host, then the headers given with -H.
  const u = new URL(url);
  lines.push(`> ${info.method} ${u.pathname}${u.search} HTTP/${head?.httpVersion ?? info.httpVersion ?? '1.1'}`, `> Host: ${u.host}`);
  for (const [n, v] of (options.headers as Array<[string, string]> | undefined) ?? []) lines.push(`> ${n}: ${v}`);
  if (head) {
    lines.push(`< HTTP/${head.httpVersion} ${head.status} ${head.statusMessage}`.trimEnd());
    for (const [n, v] of head.headers) lines.push(`< ${n}: ${v}`);
  }
  return lines;
}

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

/** The --json shape of one transfer. */
export function outcomeJson(o: Outcome): Record<string, unknown> {
  const r = o.result;
  return {
    url: o.url,
    ok: o.error === undefined,
    status: r?.status ?? null,
    httpVersion: r?.httpVersion ?? null,
    bytes: o.info.sizeDownload,
    ...(r ? { headers: r.headers } : {}),
    ...(o.error !== undefined ? { error: errorJson(o.error) } : {}),
    info: o.info,
  };
}

/** Info for a transfer refused before it started (bad URL, bad header): nothing happened. */
function failedInfo(url: string, method: string, error: unknown): TransferInfo {
  return {
    id: 0, url, method, startTime: performance.now(),
    timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0, total: 0 },
    reused: false, numConnects: 0, pipelinePosition: 0, tries: 0, retries: 0, sizeUpload: 0, sizeDownload: 0,
    ...(error instanceof HiperError ? { error: error.code } : {}),
  };
}
