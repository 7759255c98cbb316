/**
 * Body slices handed to a transfer's onData. A promise onData returns holds the connection until it
 * settles; slices that arrive meanwhile wait, in order, and are handed over one settlement at a time.
 */

/** What the delivery asks of its transfer. */
export interface CallbackOwner {
  readonly ended: boolean;
  /** Stop reading: the reader is behind. */
  hold(): void;
  /** Read again: every slice has been taken. */
  release(): void;
  /** onData threw or its promise rejected. */
  callbackFailed(err: unknown): void;
  /** Every slice has been taken after a wait: a completion that waited for it may go on. */
  caughtUp(): void;
}

export class CallbackDelivery {
  private pending: Promise<void> | undefined;
  /** Allocated only when slices come while a promise is pending. */
  private backlog: Buffer[] | undefined;

  constructor(private readonly onData: (chunk: Buffer) => unknown, private readonly owner: CallbackOwner) {}

  /** An onData promise has not settled yet. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  push(chunk: Buffer): void {
    if (this.pending !== undefined) (this.backlog ??= []).push(chunk);
    else this.call(chunk);
  }

  /** The transfer failed: what waits is dropped. */
  drop(): void {
    this.backlog = undefined;
  }

  private call(chunk: Buffer): void {
    let r: unknown;
    try {
      r = this.onData(chunk);
    } catch (err) {
      this.owner.callbackFailed(err);
      return;
    }
    if (r === undefined || typeof (r as PromiseLike<void>).then !== 'function') return;
    this.owner.hold();
    const p: Promise<void> = Promise.resolve(r as PromiseLike<void>).then(
      () => this.settled(p),
      (err: unknown) => this.owner.callbackFailed(err),
    );
    this.pending = p;
  }

  private settled(p: Promise<void>): void {
    if (this.pending !== p || this.owner.ended) return;
    this.pending = undefined;
    const backlog = this.backlog;
    while (backlog !== undefined && backlog.length > 0 && this.pending === undefined && !this.owner.ended) this.call(backlog.shift()!);
    if (this.pending !== undefined || this.owner.ended) return;
    this.owner.release();
    this.owner.caughtUp();
  }
}
