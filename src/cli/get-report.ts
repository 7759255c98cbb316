/** What `hiper get` says about a transfer: -v lines, the head as -I writes it, --json, retry warnings. */
import { HiperError } from '../shared/errors.js';
import type { TransferInfo, TransferOptions, TransferResponseHead, TransferResult } from '../multi/index.js';
import type { RetryEvent, RetryReason } from '../multi/curl-retry.js';
import { errorJson, traceLines } from './format.js';

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

/** What one transfer left: its result or its error, and its info either way. */
export interface Outcome {
  url: string;
  result?: TransferResult;
  error?: unknown;
  info: TransferInfo;
}

export function headerValue(r: TransferResult | undefined, name: string): string | undefined {
  return r?.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

export function headText(r: TransferResponseHead): string {
  const status = r.httpVersion === '2' ? `HTTP/2 ${r.status}` : `HTTP/${r.httpVersion} ${r.status} ${r.statusMessage}`;
  return [status, ...r.headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n') + '\r\n\r\n';
}

/** curl -v's lines for one transfer: how it connected, the request, and the response head when one came. */
export function verboseLines(url: string, info: TransferInfo, head: TransferResponseHead | undefined, options: Omit<TransferOptions, 'url'>): string[] {
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
export function failedInfo(url: string, method: string, error: unknown): TransferInfo {
  return {
    id: 0, url, method, startTime: performance.now(),
    timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0, total: 0 },
    reused: false, numConnects: 0, pipelinePosition: 0, tries: 0, retries: 0, sizeUpload: 0, sizeDownload: 0,
    ...(error instanceof HiperError ? { error: error.code } : {}),
  };
}
