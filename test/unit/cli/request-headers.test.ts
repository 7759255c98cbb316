import assert from 'node:assert/strict';
import {
  basicAuthorization, buildRequestHeaders, headerArgs, parseHeaderArg, parseRange, parseUserFlag, urlCredentials, type HeaderArg, type RequestHeaderParts,
} from '../../../src/cli/request-headers.js';
import { thrownHiperError as expectCode } from '../../helpers/request-recorder.js';

const h = (s: string): HeaderArg => parseHeaderArg(s);
const base: RequestHeaderParts = { userAgent: 'hiper/1', accept: '*/*', custom: [] };

describe('cli request headers (-H, -A, -e, -u, -r)', () => {
  const parsed: Array<[string, HeaderArg]> = [
    ['X-A: 1', { name: 'X-A', value: '1', remove: false }],
    ['X-A:1 2 ', { name: 'X-A', value: '1 2', remove: false }],
    ['Accept:', { name: 'Accept', value: '', remove: true }],
    ['Accept:   ', { name: 'Accept', value: '', remove: true }],
    ['X-Empty;', { name: 'X-Empty', value: '', remove: false }],
    ['X-B: a;b', { name: 'X-B', value: 'a;b', remove: false }],
  ];
  for (const [arg, want] of parsed) {
    it(`-H ${JSON.stringify(arg)}`, () => assert.deepEqual(parseHeaderArg(arg), want));
  }
  for (const bad of ['NoColon', ': v', 'Host:']) {
    it(`-H ${JSON.stringify(bad)} is a usage error naming -H`, () => {
      const e = expectCode(() => parseHeaderArg(bad), 'ERR_INVALID_ARGUMENT');
      assert.equal(e.input, '-H');
    });
  }

  // The orders curl 7.88 writes (checked against it on the wire in request-wire.test.ts).
  const layouts: Array<[string, RequestHeaderParts, Array<[string, string]>]> = [
    ['defaults', base, [['User-Agent', 'hiper/1'], ['Accept', '*/*']]],
    ['all of curl\'s own, then -H', { ...base, authorization: 'Basic x', range: 'bytes=0-1', referer: 'http://r/', cookie: 'a=b', acceptEncoding: 'gzip', custom: [h('X-A: 1')] },
      [['Authorization', 'Basic x'], ['Range', 'bytes=0-1'], ['User-Agent', 'hiper/1'], ['Accept', '*/*'], ['Accept-Encoding', 'gzip'], ['Referer', 'http://r/'], ['Cookie', 'a=b'], ['X-A', '1']]],
    ['-H replaces a default at the -H position', { ...base, custom: [h('X-A: 1'), h('user-agent: me')] }, [['Accept', '*/*'], ['X-A', '1'], ['user-agent', 'me']]],
    ['-H "Accept:" removes it', { ...base, custom: [h('Accept:')] }, [['User-Agent', 'hiper/1']]],
    ['-H Host goes first', { ...base, custom: [h('X-A: 1'), h('Host: h.test')] }, [['Host', 'h.test'], ['User-Agent', 'hiper/1'], ['Accept', '*/*'], ['X-A', '1']]],
    ['a body: Content-Length then Content-Type, after -H', { ...base, custom: [h('X-A: 1')], contentLength: 3, contentType: 'application/x-www-form-urlencoded' },
      [['User-Agent', 'hiper/1'], ['Accept', '*/*'], ['X-A', '1'], ['Content-Length', '3'], ['Content-Type', 'application/x-www-form-urlencoded']]],
    ['-H Content-Type wins, -H "Content-Type:" removes', { ...base, custom: [h('Content-Type:')], contentLength: 1, contentType: 'x/y' },
      [['User-Agent', 'hiper/1'], ['Accept', '*/*'], ['Content-Length', '1']]],
    ['an empty header', { ...base, custom: [h('X-E;')] }, [['User-Agent', 'hiper/1'], ['Accept', '*/*'], ['X-E', '']]],
  ];
  for (const [name, parts, want] of layouts) {
    it(`layout: ${name}`, () => assert.deepEqual(buildRequestHeaders(parts), want));
  }

  it('-u user:pass is Basic, split at the first colon', () => {
    assert.deepEqual(parseUserFlag('u:p:q'), { user: 'u', password: 'p:q' });
    assert.equal(basicAuthorization('u', 'p'), 'Basic dTpw');
    assert.equal(basicAuthorization('us@er', 'p:ss'), 'Basic dXNAZXI6cDpzcw==');
  });
  it('-u without a password is a usage error (no prompt)', () => {
    const e = expectCode(() => parseUserFlag('user'), 'ERR_INVALID_ARGUMENT');
    assert.equal(e.input, '-u');
  });

  it('-H @file: one header a line, blank lines skipped', () => {
    assert.deepEqual(headerArgs('@f', () => 'A: 1\r\nB;\n\n  \nC:\n'), ['A: 1', 'B;', 'C:']);
    assert.deepEqual(headerArgs('X: @y', () => assert.fail()), ['X: @y']);
    assert.equal(expectCode(() => headerArgs('@/nonexistent/h'), 'ERR_INVALID_ARGUMENT').input, '-H');
  });

  const creds: Array<[string, ReturnType<typeof urlCredentials>]> = [
    ['http://h.test/a', { url: 'http://h.test/a' }],
    ['http://us%40er:p%3Ass@h.test:8080/a?b', { url: 'http://h.test:8080/a?b', user: 'us@er', password: 'p:ss' }],
    ['http://user@h.test/', { url: 'http://h.test/', user: 'user', password: '' }],
    ['not a url', { url: 'not a url' }],
  ];
  for (const [url, want] of creds) {
    it(`URL credentials: ${url}`, () => assert.deepEqual(urlCredentials(url), want));
  }

  for (const ok of ['0-499', '500-', '-500', '0-1,4-5', '0-0,-1']) {
    it(`-r ${ok}`, () => assert.equal(parseRange(ok), `bytes=${ok}`));
  }
  for (const bad of ['abc', '', '1', '1-2,', '--1', '1-2-3']) {
    it(`-r ${JSON.stringify(bad)} is a usage error`, () => assert.equal(expectCode(() => parseRange(bad), 'ERR_INVALID_ARGUMENT').input, '-r'));
  }
});
