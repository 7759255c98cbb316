/**
 * Large bodies for tests: a deterministic byte pattern of any length (a seeded block whose length is a
 * prime, so it never lines up with socket reads or chunk sizes), written with backpressure, and its
 * SHA-256, so a body of gigabytes is checked byte for byte without being held.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { mulberry32 } from './prng.js';

/** 65521: the largest prime below 2^16. */
export const PATTERN_BLOCK = 65521;
const BLOCK = mulberry32(0x5eed).bytes(PATTERN_BLOCK);
/** Several blocks back to back, so a write can start anywhere in the pattern and still be one slice. */
const RUN = Buffer.concat(Array.from({ length: 16 }, () => BLOCK));

/** The pattern's bytes [offset, offset + length) as slices of at most ~1 MiB (no copies). */
export function* patternSlices(length: number, offset = 0): Generator<Buffer> {
  let at = offset;
  const end = offset + length;
  while (at < end) {
    const start = at % PATTERN_BLOCK;
    const n = Math.min(end - at, RUN.length - start);
    yield RUN.subarray(start, start + n);
    at += n;
  }
}

/** Writes `length` bytes of the pattern to a writable (an http.ServerResponse, a socket), waiting for drain. */
export async function writePattern(out: Writable, length: number): Promise<void> {
  for (const slice of patternSlices(length)) {
    if (!out.write(slice)) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error): void => {
          out.off('drain', done);
          out.off('close', closed);
          out.off('error', done);
          if (err) reject(err);
          else resolve();
        };
        const closed = (): void => done(new Error('closed before the pattern was written'));
        out.on('drain', done);
        out.on('close', closed);
        out.on('error', done);
      });
    }
  }
}

/** SHA-256 (hex) of the first `length` bytes of the pattern. */
export function patternSha256(length: number): string {
  const h = createHash('sha256');
  for (const slice of patternSlices(length)) h.update(slice);
  return h.digest('hex');
}

/** The pattern's bytes [offset, offset + n) as one Buffer (small bodies only). */
export function patternBytes(n: number, offset = 0): Buffer {
  return Buffer.concat([...patternSlices(n, offset)]);
}
