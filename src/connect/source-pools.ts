/**
 * The kept source pools: one SourcePool per distinct written pool, so that every connect with an equal
 * pool shares its round-robin turn. Bounded (the oldest goes when more are kept); found again without
 * building its key when the same localAddress object comes back, as it does for the transfers of one
 * options object.
 */
import type { EgressOptions } from './egress-options.js';
import { SourcePool } from './source-pool.js';

type PoolOptions = Pick<EgressOptions, 'localAddress' | 'sourcePolicy' | 'freebind'>;

const pools = new Map<string, SourcePool>();
export const MAX_KEPT_POOLS = 256;

/** The last pool found for a localAddress object, with its key and a copy of what it said then (an array may change in place). */
interface Known { pool: SourcePool; key: string; written: unknown[] }
const byObject = new WeakMap<object, Known>();

/** The entries of an array or { v4, v6 }, flat, for telling whether it still says what it said. */
function writtenOf(value: object): unknown[] {
  if (Array.isArray(value)) return value.slice();
  const { v4, v6 } = value as { v4?: unknown; v6?: unknown };
  return [...(Array.isArray(v4) ? v4 : [v4]), '|', ...(Array.isArray(v6) ? v6 : [v6])];
}

function stillWritten(value: object, written: unknown[]): boolean {
  if (Array.isArray(value)) {
    if (value.length !== written.length) return false;
    for (let i = 0; i < value.length; i++) if (value[i] !== written[i]) return false;
    return true;
  }
  const now = writtenOf(value);
  return now.length === written.length && now.every((x, i) => x === written[i]);
}

/** The pool for these options, parsed once and kept; throws for bad input (this runs once per connect). */
export function sourcePoolFor(options: PoolOptions): SourcePool {
  const value = options.localAddress;
  const policy = options.sourcePolicy ?? 'round-robin';
  const freebind = options.freebind === true;
  const isObject = typeof value === 'object' && value !== null;
  if (isObject) {
    const known = byObject.get(value);
    if (known !== undefined && known.pool.policy === policy && known.pool.freebind === freebind && pools.get(known.key) === known.pool && stillWritten(value, known.written)) {
      return known.pool;
    }
  }
  const key = JSON.stringify([value, policy, freebind]);
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new SourcePool(options);
    if (pools.size >= MAX_KEPT_POOLS) pools.delete(pools.keys().next().value!);
    pools.set(key, pool);
  }
  if (isObject) byObject.set(value, { pool, key, written: writtenOf(value) });
  return pool;
}
