/**
 * README.md's code blocks and what the README test does with them. Pure functions: the test reads the
 * file, these take its text.
 *
 *   ```js    an ES module run with Node as it is (a first line `// CommonJS` makes it a .cjs program)
 *   ```sh    commands: `npx hiper ...` lines are run in the consumer project; `npm ...` lines are
 *            install or development commands, checked against what the tests perform
 *   ```text  what the runnable block before it prints; `…` stands for any run of characters on its line
 */

export interface Block {
  /** 1-based, in README order, counting every fenced block. */
  n: number;
  /** The info string's first word: js, sh, text, or '' for none. */
  lang: string;
  /** The block's lines, joined with \n, without the fences. */
  code: string;
  /** The nearest heading above the block. */
  section: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced code blocks of a Markdown text, in order. Lines starting with # inside a block are not headings. */
export function extractBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let section = '';
  let open: { fence: string; lang: string; line: number; body: string[] } | undefined;
  lines.forEach((text, i) => {
    if (open) {
      if (text.trimEnd() === open.fence) {
        blocks.push({ n: blocks.length + 1, lang: open.lang, code: open.body.join('\n'), section, line: open.line });
        open = undefined;
      } else {
        open.body.push(text);
      }
      return;
    }
    const fence = /^(`{3,})\s*([^\s`]*)/.exec(text);
    if (fence) {
      open = { fence: fence[1]!, lang: fence[2]!, line: i + 1, body: [] };
      return;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading) section = heading[1]!;
  });
  if (open) throw new Error(`the code block opened on line ${open.line} is never closed`);
  return blocks;
}

/** One command line of a ```sh block. */
export interface ShellCommand {
  /** Set by a comment line "# in PLACE" above it, e.g. "a checkout of hiper", "your project". */
  place?: string;
  /** The words, unquoted; one command per `&&`-separated part of a line. */
  words: string[];
}

/** Splits a command line into words (single and double quotes kept together) and drops a trailing # comment. */
function words(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  let quote: string | undefined;
  const end = (): void => {
    if (word !== undefined) commands[commands.length - 1]!.push(word);
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      end();
    } else if (c === '#' && word === undefined) {
      break;
    } else if (c === '&' && line[i + 1] === '&') {
      end();
      commands.push([]);
      i++;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} in: ${line}`);
  end();
  return commands.filter((c) => c.length > 0);
}

/** The commands of a ```sh block, each with the place a "# in PLACE" comment line gave it. */
export function parseShellCommands(code: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  let place: string | undefined;
  for (const line of code.split('\n')) {
    const comment = /^\s*#\s*(.*)$/.exec(line);
    if (comment) {
      const at = /^in (.+?)[:.]?$/.exec(comment[1]!);
      if (at) place = at[1]!;
      continue;
    }
    for (const w of words(line)) out.push({ ...(place === undefined ? {} : { place }), words: w });
  }
  return out;
}

/** What the README test does with a block. */
export type BlockRole =
  | { kind: 'esm' | 'cjs' }
  /** `npx hiper ...` commands, run with sh in the consumer project. */
  | { kind: 'hiper-commands' }
  /** `npm ...` commands: installing hiper, or developing it. */
  | { kind: 'npm-commands'; commands: ShellCommand[] }
  /** The expected output of the runnable block before it. */
  | { kind: 'output' }
  | { kind: 'invalid'; why: string };

export function roleOf(block: Block, previous: Block | undefined): BlockRole {
  switch (block.lang) {
    case 'js':
      return { kind: /^\/\/ CommonJS\s*$/.test(block.code.split('\n')[0]!) ? 'cjs' : 'esm' };
    case 'text': {
      const before = previous && roleOf(previous, undefined).kind;
      return before === 'esm' || before === 'cjs' || before === 'hiper-commands'
        ? { kind: 'output' }
        : { kind: 'invalid', why: 'a text block must follow a runnable block (js, or sh with npx hiper commands)' };
    }
    case 'sh': {
      const commands = parseShellCommands(block.code);
      if (commands.length === 0) return { kind: 'invalid', why: 'an sh block without commands' };
      if (commands.every((c) => c.words[0] === 'npx' && c.words[1] === 'hiper')) return { kind: 'hiper-commands' };
      if (commands.every((c) => c.words[0] === 'npm')) return { kind: 'npm-commands', commands };
      return { kind: 'invalid', why: 'an sh block must hold only `npx hiper ...` commands or only `npm ...` commands' };
    }
    default:
      return { kind: 'invalid', why: `a block of language "${block.lang}": only js, sh and text blocks are run or checked` };
  }
}

/**
 * Whether output matches an expected text block, line by line; `…` in an expected line stands for any
 * run of characters (none included) on that line. Trailing white space and final newlines are ignored.
 * Returns undefined on a match, else what differs first.
 */
export function outputMismatch(expected: string, actual: string): string | undefined {
  const lines = (s: string): string[] => s.replace(/\s+$/, '').split('\n').map((l) => l.trimEnd());
  const want = lines(expected);
  const got = lines(actual);
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    const w = want[i];
    const g = got[i];
    if (w === undefined) return `line ${i + 1}: expected no more output, got ${JSON.stringify(g)}`;
    if (g === undefined) return `line ${i + 1}: expected ${JSON.stringify(w)}, got no more output`;
    const pattern = new RegExp(`^${w.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    if (!pattern.test(g)) return `line ${i + 1}: expected ${JSON.stringify(w)}, got ${JSON.stringify(g)}`;
  }
  return undefined;
}
