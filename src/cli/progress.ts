/**
 * A one-line progress display on stderr for `hiper get`: transfers done / total, bytes, rate. Only when
 * the stream is a terminal; redrawn at most every `intervalMs`; cleared at the end.
 */
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';

export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export class Progress {
  private done = 0;
  private failed = 0;
  private bytes = 0;
  private lastDraw = -Infinity;
  private readonly start: number;
  private shown = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly clock: Clock = systemClock,
    private readonly intervalMs = 100,
  ) {
    this.start = clock.now();
  }

  /** Whether anything will ever be drawn: a terminal, and not silenced. */
  get active(): boolean {
    return this.enabled && this.stream.isTTY === true;
  }

  received(n: number): void {
    this.bytes += n;
    this.draw(false);
  }

  ended(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
    this.draw(this.done === this.total);
  }

  line(): string {
    const secs = Math.max(0.001, (this.clock.now() - this.start) / 1000);
    const failed = this.failed > 0 ? `, ${this.failed} failed` : '';
    return `${this.done}/${this.total} transfers${failed}  ${formatBytes(this.bytes)}  ${formatBytes(Math.round(this.bytes / secs))}/s`;
  }

  /** Erases the line so that what follows starts clean. */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(force: boolean): void {
    if (!this.active) return;
    const now = this.clock.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.stream.write(`\r\x1b[2K${this.line()}`);
    this.shown = true;
  }
}
