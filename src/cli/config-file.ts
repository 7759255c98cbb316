/**
 * curl's config file (-K/--config): one option a line, "--flag value", "flag = value", "flag value",
 * "flag: value", with or without the leading dashes ("-o file" works too); "#" starts a comment line;
 * a value in double quotes may hold spaces and the escapes \" \\ \t \n \r \v; an unquoted value ends
 * at the first space. "url = ..." gives a URL. The options become command-line arguments, inserted
 * where -K stood. hiper reads only the files -K names (no ~/.curlrc).
 */
import { readFileSync } from 'node:fs';
import { HiperError } from '../shared/errors.js';
import { usageError } from './args.js';

/** What the parser needs to know of the command's flags: whether one takes a value. */
export interface FlagTable {
  [name: string]: { type: 'string' | 'boolean'; short?: string };
}

const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', v: '\v' };

/** The arguments a config file's text stands for. */
export function parseConfig(text: string, flags: FlagTable, source: string): string[] {
  const args: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, f] of Object.entries(flags)) if (f.short !== undefined) byShort.set(f.short, name);
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^[^\s=:]+/.exec(line);
    if (!m) throw usageError('-K', `${source}:${n + 1}: cannot read an option in ${JSON.stringify(line)}`);
    const word = m[0];
    const rest = line.slice(word.length).replace(/^[\s=:]+/, '');
    // A word without dashes is a long option's name; "-o" is a short one.
    const name = word.startsWith('--') ? word.slice(2) : word.startsWith('-') ? byShort.get(word.slice(1)) ?? word : word;
    const flag = flags[name];
    const arg = flag !== undefined ? `--${name}` : word.startsWith('-') ? word : `--${word}`;
    if (flag?.type === 'boolean') {
      args.push(arg);
      continue;
    }
    let value: string;
    if (rest.startsWith('"')) {
      value = '';
      let i = 1;
      for (; i < rest.length && rest[i] !== '"'; i++) {
        if (rest[i] === '\\' && i + 1 < rest.length) {
          const e = rest[++i]!;
          value += ESCAPES[e] ?? e;
        } else value += rest[i];
      }
      if (i >= rest.length) throw usageError('-K', `${source}:${n + 1}: unterminated quoted value for ${word}`);
    } else {
      value = /^\S*/.exec(rest)![0];
    }
    if (flag === undefined && value === '') args.push(arg);
    else args.push(arg, value);
  }
  return args;
}

/** The most -K files one run reads (a file may name another; a loop ends here). */
const MAX_CONFIG_FILES = 32;

/**
 * The arguments with every -K FILE / --config FILE replaced by what the file holds ("-" is stdin),
 * recursively.
 */
export function expandConfigArgs(args: readonly string[], flags: FlagTable, read: (path: string) => string = readConfigFile, depth = { files: 0 }): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    let file: string | undefined;
    if (a === '-K' || a === '--config') {
      file = args[++i];
      if (file === undefined) throw usageError(a, `${a} needs a file name`);
    } else if (a.startsWith('--config=')) file = a.slice('--config='.length);
    else if (a.startsWith('-K') && !a.startsWith('--')) file = a.slice(2);
    if (file === undefined) {
      out.push(a);
      // The value of another flag is taken as it is, even "-K".
      if (takesNextValue(a, flags) && i + 1 < args.length) out.push(args[++i]!);
      continue;
    }
    if (++depth.files > MAX_CONFIG_FILES) throw usageError('-K', `more than ${MAX_CONFIG_FILES} config files (does one read itself?)`);
    out.push(...expandConfigArgs(parseConfig(read(file), flags, file === '-' ? 'stdin' : file), flags, read, depth));
  }
  return out;
}

/** A config file that cannot be read is curl's exit 26. */
/** A flag (--name, -x, or a group -abx) whose value is the next argument. */
function takesNextValue(a: string, flags: FlagTable): boolean {
  if (a.startsWith('--')) return !a.includes('=') && flags[a.slice(2)]?.type === 'string';
  if (!/^-[^-]/.test(a)) return false;
  const letters = a.slice(1);
  for (const [i, l] of [...letters].entries()) {
    const f = Object.values(flags).find((x) => x.short === l);
    // A short flag that takes a value takes the rest of its group, or the next argument when it ends it.
    if (f?.type === 'string') return i === letters.length - 1;
  }
  return false;
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new HiperError('ERR_READ_CONFIG', `-K: cannot read the config file ${path}: ${(err as Error).message}`, { input: path, cause: err });
  }
}
