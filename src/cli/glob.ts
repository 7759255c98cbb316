/**
 * curl's URL globbing: `{a,b,c}` sets, `[1-3]` and `[01-10]` (zero padded) number ranges, `[a-z]`
 * letter ranges, `:N` steps; several globs multiply, the first varying slowest; `\{` and `\[` are
 * literal. An IPv6 address in brackets is not a glob. A bad glob is ERR_INVALID_URL (curl's exit 3)
 * with curl's kind of message.
 */
import { HiperError } from '../shared/errors.js';

/** One URL of an expansion and the text each glob put in it (for -o's #1, #2...). */
export interface Expanded {
  url: string;
  parts: string[];
}

/** The most URLs one glob may expand to. */
export const MAX_GLOB_URLS = 100_000;

type Segment = { literal: string } | { choices: string[] };

function globError(url: string, what: string, pos: number): HiperError {
  const at = Math.max(1, Math.min(pos + 1, url.length + 1));
  return new HiperError('ERR_INVALID_URL', `${what} in URL position ${at}:\n${url}\n${' '.repeat(at - 1)}^`, { input: url, details: { position: at } });
}

/** An IPv6 address (with an optional zone) in brackets, as in http://[::1]:80/. */
function isIpv6At(url: string, open: number): boolean {
  const close = url.indexOf(']', open);
  if (close < 0) return false;
  const inner = url.slice(open + 1, close);
  return inner.includes(':') && /^[0-9a-fA-F:.]+(%25[\w.~-]+|%[\w.~-]+)?$/.test(inner);
}

function parse(url: string): Segment[] {
  const segs: Segment[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') segs.push({ literal: lit });
    lit = '';
  };
  for (let i = 0; i < url.length; i++) {
    const c = url[i]!;
    if (c === '\\' && (url[i + 1] === '{' || url[i + 1] === '[' || url[i + 1] === '}' || url[i + 1] === ']')) {
      lit += url[++i];
    } else if (c === '{') {
      flush();
      const [choices, end] = braces(url, i);
      segs.push({ choices });
      i = end;
    } else if (c === '[' && isIpv6At(url, i)) {
      const close = url.indexOf(']', i);
      lit += url.slice(i, close + 1);
      i = close;
    } else if (c === '[') {
      flush();
      const close = url.indexOf(']', i);
      if (close < 0) throw globError(url, 'bad range', url.length - 1);
      segs.push({ choices: range(url, i, close) });
      i = close;
    } else if (c === '}' || c === ']') {
      throw globError(url, 'unmatched close brace/bracket', i);
    } else {
      lit += c;
    }
  }
  flush();
  return segs;
}

/** `{a,b}` starting at url[open]: its choices and the index of the closing brace. */
function braces(url: string, open: number): [string[], number] {
  const choices: string[] = [];
  let cur = '';
  for (let i = open + 1; i < url.length; i++) {
    const c = url[i]!;
    if (c === '\\' && i + 1 < url.length) cur += url[++i];
    else if (c === '{' || c === '[') throw globError(url, 'nested brace', i);
    else if (c === ',') {
      choices.push(cur);
      cur = '';
    } else if (c === '}') {
      if (i === open + 1) throw globError(url, 'empty string within braces', i);
      choices.push(cur);
      return [choices, i];
    } else cur += c;
  }
  throw globError(url, 'unmatched brace', open);
}

/** `[1-3]`, `[01-10]`, `[a-z]`, with an optional `:step`, between url[open] and url[close]. */
function range(url: string, open: number, close: number): string[] {
  const spec = url.slice(open + 1, close);
  const bad = (): HiperError => globError(url, 'bad range', close + 1);
  const m = /^(?:([a-zA-Z])-([a-zA-Z])|(\d+)-(\d+))(?::(\d+))?$/.exec(spec);
  if (!m) throw bad();
  const step = m[5] !== undefined ? Number(m[5]) : 1;
  if (!Number.isSafeInteger(step) || step < 1) throw bad();
  const out: string[] = [];
  if (m[1] !== undefined) {
    const from = m[1].charCodeAt(0);
    const to = m[2]!.charCodeAt(0);
    // Both of one case, as curl requires.
    if (to < from || (m[1] >= 'a') !== (m[2]! >= 'a')) throw bad();
    for (let c = from; c <= to; c += step) out.push(String.fromCharCode(c));
    return out;
  }
  const from = Number(m[3]);
  const to = Number(m[4]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) throw bad();
  if ((to - from) / step >= MAX_GLOB_URLS) throw globError(url, `range of more than ${MAX_GLOB_URLS} URLs`, close);
  // A first number with a leading zero pads every number to its width.
  const width = m[3]!.startsWith('0') && m[3]!.length > 1 ? m[3]!.length : 0;
  for (let n = from; n <= to; n += step) out.push(String(n).padStart(width, '0'));
  return out;
}

/** The URLs a globbed URL stands for, in curl's order (the first glob varies slowest). */
export function expandGlob(url: string): Expanded[] {
  const segs = parse(url);
  let total = 1;
  for (const s of segs) {
    if ('choices' in s) total *= s.choices.length;
    if (total > MAX_GLOB_URLS) throw new HiperError('ERR_INVALID_URL', `${url} expands to more than ${MAX_GLOB_URLS} URLs`, { input: url });
  }
  let out: Expanded[] = [{ url: '', parts: [] }];
  for (const s of segs) {
    if ('literal' in s) for (const e of out) e.url += s.literal;
    else out = out.flatMap((e) => s.choices.map((c) => ({ url: e.url + c, parts: [...e.parts, c] })));
  }
  return out;
}

/** -o's `#N`: the text glob N put in this URL; a `#` without a glob of that number stays as it is. */
export function substituteOutput(template: string, parts: readonly string[]): string {
  return template.replace(/#(\d+)/g, (all, n: string) => parts[Number(n) - 1] ?? all);
}
