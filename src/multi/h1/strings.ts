/**
 * Strings from wire bytes. Making a string from a Buffer is a native call that costs more than the rest
 * of a header's parsing, so header names and short values seen before are reused from a small cache
 * (fixed size, indexed by a hash the parser computes while validating; a hit is checked byte by byte).
 */

/** Node's Buffer#latin1Slice: toString('latin1') without its argument checks (bounds are checked by the caller). */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}
const HAS_LATIN1_SLICE = typeof (Buffer.prototype as Partial<Latin1Buffer>).latin1Slice === 'function';

export function latin1(buf: Buffer, start: number, end: number): string {
  if (start === end) return '';
  return HAS_LATIN1_SLICE ? (buf as Latin1Buffer).latin1Slice(start, end) : buf.toString('latin1', start, end);
}

/** Longest string the cache keeps. */
export const CACHED_MAX = 48;

/** Step of the rolling hash the parser computes over the bytes: h = hashStep(h, byte). */
export function hashStep(h: number, b: number): number {
  return (Math.imul(h, 31) + b) | 0;
}

export class Latin1Cache {
  private readonly slots: string[];
  private readonly mask: number;

  /** size: a power of two. */
  constructor(size: number) {
    this.slots = new Array<string>(size).fill('');
    this.mask = size - 1;
  }

  /** The string of buf[start, end) whose hash is `hash`: the cached one if it has the same bytes. */
  get(buf: Buffer, start: number, end: number, hash: number): string {
    const len = end - start;
    if (len === 0) return '';
    if (len > CACHED_MAX) return latin1(buf, start, end);
    const slot = (hash ^ (hash >>> 9)) & this.mask;
    const cached = this.slots[slot]!;
    if (cached.length === len) {
      let i = 0;
      while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === len) return cached;
    }
    const fresh = latin1(buf, start, end);
    this.slots[slot] = fresh;
    return fresh;
  }
}
