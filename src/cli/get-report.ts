/** What `hiper get` says about a transfer: -v lines, the head as -I writes it, --json, retry warnings. */
import { HiperError } from '../shared/errors.js';
import type { TransferInfo, TransferOptions, TransferResponseHead, TransferResult } from '../multi/index.js';
import type { RetryEvent, RetryReason } from '../multi/curl-retry.js';
import { errorJson } from './format.js';
import type { WriteOutFacts } from './write-out.js';

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
  /** 0-based position of the URL on the command line (curl's urlnum). */
  urlIndex: number;
  result?: TransferResult;
  error?: unknown;
  info: TransferInfo;
  /** Redirects followed (-L). */
  numRedirects?: number;
  /** Where a redirect that was not followed points. */
  redirectUrl?: string;
  /** The -o / -O file written. */
  filename?: string;
}

export function headerValue(r: TransferResult | undefined, name: string): string | undefined {
  return r?.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

export function headText(r: TransferResponseHead): string {
  const status = r.httpVersion === '2' ? `HTTP/2 ${r.status}` : `HTTP/${r.httpVersion} ${r.status} ${r.statusMessage}`;
  return [status, ...r.headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n') + '\r\n\r\n';
}

/** The headers of transfer options in the order they are sent, whichever form they were given in. */
export function headerPairs(headers: TransferOptions['headers']): Array<[string, string]> {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers;
  const pairs: Array<[string, string]> = [];
  for (const [n, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) pairs.push([n, one]);
  return pairs;
}

/** The request head as it goes out: request line, Host unless the headers hold one, then the headers in order. */
export function requestHead(url: string, info: TransferInfo, options: Omit<TransferOptions, 'url'>, httpVersion?: string): string[] {
  const u = new URL(url);
  const headers = headerPairs(options.headers);
  const lines = [`${info.method} ${u.pathname}${u.search} HTTP/${httpVersion ?? info.httpVersion ?? '1.1'}`];
  if (!headers.some(([n]) => n.toLowerCase() === 'host')) lines.push(`Host: ${u.host}`);
  for (const [n, v] of headers) lines.push(`${n}: ${v}`);
  return lines;
}

/**
 * curl -v's lines for one transfer once its response head came (or it ended without one): a reused
 * connection, the request (only if one was sent) and the response head. How it connected is said as it
 * happens (verbose.ts).
 */
export function verboseLines(url: string, info: TransferInfo, head: TransferResponseHead | undefined, options: Omit<TransferOptions, 'url'>): string[] {
  const lines: string[] = [];
  if (info.reused && info.connectionId !== undefined) {
    lines.push(`* Re-using existing connection #${info.connectionId} with host ${new URL(url).hostname}${info.pipelinePosition > 0 ? `, pipeline position ${info.pipelinePosition}` : ''}`);
  }
  // No connection reached: no request was sent.
  if (head === undefined && info.connectionId === undefined) return lines;
  lines.push(...requestHead(url, info, options, head?.httpVersion).map((l) => `> ${l}`), '> ');
  if (head) {
    lines.push(`< HTTP/${head.httpVersion} ${head.status} ${head.statusMessage}`.trimEnd());
    for (const [n, v] of head.headers) lines.push(`< ${n}: ${v}`);
    lines.push('< ');
  }
  return lines;
}

/** One transfer as a --trace-json line (NDJSON, in the order transfers end). */
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

/** Methods whose request always says its body's length, as hiper's writer sends them. */
const CONTENT_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** curl sends data (-d, --json) in the request's own write when it is smaller than this. */
const MAX_INITIAL_POST_SIZE = 64 * 1024;

/**
 * curl's size_request: the request head as sent (with the framing header the writer adds) and, for data
 * small enough to go with it, the body; a -T file or -F parts are sent apart and not counted.
 */
export function requestSize(o: Outcome, options: Omit<TransferOptions, 'url'>, upload: string | undefined): number {
  if (o.info.connectionId === undefined) return 0;
  const lines = requestHead(o.url, o.info, options);
  const headers = headerPairs(options.headers);
  const has = (name: string): boolean => headers.some(([n]) => n.toLowerCase() === name);
  const sent = o.info.sizeUpload;
  if (!has('content-length') && !has('transfer-encoding')) {
    if (upload === '-') lines.push('Transfer-Encoding: chunked');
    else if (sent > 0 || CONTENT_METHODS.has(o.info.method)) lines.push(`Content-Length: ${sent}`);
  }
  const multipart = headers.some(([n, v]) => n.toLowerCase() === 'content-type' && /^multipart\//i.test(v));
  const body = upload === undefined && !multipart && sent < MAX_INITIAL_POST_SIZE ? sent : 0;
  return lines.reduce((n, l) => n + Buffer.byteLength(l, 'latin1') + 2, 2) + body;
}

/** What -w can show of one transfer: its info, error, head, place on the command line and file. */
export function writeOutFacts(o: Outcome, exitCode: number, options: Omit<TransferOptions, 'url'>, upload?: string): WriteOutFacts {
  const r = o.result;
  const contentType = headerValue(r, 'content-type');
  return {
    url: o.url, info: o.info, exitCode, urlIndex: o.urlIndex, requestSize: requestSize(o, options, upload),
    ...(o.error !== undefined ? { error: errorJson(o.error) as { code: string; message: string } } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(r !== undefined ? { headers: r.headers, statusMessage: r.statusMessage } : {}),
    ...(o.numRedirects !== undefined ? { numRedirects: o.numRedirects } : {}),
    ...(o.redirectUrl !== undefined ? { redirectUrl: o.redirectUrl } : {}),
    ...(o.filename !== undefined ? { filename: o.filename } : {}),
  };
}
