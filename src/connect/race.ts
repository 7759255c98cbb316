/**
 * The Happy Eyeballs v2 race (RFC 8305 section 5): the first attempt starts at once, each next one
 * after the attempt delay or as soon as a running attempt fails, with at most `maxConcurrent` running.
 * The first to connect wins; every other attempt and the timer are closed. The outcome is handed to a
 * callback, not a promise: with a single address (the common case) no timer is armed and nothing
 * waits for a microtask.
 */
import type { Clock } from '../shared/clock.js';
import { ConnectAttempt, type AttemptContext, type AttemptSetup } from './attempt.js';
import type { Candidate } from './plan.js';

export interface RaceOptions {
  /** Attempt delay, ms. */
  delay: number;
  maxConcurrent: number;
  clock: Clock;
}

export type RaceResult = { winner: ConnectAttempt; attempts: ConnectAttempt[] } | { winner: undefined; attempts: ConnectAttempt[] };

export class Race {
  readonly attempts: ConnectAttempt[] = [];
  private next = 0;
  private running = 0;
  private timer: unknown;
  private settled = false;
  private readonly context: AttemptContext;

  /** `done` is called once: with the winner, or with no winner once every attempt has failed or on cancel(). */
  constructor(
    private readonly candidates: Candidate[],
    setup: AttemptSetup,
    private readonly options: RaceOptions,
    private readonly done: (r: RaceResult) => void,
  ) {
    this.context = {
      port: setup.port,
      ports: setup.ports,
      table: setup.table,
      elapsed: setup.elapsed,
      onAttempt: setup.onAttempt,
      socketOptions: setup.socketOptions,
      onConnected: (a) => this.won(a),
      onFailed: () => this.failed(),
    };
    this.startNext();
  }

  private startNext(): void {
    this.clearTimer();
    if (this.settled) return;
    if (this.next < this.candidates.length && this.running < this.options.maxConcurrent) {
      this.running++;
      // Pushed before it starts: an attempt that fails at once is already in the list.
      const attempt = new ConnectAttempt(this.candidates[this.next++]!, this.context);
      this.attempts.push(attempt);
      attempt.start();
    }
    if (this.settled) return;
    if (this.next < this.candidates.length) {
      this.timer = this.options.clock.setTimeout(() => { this.timer = undefined; this.startNext(); }, this.options.delay);
    } else if (this.running === 0) {
      this.finish(undefined);
    }
  }

  private failed(): void {
    this.running--;
    // An attempt that fails synchronously (a bind refused) is reported from inside startNext.
    if (!this.settled) queueMicrotask(() => this.startNext());
  }

  private won(winner: ConnectAttempt): void {
    this.running--;
    this.finish(winner);
  }

  private finish(winner: ConnectAttempt | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.clearTimer();
    for (const a of this.attempts) if (a !== winner) a.cancel();
    this.done({ winner, attempts: this.attempts } as RaceResult);
  }

  /** Gives up (timeout, abort): every running attempt is closed. */
  cancel(): void {
    this.finish(undefined);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      this.options.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
