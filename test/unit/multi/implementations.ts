/**
 * The Multi behaviour suite runs once per implementation of the Multi API: one Multi on this thread,
 * and a ShardedMulti (one Multi per worker thread). Tests that inject a function (a clock, a
 * connector, a resolver, a chooser) cannot give it to a worker: they run against Multi only (itMultiOnly).
 */
import { Multi, ShardedMulti, type MultiApi, type MultiOptions } from '../../../src/multi/index.js';

export interface Implementation {
  name: string;
  /** Runs its Multis in worker threads: functions cannot be given to it. */
  sharded: boolean;
  make(options?: MultiOptions): MultiApi;
}

export const IMPLEMENTATIONS: Implementation[] = [
  { name: 'Multi', sharded: false, make: (o) => new Multi(o) },
  { name: 'ShardedMulti (2 workers)', sharded: true, make: (o) => new ShardedMulti({ workers: 2, ...o }) },
];

/**
 * `it` for a test of one Multi only (nothing for a sharded implementation): one that injects a
 * function, subscribes to this thread's diagnostics channels (a worker's Multi publishes on its own
 * thread), or needs an onData promise to hold the very next response of its connection (in a worker,
 * the hold arrives one message after the slice, so what the worker read meanwhile is delivered).
 */
export function itMultiOnly(impl: Implementation): (title: string, fn: () => Promise<void> | void) => void {
  return impl.sharded ? () => {} : (title, fn) => it(title, fn);
}
