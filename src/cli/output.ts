/**
 * Where `hiper get` puts what it receives, as it arrives: an -o file (written at once) or stdout. A
 * write to stdout hands back a promise only when its buffer is full, and that promise settles when it
 * has room again (or has failed): returned from onData, it holds the connection exactly while the
 * reader is behind, so nothing larger than stdout's own buffer is ever held.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { HiperError } from '../shared/errors.js';
import { outputError, type OutStream } from './format.js';

/** The bytes of one transfer on their way somewhere. */
export interface Sink {
  /** undefined: taken; a promise: taken, but wait for it before writing more. */
  write(chunk: Uint8Array): Promise<void> | undefined;
}

/** Settles when `stream` has room again, fails, or closes; leaves no listener behind. */
export function drained(stream: OutStream): Promise<void> {
  if (stream.on === undefined || stream.off === undefined) return Promise.resolve();
  const on = stream.on.bind(stream);
  const off = stream.off.bind(stream);
  return new Promise<void>((resolve) => {
    const done = (): void => {
      off('drain', done);
      off('error', done);
      off('close', done);
      resolve();
    };
    on('drain', done);
    on('error', done);
    on('close', done);
  });
}

const EMPTY = new Uint8Array(0);

/**
 * An -o file. Created (or truncated; with -C, added to) by open(), which the command calls when the
 * response head arrives, as curl does; a transfer that never gets a head (or, with --fail, gets a status
 * >= 400) creates none.
 * Each slice is written as it comes, with a blocking write, as curl writes: a write to a file is a
 * copy into the page cache, and a write stream's round trips through libuv's thread pool (a writev of
 * the buffered slices, its completion, the connection paused and resumed around it) cost a 1 GiB
 * download about a third more time and CPU than the writes themselves (measured: 2.4-2.5 s against
 * 1.5-1.8 s wall, 2.5 s against 1.7-1.9 s CPU, from nginx on loopback). Nothing is held in memory.
 * A failure to create or write it is reported once, through `onError`, as ERR_WRITE_OUTPUT (exit 23).
 */
export class FileOutput implements Sink {
  private fd: number | undefined;
  private failure: HiperError | undefined;

  /** `append`: an existing file is added to, not truncated (curl -C). */
  constructor(readonly path: string, private readonly onError: (error: HiperError) => void, private readonly append = false) {}

  get error(): HiperError | undefined {
    return this.failure;
  }

  /** Creates the file; false (and the error reported) when it cannot be. */
  open(): boolean {
    if (this.fd !== undefined || this.failure !== undefined) return this.failure === undefined;
    try {
      // Opened here and now, so that a path that cannot be written fails the transfer at its head.
      this.fd = openSync(this.path, this.append ? 'a' : 'w');
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  write(chunk: Uint8Array): undefined {
    const fd = this.fd;
    if (fd === undefined || this.failure !== undefined) return undefined;
    try {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
    } catch (err) {
      this.fail(err);
    }
    return undefined;
  }

  /** Closes the file (when it was created); a failure to close it is a failure to write it. */
  finish(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch (err) {
        this.fail(err);
      }
    }
    return Promise.resolve();
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = outputError(this.path, err);
    this.onError(this.failure);
  }
}

/**
 * stdout, shared by the transfers of one run without mixing their bytes: it is given to one transfer
 * at a time (a slot), the first that has something to write. A slot that writes while another holds
 * stdout keeps its bytes in memory until its turn; then they are written (with backpressure) and what
 * follows goes straight through. Sequential runs therefore stream every body; with --parallel, one
 * body streams while the others wait in memory. (Holding the others' connections instead would hold
 * every transfer queued behind them on a pipelined connection, the one streaming among them.)
 */
export class StdoutQueue {
  private owner: StdoutSlot | undefined;
  private readonly waiting: StdoutSlot[] = [];
  private failure: HiperError | undefined;
  private readonly idleWaiters: Array<() => void> = [];
  private lastWrite: Promise<void> | undefined;
  private signalFailed!: () => void;
  private readonly failed = new Promise<void>((resolve) => (this.signalFailed = resolve));

