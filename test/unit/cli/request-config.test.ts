import assert from 'node:assert/strict';
import { expandConfigArgs, parseConfig, type FlagTable } from '../../../src/cli/config-file.js';
import { GET_FLAGS } from '../../../src/cli/get-plan.js';
import { thrownHiperError } from '../../helpers/request-recorder.js';

const flags = GET_FLAGS as unknown as FlagTable;

describe('cli config file (-K)', () => {
  const vectors: Array<[string, string, string[]]> = [
    ['comments and blank lines', '# a comment\n\n   # another\n', []],
    ['--flag value', '--output out.txt', ['--output', 'out.txt']],
    ['flag = value', 'output = out.txt', ['--output', 'out.txt']],
    ['flag: value', 'header: "X-A: 1"', ['--header', 'X-A: 1']],
    ['flag value', 'user-agent me', ['--user-agent', 'me']],
    ['short flags', '-o out\n-s', ['--output', 'out', '--silent']],
    ['a boolean ignores what follows', 'silent\nlocation', ['--silent', '--location']],
    ['quoted with escapes', 'data = "a \\"b\\" \\\\ \\t\\n\\x"', ['--data', 'a "b" \\ \t\nx']],
    ['an unquoted value ends at a space', 'referer http://r/ trailing', ['--referer', 'http://r/']],
    ['url', 'url = "http://h/a"\nurl http://h/b', ['--url', 'http://h/a', '--url', 'http://h/b']],
    ['CRLF lines', 'silent\r\noutput=x\r\n', ['--silent', '--output', 'x']],
    ['an unknown option is passed on for the parser to refuse', 'bogus-flag 1', ['--bogus-flag', '1']],
  ];
  for (const [name, text, want] of vectors) {
    it(name, () => assert.deepEqual(parseConfig(text, flags, 'cfg'), want));
  }
  it('an unterminated quote is a usage error naming -K', () => {
    assert.equal(thrownHiperError(() => parseConfig('data "abc', flags, 'cfg'), 'ERR_INVALID_ARGUMENT').input, '-K');
  });
  it('-K is replaced where it stands, in every spelling, recursively', () => {
    const files: Record<string, string> = { a: 'silent\nconfig b', b: 'output = x', '-': 'url http://h/' };
    const read = (p: string): string => files[p] ?? assert.fail(p);
    assert.deepEqual(expandConfigArgs(['-v', '-K', 'a', 'u1', '--config=b', '-K-'], flags, read), ['-v', '--silent', '--output', 'x', 'u1', '--output', 'x', '--url', 'http://h/']);
    assert.deepEqual(expandConfigArgs(['--', '-K', 'a'], flags, read), ['--', '-K', 'a']);
    // "-K" as another flag's value is that value.
    assert.deepEqual(expandConfigArgs(['-d', '-K', '--data', '--config', '-sH', '-K', '-dx', '-K', 'b'], flags, read), ['-d', '-K', '--data', '--config', '-sH', '-K', '-dx', '--output', 'x']);
  });
  it('a file that reads itself ends with a usage error', () => {
    assert.equal(thrownHiperError(() => expandConfigArgs(['-K', 'self'], flags, () => '-K self'), 'ERR_INVALID_ARGUMENT').input, '-K');
  });
});
