import assert from 'node:assert/strict';
import { expandGlob, substituteOutput } from '../../../src/cli/glob.js';
import { thrownHiperError } from '../../helpers/request-recorder.js';

const urls = (u: string): string[] => expandGlob(u).map((e) => e.url);

describe('cli URL globbing', () => {
  const vectors: Array<[string, string[]]> = [
    ['http://h/a', ['http://h/a']],
    ['http://h/[1-3]', ['http://h/1', 'http://h/2', 'http://h/3']],
    ['http://h/[08-10]', ['http://h/08', 'http://h/09', 'http://h/10']],
    ['http://h/[1-10:4]', ['http://h/1', 'http://h/5', 'http://h/9']],
    ['http://h/[a-e:2]', ['http://h/a', 'http://h/c', 'http://h/e']],
    ['http://h/{a,b}[1-2]', ['http://h/a1', 'http://h/a2', 'http://h/b1', 'http://h/b2']],
    ['http://h/{a,}', ['http://h/a', 'http://h/']],
    ['http://h/\\{x\\}', ['http://h/{x}']],
    ['http://[::1]:80/[1-2]', ['http://[::1]:80/1', 'http://[::1]:80/2']],
    ['http://[fe80::1%25eth0]/', ['http://[fe80::1%25eth0]/']],
  ];
  for (const [url, want] of vectors) {
    it(url, () => assert.deepEqual(urls(url), want));
  }
  it('records each glob\'s text for -o #N', () => {
    assert.deepEqual(expandGlob('http://h/{a,b}/[1-2]').map((e) => e.parts), [['a', '1'], ['a', '2'], ['b', '1'], ['b', '2']]);
    assert.equal(substituteOutput('f_#1_#2.txt', ['a', '1']), 'f_a_1.txt');
    assert.equal(substituteOutput('f_#1_#2#x', ['3']), 'f_3_#2#x');
  });
  // curl's messages and positions (exit 3).
  const bad: Array<[string, RegExp]> = [
    ['http://127.0.0.1:18081/[1-3', /^bad range in URL position/],
    ['http://127.0.0.1:18081/{a,b', /^unmatched brace in URL position 24:/],
    ['http://127.0.0.1:18081/[3-1]', /^bad range in URL position 29:/],
    ['http://127.0.0.1:18081/[a-3]', /^bad range/],
    ['http://127.0.0.1:18081/[1-5:0]', /^bad range/],
    ['http://127.0.0.1:18081/{}', /^empty string within braces in URL position 25:/],
    ['http://127.0.0.1:18081/x]', /^unmatched close brace\/bracket in URL position 25:/],
    ['http://127.0.0.1:18081/{a,{b}}', /^nested brace in URL position 27:/],
    ['http://h/[1-1000000][1-1000000]', /more than 100000 URLs/],
  ];
  for (const [url, message] of bad) {
    it(`${url} is ERR_INVALID_URL (exit 3)`, () => {
      const e = thrownHiperError(() => expandGlob(url), 'ERR_INVALID_URL');
      assert.match(e.message, message);
      assert.equal(e.exitCode, 3);
    });
  }
  it('shows where, under the URL, as curl does', () => {
    const e = thrownHiperError(() => expandGlob('http://127.0.0.1:18081/{a,{b}}'), 'ERR_INVALID_URL');
    assert.equal(e.message, 'nested brace in URL position 27:\nhttp://127.0.0.1:18081/{a,{b}}\n                          ^');
  });
});
