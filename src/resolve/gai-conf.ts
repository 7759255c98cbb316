/**
 * The policy table of /etc/gai.conf, as glibc reads it: `precedence PREFIX/LEN VALUE` and
 * `label PREFIX/LEN VALUE` lines. Any `precedence` line replaces the whole default precedence table,
 * any `label` line the whole default label table (glibc's rule); other keywords (reload, scopev4) and
 * comments are left alone. A line that cannot be read is reported, never guessed at.
 */
import { readFileSync } from 'node:fs';
import { HiperError } from '../shared/errors.js';
import { DEFAULT_POLICY, byLongestPrefix, parsePrefix, type PolicyEntry, type PolicyTable } from '../shared/address-policy.js';

export interface GaiConf {
  /** The table gai.conf makes (the default where it says nothing). */
  policy: PolicyTable;
  /** Lines that were not understood: `line N: text`. */
  problems: string[];
}

export function parseGaiConf(text: string): GaiConf {
  const precedence: PolicyEntry[] = [];
  const label: PolicyEntry[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [keyword, prefix, value, ...rest] = line.split(/\s+/);
    if (keyword !== 'precedence' && keyword !== 'label') return;
    const p = prefix !== undefined ? parsePrefix(prefix) : undefined;
    if (!p || value === undefined || !/^\d+$/.test(value) || rest.length > 0) {
      problems.push(`line ${i + 1}: ${raw.trim()}`);
      return;
    }
    (keyword === 'precedence' ? precedence : label).push({ ...p, value: Number(value) });
  });
  return {
    policy: {
      precedence: precedence.length > 0 ? byLongestPrefix(precedence) : DEFAULT_POLICY.precedence,
      label: label.length > 0 ? byLongestPrefix(label) : DEFAULT_POLICY.label,
    },
    problems,
  };
}

let system: PolicyTable | undefined;

/** This host's policy table: /etc/gai.conf's, read once; the RFC's default when there is none. */
export function systemPolicy(path = '/etc/gai.conf'): PolicyTable {
  if (path !== '/etc/gai.conf') return readPolicy(path);
  return (system ??= readPolicy(path));
}

function readPolicy(path: string): PolicyTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return DEFAULT_POLICY;
  }
  return parseGaiConf(text).policy;
}

/**
 * The policy table of a gai.conf-format file given by name (ResolveOptions.addressSelection.gaiConf,
 * `hiper --gai-conf FILE`): unlike /etc/gai.conf, a file that cannot be read or has a line that cannot
 * be read is an error naming the file and the line.
 */
export function gaiConfPolicy(path: string): PolicyTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `cannot read the gai.conf file ${path}: ${(err as Error).message}`, { input: path, cause: err });
  }
  const conf = parseGaiConf(text);
  if (conf.problems.length > 0) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `${path}: not a precedence/label line (KEYWORD PREFIX/LEN VALUE): ${conf.problems.join('; ')}`, { input: path, details: { problems: conf.problems } });
  }
  return conf.policy;
}
