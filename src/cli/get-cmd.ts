/**
 * `hiper get URL...`: transfers through one Multi, with curl's flags. Sequential unless --parallel (curl
 * -Z) or --pipeline N; bodies to stdout or to -o files (one -o per URL, in order); -w per transfer;
 * --json prints one object per line per transfer, in the order they end, instead of bodies on stdout.
 * Exit code: that of the first URL that failed (curl's), 22 for HTTP >= 400 with --fail, else 0.
 */
import { writeFileSync } from 'node:fs';
import { HiperError } from '../shared/errors.js';
import { Multi, multiDohTransport, type TransferInfo, type TransferOptions, type TransferResult } from '../multi/index.js';
import {
  EGRESS_FLAGS, FAMILY_FLAGS, JSON_FLAG, RESOLVE_FLAGS, TLS_FLAGS, atFile, flag, list, num, parse, resolveOptions, str, tlsOptions, usageError, type Values,
} from './args.js';
import { egressOptions } from './connect-cmd.js';
import { dohPlan, type DohPlan } from './doh.js';
import { EXIT_WRITE_ERROR, outputError, errorJson, exitCodeOf, stdio, traceLines, type Io } from './format.js';
import { Progress } from './progress.js';
import { waterfallSvg } from './waterfall.js';
import { parseWriteOut, renderWriteOut, type WriteOutFormat } from './write-out.js';
import { GET_USAGE } from './usage.js';


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
  output: { type: 'string', short: 'o', multiple: true },
  silent: { type: 'boolean', short: 's' },
  'show-error': { type: 'boolean', short: 'S' },
  fail: { type: 'boolean', short: 'f' },
  'max-time': { type: 'string', short: 'm' },
  'write-out': { type: 'string', short: 'w' },
  verbose: { type: 'boolean', short: 'v' },
  waterfall: { type: 'string' },
} as const;

/** curl -Z's default --parallel-max. */
const DEFAULT_PARALLEL_MAX = 50;
/** curl's exit code for --fail on HTTP >= 400. */
const EXIT_HTTP_ERROR = 22;

/** -H "Name: value" as curl takes it (a name without a colon is an error here). */
export function parseHeader(h: string): [string, string] {
  const colon = h.indexOf(':');
  if (colon <= 0) throw usageError('-H', `-H expects "Name: value", got ${JSON.stringify(h)}`);
  return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
}

interface Plan {
  urls: string[];
  outputs: string[];
  transfer: Omit<TransferOptions, 'url'>;
  multi: ConstructorParameters<typeof Multi>[0];
  parallel: number;
  writeOut: WriteOutFormat | undefined;
  doh: DohPlan | undefined;
  values: Values;
}

