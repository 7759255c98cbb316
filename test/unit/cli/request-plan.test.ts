import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plan } from '../../../src/cli/get-plan.js';
import { hiperVersion } from '../../../src/cli/version.js';
import { thrownHiperError } from '../../helpers/request-recorder.js';

const headersOf = (args: string[]): Array<[string, string]> => plan(args).transfer.headers as Array<[string, string]>;

describe('cli get plan: URLs, outputs, methods, request headers', () => {
  it('sends curl\'s defaults: User-Agent hiper/<version> and Accept */*', () => {
    assert.deepEqual(headersOf(['http://h/']), [['User-Agent', `hiper/${hiperVersion()}`], ['Accept', '*/*']]);
  });

  const urlCases: Array<[string, string[], string[]]> = [
    ['--url and positionals in the order given', ['http://h/1', '--url', 'http://h/2', 'http://h/3'], ['http://h/1', 'http://h/2', 'http://h/3']],
    ['no scheme: http:// is guessed', ['h.test:8080/a'], ['http://h.test:8080/a']],
    ['globs expand, each its own transfer', ['http://h/{a,b}'], ['http://h/a', 'http://h/b']],
    ['-g leaves brackets alone', ['-g', 'http://h/{a,b}'], ['http://h/{a,b}']],
    ['-G puts the data in the query', ['-G', '-d', 'a=1', '--data-urlencode', 'b=x y', 'http://h/p?z=1', 'http://h/q#f'], ['http://h/p?z=1&a=1&b=x+y', 'http://h/q?a=1&b=x+y#f']],
    ['credentials are taken out of the URL', ['http://u:p@h/'], ['http://h/']],
  ];
  for (const [name, args, want] of urlCases) {
    it(name, () => assert.deepEqual(plan(args).urls, want));
  }

  it('a flag takes the next argument even when it starts with a dash, as curl', () => {
    const p = plan(['-r', '-100', '-sd', '-x', '--user-agent', '-ua-', 'http://h/']);
    assert.deepEqual((p.transfer.headers as Array<[string, string]>).slice(0, 2), [['Range', 'bytes=-100'], ['User-Agent', '-ua-']]);
    assert.equal(String(p.data!()), '-x');
    assert.equal(p.values.silent, true);
  });

  const methodCases: Array<[string[], string[]]> = [
    [['http://h/'], ['GET']],
    [['-d', 'x', 'http://h/'], ['POST']],
    [['--json', '{}', 'http://h/'], ['POST']],
    [['-F', 'a=1', 'http://h/'], ['POST']],
    [['-G', '-d', 'x', 'http://h/'], ['GET']],
    [['-G', '-I', '-d', 'x', 'http://h/'], ['HEAD']],
    [['-X', 'PATCH', '-d', 'x', 'http://h/'], ['PATCH']],
  ];
  for (const [args, want] of methodCases) {
    it(`method of ${args.join(' ')}`, () => assert.deepEqual(plan(args).methods, want));
  }

  it('-o and -O go to the URLs in order; -o #N per glob URL; --output-dir in front', () => {
    assert.deepEqual(plan(['http://h/[1-2]', '-o', 'f#1', '-O', 'http://h/d/x.txt?q', 'http://h/last']).outputs, ['f1', 'f2', 'x.txt']);
    assert.deepEqual(plan(['--remote-name-all', 'http://h/a', 'http://h/b/c', '-o', '-']).outputs, ['-', 'c']);
    assert.deepEqual(plan(['--output-dir', 'out/', '-O', '-o', 'n', 'http://h/a', 'http://h/b']).outputs, ['out/a', 'out/n']);
  });
  it('-O on a URL without a file name is curl\'s exit 23', () => {
    const e = thrownHiperError(() => plan(['-O', 'http://h/']), 'ERR_WRITE_OUTPUT');
    assert.equal(e.exitCode, 23);
    assert.match(e.message, /Remote file name has no length!/);
  });
  it('--create-dirs makes the folders of the outputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hiper-create-dirs-'));
    plan(['--create-dirs', '-o', join(dir, 'a/b/c.txt'), 'http://h/']);
    assert.ok(statSync(join(dir, 'a/b')).isDirectory());
    assert.ok(!existsSync(join(dir, 'a/b/c.txt')));
  });

  it('-u and URL credentials: Basic, -u wins, in plan.authorization and the headers', () => {
    const p = plan(['-u', 'a:b', 'http://u:p@h/']);
    assert.equal(p.authorization, 'Basic YTpi');
    assert.equal(p.requests[0]!.authorization, 'Basic YTpi');
    assert.deepEqual(p.requests[0]!.headers[0], ['Authorization', 'Basic YTpi']);
    const q = plan(['http://us%40er:p%3Ass@h/', 'http://h/other']);
    assert.equal(q.authorization, undefined);
    assert.deepEqual(q.requests.map((r) => r.authorization), ['Basic dXNAZXI6cDpzcw==', undefined]);
  });

  it('--json: its body and the JSON Content-Type and Accept, -H wins', async () => {
    const p = plan(['--json', '{"a":', '--json', '1}', 'http://h/']);
    assert.equal(String(p.data!()), '{"a":1}');
    assert.deepEqual(p.transfer.headers, [['User-Agent', `hiper/${hiperVersion()}`], ['Content-Type', 'application/json'], ['Accept', 'application/json'], ['Content-Length', '7']]);
    const q = plan(['--json', '1', '-H', 'Accept: text/x', 'http://h/']);
    assert.deepEqual((q.transfer.headers as Array<[string, string]>).filter(([n]) => /^(accept|content-type)$/i.test(n)), [['Accept', 'text/x'], ['Content-Type', 'application/json']]);
    assert.equal(q.values.json instanceof Array, true);
  });

  it('-e sets Referer; -e "URL;auto" also asks for it on redirects', () => {
    assert.deepEqual((plan(['-e', 'http://r/', 'http://h/']).transfer.headers as Array<[string, string]>).at(-1), ['Referer', 'http://r/']);
    const p = plan(['-e', 'http://r/;auto', 'http://h/']);
    assert.equal(p.autoReferer, true);
    assert.deepEqual((p.transfer.headers as Array<[string, string]>).at(-1), ['Referer', 'http://r/']);
    const q = plan(['-e', ';auto', 'http://h/']);
    assert.equal((q.transfer.headers as Array<[string, string]>).some(([n]) => n === 'Referer'), false);
  });

  it('--http1.0: HTTP/1.0 request lines over http/1.1 connections', () => {
    const p = plan(['--http1.0', 'http://h/']);
    assert.equal(p.transfer.httpVersion, '1.0');
    assert.equal(p.multi?.httpVersion, '1.1');
  });

  it('-K inserts its options where it stands', () => {
    const cfg = join(mkdtempSync(join(tmpdir(), 'hiper-k-')), 'cfg');
    writeFileSync(cfg, '# two URLs and an output\nurl = "http://h/k"\n-o out\nheader: "X-K: a b"\n');
    const p = plan(['http://h/first', '-K', cfg, 'http://h/last']);
    assert.deepEqual(p.urls, ['http://h/first', 'http://h/k', 'http://h/last']);
    assert.deepEqual(p.outputs, ['out']);
    assert.deepEqual((p.transfer.headers as Array<[string, string]>).at(-1), ['X-K', 'a b']);
  });

  const usage: Array<[string[], string]> = [
    [['-F', 'a=1', '-d', 'b', 'http://h/'], '-F'],
    [['-F', 'a=1', '-T', 'f', 'http://h/'], '-T'],
    [['-I', '-d', 'b', 'http://h/'], '-I'],
    [['--http1.0', '--http2', 'http://h/'], '--http2'],
    [['-u', 'nopass', 'http://h/'], '-u'],
    [['-r', 'x', 'http://h/'], '-r'],
    [['-o', 'a', '-O', 'http://h/a'], '-o'],
    [['--json'], '--json'],
  ];
  for (const [args, input] of usage) {
    it(`${args.join(' ')}: usage error naming ${input}`, () => {
      assert.equal(thrownHiperError(() => plan(args), 'ERR_INVALID_ARGUMENT').input, input);
    });
  }
  it('a bad glob is ERR_INVALID_URL (exit 3)', () => {
    assert.equal(thrownHiperError(() => plan(['http://h/[1-']), 'ERR_INVALID_URL').exitCode, 3);
  });
});
