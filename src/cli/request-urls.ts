/**
 * The URLs of `hiper get` and where each one's body goes, as curl orders them: URLs (positionals and
 * --url) in the order given; each -o or -O, in order, goes to the next URL (--remote-name-all gives -O
 * to the rest); a globbed URL is its URLs, each its own transfer, all with that URL's -o (its #N
 * replaced by glob N's text) and -T. --output-dir goes in front of -o and -O file names.
 */
import { HiperError } from '../shared/errors.js';
import type { OptionToken } from './args.js';
import { expandGlob, substituteOutput } from './glob.js';
import { guessScheme } from './url-guess.js';

/** Where one URL's body goes: a file named by -o ('-': stdout), or -O's name taken from the URL. */
export type OutputSpec = { file: string } | { remote: true };

/** One transfer: its URL (scheme guessed, glob expanded), its output file and its -T file. */
export interface Target {
  url: string;
  output?: string;
  upload?: string;
}

export interface TargetOptions {
  globoff: boolean;
  remoteNameAll: boolean;
  outputDir?: string;
  /** -T per URL as given (before globbing). */
  uploads: readonly string[];
}

/** URLs (positional arguments and --url) in command-line order. */
export function orderedUrls(tokens: readonly OptionToken[]): string[] {
  return tokens.filter((t) => (t.name === '' || t.name === 'url') && t.value !== undefined).map((t) => t.value!);
}

/** -o and -O in command-line order. */
export function outputSpecs(tokens: readonly OptionToken[]): OutputSpec[] {
  const out: OutputSpec[] = [];
  for (const t of tokens) {
    if (t.name === 'output') out.push({ file: t.value ?? '' });
    else if (t.name === 'remote-name') out.push({ remote: true });
  }
  return out;
}

/** -O's file name: the last segment of the URL's path; none is curl's exit 23. */
export function remoteName(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.replace(/[?#].*$/s, '');
  }
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === '') throw new HiperError('ERR_WRITE_OUTPUT', `Remote file name has no length! (-O needs a URL whose path ends in a file name: ${url})`, { input: url });
  return name;
}

/** The transfers for the URLs and outputs given, in order. */
export function expandTargets(urls: readonly string[], outputs: readonly OutputSpec[], o: TargetOptions): Target[] {
  const targets: Target[] = [];
  for (const [i, given] of urls.entries()) {
    const spec = outputs[i] ?? (o.remoteNameAll ? { remote: true as const } : undefined);
    const expanded = o.globoff ? [{ url: given, parts: [] as string[] }] : expandGlob(given);
    for (const e of expanded) {
      const url = guessScheme(e.url);
      const t: Target = { url };
      if (spec !== undefined) {
        const name = 'remote' in spec ? remoteName(url) : substituteOutput(spec.file, e.parts);
        t.output = name === '-' || o.outputDir === undefined ? name : `${o.outputDir.replace(/\/+$/, '')}/${name}`;
      }
      if (o.uploads[i] !== undefined) t.upload = o.uploads[i];
      targets.push(t);
    }
  }
  return targets;
}
