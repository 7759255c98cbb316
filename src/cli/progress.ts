/**
 * `hiper get`'s progress display on stderr, only when it is a terminal: for one transfer curl's meter
 * (its table and a line that updates) or, with -#, curl's bar; for several, one line of transfers done /
 * total, bytes, rate and time spent. Redrawn at most every `intervalMs` as bytes arrive and on a slower
 * tick while nothing does; erased (every line it drew) before anything else is written to the stream,
 * and at the end, so the screen is left clean.
 */
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { METER_HEADER, barLine, flyLine, meterLine, time8 } from './progress-text.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/** 'meter': curl's table (one transfer); 'bar': curl's -# (one transfer); 'count': transfers done / total. */
export type ProgressStyle = 'meter' | 'bar' | 'count';

export interface ProgressOptions {
  style?: ProgressStyle;
  /** The bar's width: COLUMNS, else the terminal's, else 79 (curl's). */
  columns?: number;
  /** Redraws while no byte arrives, ms (curl updates its meter every second). */
  tickMs?: number;
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

/** curl's bar width: COLUMNS when it says more than 20, else the terminal's width, else 79. */
export function barColumns(env: NodeJS.ProcessEnv, stream: ProgressStream): number {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 20) return Math.min(fromEnv, 256);
  if (stream.columns !== undefined && stream.columns > 20) return Math.min(stream.columns, 256);
  return 79;
}

/** The window curl's "Current Speed" looks back over, ms. */
const SPEED_WINDOW_MS = 5000;

export class Progress {
  private done = 0;
  private failed = 0;
  private bytes = 0;
  private downloadSize: number | undefined;
  private lastDraw = -Infinity;
  private readonly start: number;
  /** Lines of the display above the one the cursor is on (the meter's table). */
  private shownAbove = 0;
  private shown = false;
  private tick = 0;
  private timer: unknown;
  private running = false;
  private readonly samples: Array<[number, number]> = [];
  private readonly style: ProgressStyle;
  private readonly columns: number;
  private readonly tickMs: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly clock: Clock = systemClock,
    private readonly intervalMs = 100,
    options: ProgressOptions = {},
  ) {
    this.start = clock.now();
    this.style = options.style ?? 'count';
    this.columns = options.columns ?? 79;
    this.tickMs = options.tickMs ?? 1000;
  }

  /** Whether anything will ever be drawn: a terminal, and not silenced. */
  get active(): boolean {
    return this.enabled && this.stream.isTTY === true;
  }

  /** Draws at once and keeps the display current while nothing arrives, until stop(). */
  begin(): void {
    if (!this.active || this.running) return;
    this.running = true;
    this.draw(true);
    this.schedule();
  }

  /** Ends the display: erased, nothing drawn after. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** The size the server announced for the body being received (Content-Length). */
  expect(size: number | undefined): void {
    this.downloadSize = size;
  }

  received(n: number): void {
    this.bytes += n;
    this.draw(false);
  }

  /** Where the bytes sent so far are read from when the display draws (the transfer's info). */
  sentBytes: (() => number) | undefined;

  ended(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
    this.draw(this.done === this.total);
  }

  /** Writes a line of its own (a warning, an error) with the display erased first and drawn again after. */
  say(text: string): void {
    this.clear();
    this.stream.write(text);
    if (this.running) this.draw(false);
  }

  private elapsedSeconds(): number {
    return (this.clock.now() - this.start) / 1000;
  }

  private currentSpeed(now: number): number {
    this.samples.push([now, this.bytes]);
    while (this.samples.length > 2 && now - this.samples[1]![0] >= SPEED_WINDOW_MS) this.samples.shift();
    const [t0, b0] = this.samples[0]!;
    return now > t0 ? Math.floor((this.bytes - b0) / ((now - t0) / 1000)) : 0;
  }

  /** The text of the display as it is now (the meter with its table above). */
  line(): string {
    const now = this.clock.now();
    const secs = Math.max(0.001, this.elapsedSeconds());
    switch (this.style) {
      case 'meter':
        return meterLine({
          downloaded: this.bytes, uploaded: this.sentBytes?.() ?? 0, elapsed: this.elapsedSeconds(), currentSpeed: this.currentSpeed(now),
          ...(this.downloadSize !== undefined ? { downloadSize: this.downloadSize } : {}),
        });
      case 'bar':
        return this.downloadSize !== undefined ? barLine(this.bytes, this.downloadSize, this.columns) : flyLine(this.tick, this.columns);
      case 'count': {
        const failed = this.failed > 0 ? `, ${this.failed} failed` : '';
        return `${this.done}/${this.total} transfers${failed}  ${formatBytes(this.bytes)}  ${formatBytes(Math.round(this.bytes / secs))}/s  ${time8(secs).trim()}`;
      }
    }
  }

  /** Erases what was drawn so that what follows starts clean. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[2K' + '\x1b[1A\x1b[2K'.repeat(this.shownAbove));
    this.shown = false;
    this.shownAbove = 0;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.running) return;
      this.draw(true);
      this.schedule();
    }, this.tickMs);
  }

  private draw(force: boolean): void {
    if (!this.active) return;
    const now = this.clock.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.tick++;
    const text = this.line();
    if (this.shown) {
      this.stream.write(`\r\x1b[2K${text}`);
      return;
    }
    const header = this.style === 'meter' ? METER_HEADER : '';
    this.stream.write(`\r\x1b[2K${header}${text}`);
    this.shown = true;
    this.shownAbove = this.style === 'meter' ? 2 : 0;
  }
}
