/**
 * A buffered response body, gathered so that memory stays within a small constant of its size whatever
 * the slicing: with a known length (up to 64 MiB), one allocation filled in place; otherwise, slices copied into
 * blocks that grow with the body, joined once at the end. No slice of a socket read is kept (a kept
 * slice pins its whole read, and costs an object per slice: about 130 bytes per 1-byte chunk).
 */

/** The first block of a body of unknown length; later blocks grow with what was gathered. */
const FIRST_BLOCK = 16 * 1024;
/**
 * A Content-Length up to this is allocated at once; above it the body is gathered in blocks as it
 * comes, so that a head announcing gigabytes reserves nothing before the bytes arrive.
 */
const ALLOCATE_AT_ONCE = 64 * 1024 * 1024;
/** Blocks stop growing here: a body of unknown length wastes at most this much at its end. */
const LARGEST_BLOCK = 4 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export class BodyCollector {
  private readonly blocks: Buffer[] = [];
  private block: Buffer;
  /** Bytes written into `block`. */
  private used = 0;
  /** Bytes in the blocks before `block`. */
  private before = 0;

  /** `expected`: the Content-Length, when the response gave one. */
  constructor(expected: number | undefined) {
    this.block = expected === undefined || expected > ALLOCATE_AT_ONCE ? EMPTY : Buffer.allocUnsafe(expected);
  }

  get size(): number {
    return this.before + this.used;
  }

  add(chunk: Buffer): void {
    // The common case (a known length, or room left in the block): one memcpy, without Buffer#copy's
    // argument handling.
    if (chunk.length <= this.block.length - this.used) {
      this.block.set(chunk, this.used);
      this.used += chunk.length;
      return;
    }
    let from = 0;
    while (from < chunk.length) {
      if (this.used === this.block.length) this.grow(chunk.length - from);
      const n = chunk.copy(this.block, this.used, from);
      this.used += n;
      from += n;
    }
  }

  /** The whole body, as one Buffer. */
  take(): Buffer {
    if (this.blocks.length === 0) return this.used === this.block.length ? this.block : this.block.subarray(0, this.used);
    const whole = Buffer.allocUnsafe(this.size);
    let at = 0;
    for (const b of this.blocks) at += b.copy(whole, at);
    this.block.copy(whole, at, 0, this.used);
    return whole;
  }

  private grow(wanted: number): void {
    if (this.used > 0) {
      this.blocks.push(this.block);
      this.before += this.used;
    }
    const size = Math.min(Math.max(FIRST_BLOCK, Math.floor(this.before / 2), wanted), Math.max(LARGEST_BLOCK, wanted));
    this.block = Buffer.allocUnsafe(size);
    this.used = 0;
  }
}
