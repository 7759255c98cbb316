/** The README test's pure parts: block extraction, sh command lines, block roles and output matching. */
import assert from 'node:assert/strict';
import { extractBlocks, outputMismatch, parseShellCommands, roleOf, type Block } from '../../helpers/readme.js';

const F = '```';

describe('README blocks: extractBlocks', () => {
  const cases: Array<[string, string, Array<Pick<Block, 'n' | 'lang' | 'code' | 'section' | 'line'>>]> = [
    ['no blocks', '# T\n\ntext only\n', []],
    ['one block under its heading', `# T\n## Use it\n\n${F}js\nconsole.log(1);\n${F}\n`, [{ n: 1, lang: 'js', code: 'console.log(1);', section: 'Use it', line: 4 }]],
    ['# lines inside a block are not headings', `## A\n${F}sh\n# in your project\nnpm install x\n${F}\n${F}text\nok\n${F}\n`, [
      { n: 1, lang: 'sh', code: '# in your project\nnpm install x', section: 'A', line: 2 },
      { n: 2, lang: 'text', code: 'ok', section: 'A', line: 6 },
    ]],
    ['a block without a language, an empty block, numbering across sections', `## A\n${F}\nx\n${F}\n### B ##\n${F}text\n${F}\n`, [
      { n: 1, lang: '', code: 'x', section: 'A', line: 2 },
      { n: 2, lang: 'text', code: '', section: 'B', line: 6 },
    ]],
    ['a shorter fence inside a longer one is content', `## A\n${F}\`text\n${F}\n${F}\`\n`, [{ n: 1, lang: 'text', code: F, section: 'A', line: 2 }]],
  ];
  for (const [name, markdown, want] of cases) {
    it(name, () => assert.deepEqual(extractBlocks(markdown), want));
  }

  it('an unclosed block is an error naming its line', () => {
    assert.throws(() => extractBlocks(`## A\n\n${F}js\nx\n`), /opened on line 3 is never closed/);
  });
});

describe('README blocks: parseShellCommands', () => {
  const cases: Array<[string, string, ReturnType<typeof parseShellCommands>]> = [
    ['&& splits commands, a trailing comment is dropped', 'npm install && npm pack   # builds it', [{ words: ['npm', 'install'] }, { words: ['npm', 'pack'] }]],
    ['"# in PLACE" sets the place of the commands below it', '# in a checkout of hiper\nnpm pack\n# in your project:\nnpm install /p/hiper-0.1.0.tgz', [
      { place: 'a checkout of hiper', words: ['npm', 'pack'] },
      { place: 'your project', words: ['npm', 'install', '/p/hiper-0.1.0.tgz'] },
    ]],
    ['quotes keep words together, # inside a word or quotes is not a comment', `npx hiper get -w '%{url} #1\\n' a#b "x y"`, [
      { words: ['npx', 'hiper', 'get', '-w', '%{url} #1\\n', 'a#b', 'x y'] },
    ]],
    ['other comments and blank lines are nothing', '# just a note\n\n   \n', []],
  ];
  for (const [name, code, want] of cases) {
    it(name, () => assert.deepEqual(parseShellCommands(code), want));
  }
});

describe('README blocks: roleOf', () => {
  const block = (lang: string, code: string): Block => ({ n: 1, lang, code, section: 'S', line: 1 });
  const cases: Array<[string, Block, Block | undefined, string]> = [
    ['js is an ES module', block('js', "import 'hiper';"), undefined, 'esm'],
    ['js starting with // CommonJS is CommonJS', block('js', "// CommonJS\nrequire('hiper');"), undefined, 'cjs'],
    ['sh of npx hiper lines is run', block('sh', 'npx hiper ifaces\nnpx hiper -V'), undefined, 'hiper-commands'],
    ['sh of npm lines is checked', block('sh', '# in your project\nnpm install undici@7'), undefined, 'npm-commands'],
    ['sh mixing both is refused', block('sh', 'npm install\nnpx hiper ifaces'), undefined, 'invalid'],
    ['sh with a bare hiper command is refused (not on PATH in a project)', block('sh', 'hiper ifaces'), undefined, 'invalid'],
    ['text after a runnable block is its output', block('text', 'x'), block('js', ''), 'output'],
    ['text after an npm block is refused', block('text', 'x'), block('sh', 'npm test'), 'invalid'],
    ['ts is refused (Node 20 cannot run it)', block('ts', 'const a: number = 1;'), undefined, 'invalid'],
  ];
  for (const [name, b, previous, kind] of cases) {
    it(name, () => assert.equal(roleOf(b, previous).kind, kind));
  }
});

describe('README blocks: outputMismatch', () => {
  const cases: Array<[string, string, string, string | undefined]> = [
    ['equal text', 'a\nb', 'a\nb\n', undefined],
    ['… stands for any run of characters on its line', 'port …, in … ms', 'port 40000, in 1.5 ms', undefined],
    ['… may stand for nothing', 'x…y', 'xy', undefined],
    ['… does not cross lines', 'a…', 'a\nb', 'line 2: expected no more output, got "b"'],
    ['regular expression characters are literal', '[ 1 ] (x) *.?', '[ 1 ] (x) *.?', undefined],
    ['a differing line is named', 'a\nb', 'a\nc', 'line 2: expected "b", got "c"'],
    ['missing output is named', 'a\nb', 'a', 'line 2: expected "b", got no more output'],
    ['trailing white space does not count', 'a  \n', 'a\n\n', undefined],
  ];
  for (const [name, expected, actual, want] of cases) {
    it(name, () => assert.equal(outputMismatch(expected, actual), want));
  }
});