  /** `onError`: stdout failed (a reader that went away: EPIPE); called once. */
  constructor(private readonly out: OutStream, private readonly onError: (error: HiperError, cause: unknown) => void) {
    out.on?.('error', (err: unknown) => this.fail(err));
  }

  get error(): HiperError | undefined {
    return this.failure;
  }

  slot(): StdoutSlot {
    return new StdoutSlot(this);
  }

  /** Settles when every slot's bytes have been handed to stdout and stdout has written them (or failed). */
  async idle(): Promise<void> {
    if (this.owner !== undefined || this.waiting.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    // A failure settles it too: a destroyed stream need not call back what it had pending.
    if (this.failure === undefined) await Promise.race([this.lastWrite, this.failed]);
  }

  /** @internal: a slot's write. */
  write(slot: StdoutSlot, chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure !== undefined) return undefined;
    if (this.owner === undefined) this.owner = slot;
    if (this.owner !== slot || slot.flushing !== undefined) {
      slot.held.push(chunk);
      if (this.owner !== slot && !slot.queued) {
        slot.queued = true;
        this.waiting.push(slot);
      }
      return slot.flushing;
    }
    return this.put(chunk) || this.failure !== undefined ? undefined : drained(this.out);
  }

  /** @internal: a slot has written all it will. */
  release(slot: StdoutSlot): void {
    slot.ended = true;
    if (this.owner !== slot || slot.flushing !== undefined) return;
    this.owner = undefined;
    this.next();
  }

  private next(): void {
    while (this.owner === undefined) {
      const slot = this.waiting.shift();
      if (slot === undefined) break;
      this.owner = slot;
      if (slot.held.length > 0) {
        // Set before the flush starts: it may well end before it first waits, and it clears this when it does.
        let flushed!: () => void;
        slot.flushing = new Promise<void>((resolve) => (flushed = resolve));
        void this.flush(slot).then(flushed);
        return;
      }
      if (slot.ended) this.owner = undefined;
    }
    if (this.owner === undefined) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Writes what a slot kept while it waited, then lets it write straight through (or passes stdout on). */
  private async flush(slot: StdoutSlot): Promise<void> {
    // What the slot writes meanwhile is added to `held`, and written in its turn.
    for (let i = 0; i < slot.held.length && this.failure === undefined; i++) {
      const chunk = slot.held[i]!;
      slot.held[i] = EMPTY;
      if (!this.put(chunk) && this.failure === undefined) await drained(this.out);
    }
    slot.held.length = 0;
    slot.flushing = undefined;
    if (slot.ended || this.failure !== undefined) {
      this.owner = undefined;
      this.next();
    }
  }

  /** false: stdout's buffer is full (or it failed). */
  private put(chunk: Uint8Array): boolean {
    try {
      // A Writable calls back once the bytes are written (or failed), in order: the last callback says
      // everything is out. A test double without a buffer writes at once.
      if (this.out.writableLength === undefined) return this.out.write(chunk) !== false && this.failure === undefined;
      let written!: () => void;
      this.lastWrite = new Promise<void>((resolve) => (written = resolve));
      return this.out.write(chunk, () => written()) !== false && this.failure === undefined;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = outputError('stdout', err);
    this.signalFailed();
    for (const s of this.waiting) s.held.length = 0;
    this.onError(this.failure, err);
  }
}

/** One transfer's share of stdout (see StdoutQueue). */
export class StdoutSlot implements Sink {
  /** Bytes written while another slot had stdout. */
  readonly held: Uint8Array[] = [];
  queued = false;
  ended = false;
  /** Set while the held bytes are being written. */
  flushing: Promise<void> | undefined;

  constructor(private readonly queue: StdoutQueue) {}

  write(chunk: Uint8Array): Promise<void> | undefined {
    return this.queue.write(this, chunk);
  }

  /** Nothing more will come from this transfer: stdout passes to the next. */
  release(): void {
    this.queue.release(this);
  }
}