function plan(args: string[]): Plan {
  const { values, positionals: urls } = parse(args, GET_FLAGS, 'get');
  if (urls.length === 0) throw usageError('URL', `usage: hiper ${GET_USAGE}`);
  const outputs = list(values, 'output');
  if (outputs.length > urls.length) throw usageError('-o', `${outputs.length} -o for ${urls.length} URL${urls.length === 1 ? '' : 's'}`);
  if (flag(values, 'http1.1') && flag(values, 'http2')) throw usageError('--http2', '--http1.1 and --http2 exclude each other');

  const { timeout: connectTimeout, ...egress } = egressOptions(values);
  const headers = list(values, 'header').map(parseHeader);
  const data = list(values, 'data').map((d) => atFile(d));
  const method = str(values, 'request') ?? (flag(values, 'head') ? 'HEAD' : data.length > 0 ? 'POST' : 'GET');
  if (data.length > 0 && !headers.some(([n]) => n.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  const maxTime = num(values, 'max-time', 'seconds');
  const tls = tlsOptions(values);
  const doh = dohPlan(values, { ...egress, ...(connectTimeout !== undefined ? { timeout: connectTimeout } : {}) });
  const resolveFlags = resolveOptions(values);
  // With DoH, --dns-interface pins the DoH requests (see dohPlan), not a DNS server's queries.
  if (doh) delete resolveFlags.dnsInterface;
  const transfer: Omit<TransferOptions, 'url'> = {
    ...egress,
    method,
    ...(headers.length > 0 ? { headers } : {}),
    ...(data.length > 0 ? { body: data.join('&') } : {}),
    ...(connectTimeout !== undefined ? { connectTimeout } : {}),
    ...(maxTime !== undefined ? { timeout: maxTime * 1000 } : {}),
    resolve: { ...resolveFlags, ...(egress.family ? { family: egress.family } : {}) },
  };
  const pipeline = num(values, 'pipeline', 'int>=1');
  const multi = {
    ...(pipeline !== undefined ? { pipelining: true, maxPipelineLength: pipeline } : {}),
    ...(flag(values, 'http1.1') ? { httpVersion: '1.1' as const } : flag(values, 'http2') ? { httpVersion: '2' as const } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
  const parallel = flag(values, 'parallel') || pipeline !== undefined ? num(values, 'parallel-max', 'int>=1') ?? DEFAULT_PARALLEL_MAX : 1;
  const w = str(values, 'write-out');
  return { urls, outputs, transfer, multi, parallel, writeOut: w !== undefined ? parseWriteOut(atFile(w)) : undefined, doh, values };
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

function headText(r: TransferResult): string {
  const status = r.httpVersion === '2' ? `HTTP/2 ${r.status}` : `HTTP/${r.httpVersion} ${r.status} ${r.statusMessage}`;
  return [status, ...r.headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n') + '\r\n\r\n';
}

function verboseLines(o: Outcome, options: Omit<TransferOptions, 'url'>): string[] {
  const lines: string[] = [];
  const info = o.info;
  if (info.connectTrace && info.numConnects > 0) lines.push(...traceLines(info.connectTrace).map((l) => `* ${l}`));
  else if (info.connectionId !== undefined) lines.push(`* reusing connection ${info.connectionId}${info.pipelinePosition > 0 ? `, pipeline position ${info.pipelinePosition}` : ''}`);
  // The request as curl -v shows it: target and version, Host, then the headers given with -H.
  const url = new URL(o.url);
  lines.push(`> ${info.method} ${url.pathname}${url.search} HTTP/${o.result?.httpVersion ?? info.httpVersion ?? '1.1'}`, `> Host: ${url.host}`);
  for (const [n, v] of (options.headers as Array<[string, string]> | undefined) ?? []) lines.push(`> ${n}: ${v}`);
  if (o.result) {
    lines.push(`< HTTP/${o.result.httpVersion} ${o.result.status} ${o.result.statusMessage}`.trimEnd());
    for (const [n, v] of o.result.headers) lines.push(`< ${n}: ${v}`);
  }
  return lines;
}

export async function getCommand(args: string[], io: Io = stdio): Promise<number> {
  const p = plan(args);
  const v = p.values;
  const silent = flag(v, 'silent');
  const showErrors = !silent || flag(v, 'show-error');
  const json = flag(v, 'json');
  if (p.writeOut && p.writeOut.unknown.length > 0 && showErrors) {
    for (const name of p.writeOut.unknown) io.err.write(`hiper: warning: unknown --write-out variable: '${name}'\n`);
  }
  const multi = new Multi(p.multi);
  const transfer = p.doh !== undefined
    ? { ...p.transfer, resolve: { ...p.transfer.resolve, doh: { url: p.doh.url, transport: multiDohTransport(multi, dohEgress(p.doh)) } } }
    : p.transfer;
  const progress = new Progress(io.err, p.urls.length, !silent && !flag(v, 'verbose'));
  const outcomes: Outcome[] = new Array(p.urls.length);

  const runOne = async (i: number): Promise<void> => {
    const url = p.urls[i]!;
    // Body slices are collected here so that the progress line can count them as they arrive.
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      progress.received(chunk.length);
    };
    let t;
    try {
      t = multi.add({ ...transfer, url, onData });
    } catch (error) {
      outcomes[i] = { url, error, info: failedInfo(url, transfer.method ?? 'GET', error) };
      progress.ended(false);
      report(i);
      return;
    }
    try {
      const result = await t.done;
      outcomes[i] = { url, result: { ...result, body: Buffer.concat(chunks) }, info: result.info };
    } catch (error) {
      outcomes[i] = { url, error, info: t.info };
    }
    progress.ended(outcomes[i]!.error === undefined);
    report(i);
  };

  const report = (i: number): void => {
    const o = outcomes[i]!;
    progress.clear();
    if (flag(v, 'verbose')) for (const l of verboseLines(o, transfer)) io.err.write(l + '\n');
    const r = o.result;
    const output = p.outputs[i];
    if (r) {
      const content = flag(v, 'head') ? Buffer.from(headText(r)) : r.body;
      if (output !== undefined) {
        try {
          writeFileSync(output, content);
        } catch (err) {
          o.error = outputError(output, err);
        }
      } else if (!json) io.out.write(content);
    }
    if (json) io.out.write(JSON.stringify(outcomeJson(o)) + '\n');
    if (p.writeOut) {
      const contentType = headerValue(r, 'content-type');
      io.out.write(renderWriteOut(p.writeOut, {
        url: o.url, info: o.info, exitCode: exitOf(o, flag(v, 'fail')),
        ...(o.error !== undefined ? { error: errorJson(o.error) as { code: string; message: string } } : {}),
        ...(contentType !== undefined ? { contentType } : {}),
      }));
    }
    if (o.error !== undefined && showErrors && !json) io.err.write(`hiper: (${exitCodeOf(o.error)}) ${o.url}: ${(o.error as Error).message}\n`);
    if (r && flag(v, 'fail') && r.status >= 400 && showErrors && !json) io.err.write(`hiper: (22) ${o.url}: the requested URL returned error: ${r.status}\n`);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < p.urls.length) await runOne(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(p.parallel, p.urls.length) }, worker));
  } finally {
    progress.clear();
    await multi.close();
  }

  let code = 0;
  for (const o of outcomes) {
    code = exitOf(o, flag(v, 'fail'));
    if (code !== 0) break;
  }
  const waterfall = str(v, 'waterfall');
  if (waterfall !== undefined) {
    try {
      writeFileSync(waterfall, waterfallSvg(outcomes.map((o) => o.info), `hiper get: ${p.urls.length} transfer${p.urls.length === 1 ? '' : 's'}`));
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
    reused: false, numConnects: 0, pipelinePosition: 0, tries: 0, sizeUpload: 0, sizeDownload: 0,
    ...(error instanceof HiperError ? { error: error.code } : {}),
  };
}
