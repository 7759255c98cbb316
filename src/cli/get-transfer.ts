/**
 * One URL of `hiper get`, from request to written body: the transfer through the run's Multi (and,
 * with -L, one more transfer on the same Multi per redirect followed), the heads (-i, -I, -D) and the
 * body (decoded with --compressed, added to the file with -C) to their destination, cookies in and
 * out, retry messages, and what is left to report.
 */
import { HiperError, isHiperError } from '../shared/errors.js';
import { nextRedirect, type Multi, type RedirectStep, type Transfer, type TransferInfo, type TransferOptions, type TransferResponseHead, type TransferResult } from '../multi/index.js';
import type { RetryEvent } from '../multi/curl-retry.js';
import { acceptEncoding, BodyDecoder, codings } from './decode.js';
import { exitCodeOf, type Io } from './format.js';
import type { Plan } from './get-plan.js';
import { failedInfo, headText, retryWarning, verboseLines, type Outcome } from './get-report.js';
import { FileOutput, type Sink, type StdoutQueue, type StdoutSlot } from './output.js';
import type { Progress } from './progress.js';
import type { ReadReclaimer } from './reclaim.js';
import { buildRequestHeaders } from './request-headers.js';
import { ResponseRun } from './response-run.js';
import { rangeNotSupported, resumeOffset, resumeVerdict } from './resume.js';
import { uploadSource, type Body, type UploadSource } from './upload.js';

/** The command-wide flags a transfer looks at. */
export interface TransferFlags {
  silent: boolean;
  showErrors: boolean;
  verbose: boolean;
  fail: boolean;
  headOnly: boolean;
}

/** What every transfer of one run shares. */
export interface TransferContext {
  multi: Multi;
  plan: Plan;
  /** The plan's transfer options as the run uses them (with its DoH transport). */
  transfer: Omit<TransferOptions, 'url'>;
  io: Io;
  progress: Progress;
  reclaimer: ReadReclaimer;
  stdout: StdoutQueue;
  flags: TransferFlags;
  /** Made by the first transfer: the run's cookies and -D file. */
  responseRun?: ResponseRun;
  /** Transfers ended so far (the last one writes `-c -`). */
  ended?: number;
}

/** How one URL ended: its outcome, and whether a response head was seen (-v has then shown it). */
export interface TransferEnd {
  outcome: Outcome;
  headShown: boolean;
}

/** One request of the chain: the first, then one per redirect followed. */
interface Hop {
  url: string;
  /** What the request is (GET, HEAD, POST with data, PUT with an upload). */
  method: string;
  /** The verb sent (curl -X keeps its verb on every hop). */
  verb: string;
  /** The verb was given (-X). */
  custom: boolean;
  body: boolean;
  /** Credentials (-u, -H Authorization/Cookie) go along. */
  credentials: boolean;
  referer: string | undefined;
}

/** What one hop left. */
interface HopEnd {
  info: TransferInfo;
  result?: TransferResult;
  error?: unknown;
  head?: TransferResponseHead;
  /** The redirect to follow next (-L). */
  next?: RedirectStep;
}

