/**
 * What may cross to a worker thread: plain data (primitives, arrays, plain objects, bytes). A function
 * or an object of a class (a cache, a signal, a clock) would be refused by the structured clone or,
 * worse, arrive as a plain object that no longer does what it did; so such options are refused at
 * once, naming them.
 */
import { HiperError } from '../../shared/errors.js';

/** The path of the first value under `v` that cannot cross, and what it is; undefined when all can. */
export function crossingProblem(v: unknown, path: string, skip?: ReadonlySet<string>, depth = 0): { path: string; what: string } | undefined {
  if (typeof v === 'function') return { path, what: 'a function' };
  if (v === null || typeof v !== 'object') return undefined;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return undefined;
  if (depth > 16) return { path, what: 'nested too deep' };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = crossingProblem(v[i], `${path}[${i}]`, skip, depth + 1);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return { path, what: `an object of class ${proto?.constructor?.name ?? 'unknown'}` };
  for (const [k, x] of Object.entries(v)) {
    const p = `${path}.${k}`;
    if (skip?.has(p)) continue;
    const found = crossingProblem(x, p, skip, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Throws ERR_INVALID_ARGUMENT naming the first option under `o` (outside `skip`) that cannot cross to a worker. */
export function checkCrossing(owner: string, o: object, skip?: ReadonlySet<string>): void {
  for (const [k, v] of Object.entries(o)) {
    if (skip?.has(k) || v === undefined) continue;
    const p = crossingProblem(v, k, skip);
    if (p !== undefined) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `${owner} option ${p.path} is ${p.what}, which cannot cross to a ShardedMulti worker thread; give plain data, or use a Multi`, {
        input: p.path,
      });
    }
  }
}
