import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formBody, formLayout, guessType, newBoundary, parseFormArg, type FormField } from '../../../src/cli/form.js';
import { thrownHiperError } from '../../helpers/request-recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'hiper-request-form-'));
const file = join(dir, 'a.txt');
writeFileSync(file, 'file body\n');
const text = join(dir, 'text');
writeFileSync(text, 'from a file');

async function bytesOf(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe('cli request form (-F)', () => {
  const parsed: Array<[string, FormField]> = [
    ['a=1', { name: 'a', value: '1', source: 'text' }],
    ['a=x;y', { name: 'a', value: 'x;y', source: 'text' }],
    ['a=v;type=text/foo', { name: 'a', value: 'v', source: 'text', type: 'text/foo' }],
    ['f=@/p/x.bin', { name: 'f', value: '/p/x.bin', source: 'file' }],
    ['f=@/p/x.bin;type=image/png;filename=y.png', { name: 'f', value: '/p/x.bin', source: 'file', type: 'image/png', filename: 'y.png' }],
    ['f=@"/p/a;b.txt";filename="n \\"q\\""', { name: 'f', value: '/p/a;b.txt', source: 'file', filename: 'n "q"' }],
    ['c=</p/text', { name: 'c', value: '/p/text', source: 'contents' }],
  ];
  for (const [arg, want] of parsed) {
    it(`-F ${JSON.stringify(arg)}`, () => assert.deepEqual(parseFormArg(arg), want));
  }
  it('--form-string takes the value as it is', () => {
    assert.deepEqual(parseFormArg('a=@x;type=y', true), { name: 'a', value: '@x;type=y', source: 'text' });
  });
  for (const bad of ['noequals', '=v', 'f=@x;bogus=1', 'f=@"open']) {
    it(`-F ${JSON.stringify(bad)} is a usage error naming -F`, () => assert.equal(thrownHiperError(() => parseFormArg(bad), 'ERR_INVALID_ARGUMENT').input, '-F'));
  }
  it('curl\'s boundary shape and type guesses', () => {
    assert.match(newBoundary(), /^-{24}[0-9a-f]{16}$/);
    assert.equal(guessType('x.TXT'), 'text/plain');
    assert.equal(guessType('x.jpeg'), 'image/jpeg');
    assert.equal(guessType('x'), 'application/octet-stream');
  });

  it('lays out parts as curl 7.88 does, and streams the files with the announced size', async () => {
    const fields = ['a=1', `f=@${file}`, `t=<${text};type=text/x`, 'q=a"b'].map((a) => parseFormArg(a));
    const b = '------------------------0123456789abcdef';
    const want = [
      `--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n`,
      `--${b}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile body\n\r\n`,
      `--${b}\r\nContent-Disposition: form-data; name="t"\r\nContent-Type: text/x\r\n\r\nfrom a file\r\n`,
      `--${b}\r\nContent-Disposition: form-data; name="q"\r\n\r\na"b\r\n`,
      `--${b}--\r\n`,
    ].join('');
    const body = formBody(fields, undefined, b);
    assert.equal(body.contentType, `multipart/form-data; boundary=${b}`);
    assert.equal(body.size, Buffer.byteLength(want));
    assert.equal((await bytesOf(body.body())).toString(), want);
    // A fresh stream for each transfer.
    assert.equal((await bytesOf(body.body())).toString(), want);
    // The file is a piece of its own: read as the body is sent, not held.
    assert.ok(formLayout(fields, b).some((p) => 'path' in p && p.path === file && p.size === 10));
  });
  it('a file that is not there is curl\'s exit 26 before anything is sent', () => {
    assert.equal(thrownHiperError(() => formBody([parseFormArg(`f=@${dir}/none`)]), 'ERR_READ_BODY').exitCode, 26);
    assert.equal(thrownHiperError(() => formBody([parseFormArg(`f=<${dir}/none`)]), 'ERR_READ_BODY').exitCode, 26);
    thrownHiperError(() => formBody([parseFormArg(`f=@${dir}`)]), 'ERR_READ_BODY');
  });
});
