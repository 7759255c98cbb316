/**
 * One timer structure for every transfer and connection of a Multi (total timeouts, low-speed checks,
 * idle connections): a binary min-heap of deadlines with a single clock timer armed for the earliest.
 * Adding and cancelling cost O(log n); nothing ever scans all timers. timeout() answers like
 * curl_multi_timeout.
 */
import type { Clock } from '../shared/clock.js';

export interface TimerEntry {
  /** Clock time it fires at. */
  readonly at: number;
  /** Position in the heap; -1 once fired or cancelled. */
  index: number;
  readonly fire: () => void;
}

export class TimerHeap {
  private readonly heap: TimerEntry[] = [];
  private armedAt = Infinity;
  private handle: unknown;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.heap.length;
  }

  /** Calls `fire` after `ms` (from now). */
  add(ms: number, fire: () => void): TimerEntry {
    const entry: TimerEntry = { at: this.clock.now() + ms, index: this.heap.length, fire };
    this.heap.push(entry);
    this.up(entry.index);
    this.arm();
    return entry;
  }

  /** Safe on an entry that has fired or was cancelled. */
  cancel(entry: TimerEntry | undefined): void {
    if (entry === undefined || entry.index < 0) return;
    const i = entry.index;
    const last = this.heap.pop()!;
    entry.index = -1;
    if (last !== entry) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (this.heap.length === 0) this.disarm();
  }

  /** ms until the earliest deadline (0 if overdue), -1 when there is none. */
  timeout(): number {
    const first = this.heap[0];
    return first === undefined ? -1 : Math.max(0, first.at - this.clock.now());
  }

  /** Fires every entry that is due. */
  runDue(): void {
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const entry = this.heap[0]!;
      this.cancel(entry);
      entry.fire();
    }
    this.arm();
  }

  clear(): void {
    for (const e of this.heap) e.index = -1;
    this.heap.length = 0;
    this.disarm();
  }

  /** Keeps one clock timer, set for the earliest deadline; re-armed only when that changes. */
  private arm(): void {
    const first = this.heap[0];
    if (first === undefined) return this.disarm();
    if (first.at === this.armedAt) return;
    this.disarm();
    this.armedAt = first.at;
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      this.armedAt = Infinity;
      this.runDue();
    }, Math.max(0, first.at - this.clock.now()));
  }

  private disarm(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedAt = Infinity;
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= e.at) break;
      h[i] = h[p]!;
      h[i]!.index = i;
      i = p;
    }
    h[i] = e;
    e.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.at < h[l]!.at ? r : l;
      if (h[c]!.at >= e.at) break;
      h[i] = h[c]!;
      h[i]!.index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
  }
}