/** Runs URL number `i` of the plan, writing what it receives through `slot` or its -o file. */
export async function transferOne(ctx: TransferContext, i: number, slot: StdoutSlot): Promise<TransferEnd> {
  const { multi, plan: p, transfer, io, progress, reclaimer, stdout } = ctx;
  const { silent, showErrors, verbose, fail, headOnly } = ctx.flags;
  const r = p.response;
  const run = (ctx.responseRun ??= new ResponseRun(r));
  const url = p.urls[i]!;
  const request = p.requests?.[i];
  const upload = p.uploads[i];
  const output = p.outputs[i];
  const resumeFrom = upload === undefined ? resumeOffset(r.resume, output) : 0;

  let t: Transfer | undefined;
  // A destination that cannot be written, a body that cannot be decoded, a range that was not honoured:
  // the transfer ends at once with that error.
  let ownError: HiperError | undefined;
  const abort = (error: HiperError): void => {
    ownError ??= error;
    if (t !== undefined) multi.remove(t);
  };
  const file = output !== undefined && output !== '-' ? new FileOutput(output, abort, resumeFrom > 0) : undefined;
  const sink: Sink = file ?? slot;
  // The file is created at the first thing written to it (a head with -i, else the final response's head).
  const opened = (): boolean => file === undefined || file.open();
  const put = (bytes: Uint8Array): Promise<void> | undefined => (opened() ? sink.write(bytes) : undefined);

  const first = hopOf(p, i, url);
  let hop = first;
  let hops = 0;
  const infos: TransferInfo[] = [];
  let redirectUrl: string | undefined;
  let last: HopEnd | undefined;
  let headShown = false;
  for (;;) {
    let body: Body | undefined;
    let source: UploadSource | undefined;
    try {
      if (hop.body) {
        // A redirect that keeps the body sends it again: a file is read again, stdin cannot be.
        if (upload !== undefined) {
          if (hops > 0 && upload === '-') throw new HiperError('ERR_REWIND_FAILED', "necessary data rewind wasn't possible", { input: hop.url });
          source = uploadSource(upload, io.in ?? (() => process.stdin));
          body = source.body;
        } else {
          body = p.data?.();
        }
      }
    } catch (error) {
      source?.close();
      if (last === undefined) {
        ended(ctx, run, slot);
        return { outcome: { url, urlIndex: i, error, info: failedInfo(url, p.methods[i]!, error) }, headShown };
      }
      last = { info: last.info, error };
      break;
    }
    const end = await runHop(hop, body, source);
    infos.push(end.info);
    last = end;
    if (end.head !== undefined) headShown = true;
    if (end.error !== undefined || end.next === undefined) break;
    if (hops >= r.maxRedirs) {
      last = { ...end, error: new HiperError('ERR_TOO_MANY_REDIRECTS', `Maximum (${r.maxRedirs}) redirects followed`, { input: end.next.url }) };
      break;
    }
    hops++;
    const step = end.next;
    if (verbose) {
      progress.clear();
      io.err.write(`* Issue another request to this URL: '${step.url}'\n`);
      if (step.method !== hop.method) io.err.write(`* Switch from ${hop.method} to ${step.method}\n`);
    }
    hop = { url: step.url, method: step.method, verb: step.verb, custom: hop.custom, body: step.body, credentials: !step.dropHeaders.includes('authorization'), referer: p.autoReferer ? hop.url : first.referer };
  }

  // The file is whole and closed before anything reports the transfer.
  await file?.finish();
  let error = last.error;
  if (ownError !== undefined) error = ownError;
  else if (stdout.error !== undefined && isHiperError(error, 'ERR_ABORTED')) error = stdout.error;
  else if (isHiperError(error, 'ERR_TIMEOUT') && error.details.lowSpeed !== undefined) error = tooSlow(error);
  ended(ctx, run, slot);
  const info = infos.length > 0 ? chainInfo(infos) : last.info;
  const outcome: Outcome = {
    url, urlIndex: i, info,
    ...(error !== undefined ? { error } : { result: { ...last.result!, info } }),
    ...(r.follow ? { numRedirects: hops } : {}),
    ...(redirectUrl !== undefined ? { redirectUrl } : {}),
    ...(file !== undefined ? { filename: file.path } : {}),
  };
  return { outcome, headShown };

  async function runHop(h: Hop, body: Body | undefined, source: UploadSource | undefined): Promise<HopEnd> {
    let head: TransferResponseHead | undefined;
    let next: RedirectStep | undefined;
    let badLocation: unknown;
    let bodyTo: Sink | undefined;
    let decoder: BodyDecoder | undefined;
    const options = hopOptions(h);
    const onHeaders = (rh: TransferResponseHead): void => {
      head = rh;
      if (verbose && t !== undefined) {
        progress.clear();
        for (const l of verboseLines(h.url, t.info, rh, options)) io.err.write(l + '\n');
      }
      run.received(h.url, rh.headers);
      const location = rh.status >= 300 && rh.status < 400 ? headerOf(rh.headers, 'location') : undefined;
      if (location !== undefined) {
        try {
          if (r.follow) next = nextRedirect({ url: h.url, method: h.method, ...(h.custom ? { verb: h.verb } : {}), body: h.body, origin: url }, rh.status, location, r.trusted);
          else redirectUrl = new URL(location.trim(), h.url).href;
        } catch (err) {
          badLocation = err;
        }
      }
      const text = headText(rh);
      run.dumpHead(text, slot);
      // -I and -i: every hop's head, as curl writes it (with --fail too, before it fails).
      if (headOnly || r.include) void put(Buffer.from(text));
      // A redirect followed: its body is read and dropped.
      if (headOnly || next !== undefined || badLocation !== undefined) return;
      // --fail: a status >= 400 writes nothing and creates no file.
      if (fail && rh.status >= 400) return;
      if (resumeFrom > 0 && h.method === 'GET') {
        const length = headerOf(rh.headers, 'content-length');
        const verdict = resumeVerdict(resumeFrom, rh.status, length !== undefined ? Number(length) : undefined, headerOf(rh.headers, 'content-range') !== undefined);
        if (verdict === 'complete') return;
        if (verdict === 'unsupported') {
          abort(rangeNotSupported(h.url));
          return;
        }
      }
      if (!opened()) return;
      const encodings = r.compressed ? codings(headerOf(rh.headers, 'content-encoding')) : [];
      if (encodings.length === 0) {
        bodyTo = sink;
        return;
      }
      try {
        decoder = new BodyDecoder(encodings, sink, abort);
        bodyTo = decoder;
      } catch (err) {
        abort(err as HiperError);
      }
    };
    const onData = (chunk: Buffer): Promise<void> | undefined => {
      progress.received(chunk.length);
      reclaimer.received(chunk.length);
      return bodyTo?.write(chunk);
    };
    // As curl: each run's error (with -S, or without -s), then the warning (without -s).
    const onRetry = (e: RetryEvent): void => {
      progress.clear();
      if (showErrors) {
        if (e.error !== undefined) io.err.write(`hiper: (${exitCodeOf(e.error)}) ${h.url}: ${e.error.message}\n`);
        else if (fail && e.status !== undefined) io.err.write(`hiper: (22) ${h.url}: the requested URL returned error: ${e.status}\n`);
      }
      if (!silent) io.err.write(retryWarning(e));
    };
    let stopFollowing = (): void => {};
    try {
      const retry = options.retry !== undefined ? { retry: { ...options.retry, onRetry } } : {};
      t = multi.add({ ...options, url: h.url, method: h.verb, ...(body !== undefined ? { body } : {}), onHeaders, onData, ...retry });
      if (source !== undefined) stopFollowing = reclaimer.followUpload(t.info);
    } catch (error) {
      source?.close();
      return { info: failedInfo(h.url, h.verb, error), error };
    }
    let result: TransferResult | undefined;
    let error: unknown;
    try {
      result = await t.done;
    } catch (err) {
      error = err;
    }
    stopFollowing();
    if (error === undefined) await decoder?.end();
    else decoder?.close();
    // A source the transfer did not read to its end (it failed first) is let go of.
    source?.close();
    if (body !== undefined && body !== source?.body) (body as { destroy?: () => void }).destroy?.();
    if (error === undefined && badLocation !== undefined) error = new HiperError('ERR_INVALID_URL', `the Location of the redirect does not parse: ${(badLocation as Error).message}`, { input: h.url, cause: badLocation });
    return { info: t.info, ...(result !== undefined ? { result } : {}), ...(error !== undefined ? { error } : {}), ...(head !== undefined ? { head } : {}), ...(next !== undefined ? { next } : {}) };
  }

  /** The transfer options of one hop: its headers (cookies, credentials, body headers as the hop allows) and the response flags. */
  function hopOptions(h: Hop): Omit<TransferOptions, 'url'> {
    const cookie = run.cookieHeader(h.url);
    const extra = {
      ...(cookie !== undefined ? { cookie } : {}),
      ...(r.compressed ? { acceptEncoding: acceptEncoding() } : {}),
      ...(resumeFrom > 0 ? { range: `bytes=${resumeFrom}-` } : {}),
      ...(h.referer !== undefined ? { referer: h.referer } : {}),
    };
    const options: Omit<TransferOptions, 'url'> = { ...transfer, ...(r.lowSpeed !== undefined ? { lowSpeed: r.lowSpeed } : {}) };
    if (request === undefined) return options;
    if (h === first && Object.keys(extra).length === 0) return { ...options, headers: request.headers };
    const parts = request.headerParts;
    const custom = h.credentials ? parts.custom : parts.custom.filter((c) => !CREDENTIAL_HEADERS.has(c.name.toLowerCase()));
    const { authorization, contentLength, contentType, ...rest } = parts;
    return {
      ...options,
      headers: buildRequestHeaders({
        ...rest, ...extra, custom,
        ...(h.credentials && authorization !== undefined ? { authorization } : {}),
        ...(h.body && contentLength !== undefined ? { contentLength } : {}),
        ...(h.body && contentType !== undefined ? { contentType } : {}),
      }),
    };
  }
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie']);

/** A transfer of the run has ended: the cookie jar is written as it now is (`-c -` after the last). */
function ended(ctx: TransferContext, run: ResponseRun, slot: StdoutSlot): void {
  ctx.ended = (ctx.ended ?? 0) + 1;
  run.saveJar(ctx.io, !ctx.flags.silent, slot, ctx.ended === ctx.plan.urls.length);
}

/** The first request of URL `i`: what it is (for the redirect rules) and the verb it sends. */
function hopOf(p: Plan, i: number, url: string): Hop {
  const verb = p.methods[i]!;
  const custom = p.values.request !== undefined;
  const method = !custom ? verb : p.uploads[i] !== undefined ? 'PUT' : p.data !== undefined ? 'POST' : p.values.head === true ? 'HEAD' : 'GET';
  const referer = p.requests?.[i]?.headerParts.referer;
  return { url, method, verb, custom, body: p.uploads[i] !== undefined || p.data !== undefined, credentials: true, referer };
}

function headerOf(headers: ReadonlyArray<[string, string]>, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/** curl's words for the low-speed abort. */
function tooSlow(error: HiperError): HiperError {
  const { bytes, seconds } = error.details.lowSpeed as { bytes: number; seconds: number };
  return new HiperError('ERR_TIMEOUT', `Operation too slow. Less than ${bytes} bytes/sec transferred the last ${seconds} seconds`, { input: error.input, cause: error, details: error.details });
}

/**
 * The info of a redirect chain as curl reports it: the last hop's, with each phase's time summed over
 * the hops (curl adds them up), the total from the first hop's start, and the connections of all hops.
 */
export function chainInfo(infos: readonly TransferInfo[]): TransferInfo {
  const last = infos[infos.length - 1]!;
  if (infos.length === 1) return last;
  const firstInfo = infos[0]!;
  const sum = (k: keyof TransferInfo['timings']): number => infos.reduce((s, x) => s + x.timings[k], 0);
  return {
    ...last,
    startTime: firstInfo.startTime,
    timings: {
      namelookup: sum('namelookup'), connect: sum('connect'), appconnect: sum('appconnect'),
      pretransfer: sum('pretransfer'), starttransfer: sum('starttransfer'),
      total: last.startTime + last.timings.total - firstInfo.startTime,
    },
    numConnects: infos.reduce((s, x) => s + x.numConnects, 0),
  };
}
