/**
 * A streamed response body: the slices a connection hands over, queued until the consumer reads them,
 * as an async iterable of Buffers or a web ReadableStream. Backpressure: past `highWaterMark` queued
 * bytes the queue asks its flow to pause (the connection stops reading, the kernel's window closes),
 * and asks it to resume once the consumer has taken the queue below a quarter of that.
 */
import { HiperError } from '../../shared/errors.js';

/** What a body queue can ask of whatever feeds it. */
export interface BodyFlow {
  pause(): void;
  resume(): void;
  /** The consumer stopped reading before the end (break out of for-await, cancel()). */
  cancel(): void;
}

export const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

interface Waiter {
  resolve: (r: IteratorResult<Buffer>) => void;
  reject: (e: unknown) => void;
}

export class ResponseBody implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private head = 0;
  private queued = 0;
  private ended = false;
  private error: unknown;
  private waiter: Waiter | undefined;
  private pausing = false;
  private taken = false;
  private cancelled = false;

  constructor(
    private readonly flow: BodyFlow,
    private readonly url: string,
    private readonly highWaterMark = DEFAULT_HIGH_WATER_MARK,
  ) {}

  /** Bytes received and not yet read. */
  get queuedBytes(): number {
    return this.queued;
  }

  // --- the feeding side

  push(chunk: Buffer): void {
    if (this.ended || this.cancelled) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve({ value: chunk, done: false });
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.pausing && this.queued >= this.highWaterMark) {
      this.pausing = true;
      this.flow.pause();
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    const w = this.waiter;
    if (w !== undefined && this.head === this.queue.length) {
      this.waiter = undefined;
      // A reader already waiting gets the error, not a clean end: a cut body must never look whole.
      if (this.error !== undefined) w.reject(this.error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  /** Ends with an error: what was queued is still read first, then the error is thrown. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.error = error;
    this.end();
  }

  // --- the reading side

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.taken) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `the body of ${this.url} is already being read; it can be read once`, { input: this.url });
    }
    this.taken = true;
    return {
      next: () => this.next(),
      return: async () => {
        this.cancel();
        return { value: undefined, done: true };
      },
    };
  }

  /** The body as a web ReadableStream (fetch-style code); cancel() stops the transfer. */
  stream(): ReadableStream<Uint8Array> {
    const it = this[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel: () => {
        this.cancel();
      },
    }, { highWaterMark: 0 });
  }

  /** Reads the rest of the body and drops it; settles when the body has ended. */
  async dump(): Promise<void> {
    for await (const _ of this) {
      // dropped
    }
  }

  private next(): Promise<IteratorResult<Buffer>> {
    if (this.head < this.queue.length) {
      const chunk = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Buffer;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      this.queued -= chunk.length;
      if (this.pausing && this.queued <= this.highWaterMark / 4) this.release();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended || this.cancelled) return Promise.resolve({ value: undefined, done: true });
    if (this.pausing) this.release();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private release(): void {
    if (!this.pausing) return;
    this.pausing = false;
    this.flow.resume();
  }

  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.queue.length = 0;
    this.head = 0;
    this.queued = 0;
    this.release();
    if (!this.ended) this.flow.cancel();
  }
}
