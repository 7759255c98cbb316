/** The waiting line of a host: transfers not yet on a connection, oldest first. */
import type { TransferImpl } from './transfer.js';

/** A FIFO of transfers; removed ones are skipped lazily, so removal is O(1). */
export class WaitingLine {
  /** Slots before `head` are cleared as they are passed: a transfer gone from the line is not kept alive by it. */
  private items: Array<TransferImpl | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(t: TransferImpl): void {
    this.items.push(t);
  }

  /** Puts transfers back at the front, in the given order (retries keep their places). */
  pushFront(ts: TransferImpl[]): void {
    this.items = [...ts, ...(this.items.slice(this.head) as TransferImpl[])];
    this.head = 0;
  }

  /** The oldest transfer still running, without taking it. */
  peek(): TransferImpl | undefined {
    while (this.head < this.items.length) {
      const t = this.items[this.head]!;
      if (t.state === 'queued') return t;
      this.items[this.head++] = undefined;
    }
    if (this.head > 0) this.compact();
    return undefined;
  }

  shift(): void {
    this.items[this.head++] = undefined;
    if (this.head > 64 && this.head * 2 > this.items.length) this.compact();
  }

  drain(): TransferImpl[] {
    const rest = this.items.slice(this.head) as TransferImpl[];
    this.items = [];
    this.head = 0;
    return rest;
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }
}
