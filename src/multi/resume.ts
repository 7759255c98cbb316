/**
 * Resuming a streamed GET that was cut off after some of its body reached the caller, instead of
 * failing it: the same request again with `Range: bytes=N-` and `If-Range` (RFC 9110 §13.1.5,
 * §14.2), where N is the first byte not yet received. Pure: what makes a response resumable, the
 * request that continues it, and whether an answer really is its continuation. transfer.ts applies it.
 *
 * Resumable: a 200 or 206 with `Accept-Ranges: bytes` and a strong validator, an ETag that is not
 * weak (W/...) or else a Last-Modified; If-Range then makes the server send the rest only while the
 * representation is the same one, and the whole new one (200) when it changed.
 */
import type { TargetUrl } from '../shared/url.js';
import { prepareRequest, type PreparedRequest } from './request.js';
import type { TransferOptions } from './types.js';

/** Where a resumable response sits in its representation, and what identifies that representation. */
export interface ResumePoint {
  /** The If-Range value: the strong ETag, or else the Last-Modified date. */
  validator: string;
  /** The header the validator came from, to compare a continuation's own. */
  validatorHeader: 'etag' | 'last-modified';
  /** First byte of the representation the response began with (0 for a 200). */
  start: number;
  /** Last byte asked for, when the response was a 206 with an end short of the whole. */
  end: number | undefined;
}

function header(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  for (const [n, v] of headers) if (n.length === name.length && n.toLowerCase() === name) return v.trim();
  return undefined;
}

/** `bytes a-b/len` (len may be *): [a, b], or undefined. */
export function contentRange(value: string | undefined): [number, number] | undefined {
  const m = value === undefined ? null : /^bytes\s+(\d+)-(\d+)\/(?:\d+|\*)$/i.exec(value);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return Number.isSafeInteger(a) && Number.isSafeInteger(b) && a <= b ? [a, b] : undefined;
}

/** What makes this response resumable, or undefined when it is not. */
export function resumePointOf(status: number, headers: ReadonlyArray<readonly [string, string]>): ResumePoint | undefined {
  if (status !== 200 && status !== 206) return undefined;
  const ranges = header(headers, 'accept-ranges');
  if (ranges === undefined || !ranges.toLowerCase().split(',').some((u) => u.trim() === 'bytes')) return undefined;
  const etag = header(headers, 'etag');
  const strong = etag !== undefined && etag.startsWith('"') ? etag : undefined;
  const lastModified = strong === undefined ? header(headers, 'last-modified') : undefined;
  if (strong === undefined && (lastModified === undefined || Number.isNaN(Date.parse(lastModified)))) return undefined;
  let start = 0;
  let end: number | undefined;
  if (status === 206) {
    const range = contentRange(header(headers, 'content-range'));
    // A multipart/byteranges answer has no single Content-Range: not resumed.
    if (range === undefined) return undefined;
    [start, end] = range;
  }
  return strong !== undefined
    ? { validator: strong, validatorHeader: 'etag', start, end }
    : { validator: lastModified!, validatorHeader: 'last-modified', start, end };
}

/** The request that asks for the rest after `received` body bytes: the caller's, its own Range and If-Range replaced. */
export function resumeRequest(options: TransferOptions, target: TargetUrl, method: string, point: ResumePoint, received: number): PreparedRequest {
  const from = point.start + received;
  const pairs: Array<[string, string]> = [];
  const given = options.headers;
  if (Array.isArray(given)) pairs.push(...given);
  else if (given !== undefined) for (const [n, v] of Object.entries(given)) for (const one of Array.isArray(v) ? v : [v]) pairs.push([n, one]);
  const kept = pairs.filter(([n]) => !/^(range|if-range)$/i.test(n));
  kept.push(['Range', `bytes=${from}-${point.end ?? ''}`], ['If-Range', point.validator]);
  return prepareRequest({ ...options, headers: kept }, target, method);
}

/** Whether an answer to the resume request is the rest of the same representation, from byte `point.start + received`. */
export function continues(point: ResumePoint, received: number, status: number, headers: ReadonlyArray<readonly [string, string]>): boolean {
  if (status !== 206) return false;
  const range = contentRange(header(headers, 'content-range'));
  if (range === undefined || range[0] !== point.start + received) return false;
  // A server may leave the validator out of a 206; one it sends must be the same.
  const own = header(headers, point.validatorHeader);
  return own === undefined || own === point.validator;
}
