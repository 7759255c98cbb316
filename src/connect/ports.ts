/** Local port ranges, as curl --local-port N[-M]. */
import { HiperError } from '../shared/errors.js';

export interface PortRange {
  first: number;
  last: number;
}

function bad(input: unknown): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', `invalid local port ${JSON.stringify(input)}: expected a port 1-65535 or a range "N-M" with N <= M`, { input });
}

function port(n: unknown, input: unknown): number {
  const v = typeof n === 'string' && /^\d+$/.test(n) ? Number(n) : n;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw bad(input);
  return v;
}

/** 4000, [4000, 4010], "4000" or "4000-4010" -> a range; undefined -> undefined. */
export function parsePortRange(input: number | [number, number] | string | undefined): PortRange | undefined {
  if (input === undefined) return undefined;
  let range: PortRange;
  if (Array.isArray(input)) range = { first: port(input[0], input), last: port(input[1], input) };
  else if (typeof input === 'string' && input.includes('-')) {
    const [a, b, ...rest] = input.split('-');
    if (rest.length > 0) throw bad(input);
    range = { first: port(a, input), last: port(b, input) };
  } else {
    const p = port(input, input);
    range = { first: p, last: p };
  }
  if (range.first > range.last) throw bad(input);
  return range;
}
