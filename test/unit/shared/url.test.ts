import assert from 'node:assert/strict';
import { parseTargetUrl, connectHost, HiperError } from '../../../src/shared/index.js';

describe('request URLs with zone ids', () => {
  const cases: Array<[string, Partial<ReturnType<typeof parseTargetUrl>> & { connect: string }]> = [
    ['http://example.test/a?b=1', { scheme: 'http', hostname: 'example.test', port: 80, path: '/a?b=1', authority: 'example.test', connect: 'example.test' }],
    ['https://example.test:8443', { scheme: 'https', port: 8443, path: '/', authority: 'example.test:8443', connect: 'example.test' }],
    ['http://[2001:db8::1]:8080/x', { hostname: '2001:db8::1', port: 8080, authority: '[2001:db8::1]:8080', connect: '2001:db8::1' }],
    ['http://[fe80::1%25eth0]:8080/', { hostname: 'fe80::1', zone: 'eth0', port: 8080, authority: '[fe80::1]:8080', connect: 'fe80::1%eth0', href: 'http://[fe80::1%25eth0]:8080/' }],
    ['http://[fe80::1%eth0]/', { hostname: 'fe80::1', zone: 'eth0', port: 80, authority: '[fe80::1]', connect: 'fe80::1%eth0' }],
    ['http://[FE80::A%253]/p', { hostname: 'fe80::a', zone: '3', path: '/p', connect: 'fe80::a%3' }],
    ['http://user@[fe80::1%25h1]:81/', { hostname: 'fe80::1', zone: 'h1', port: 81, connect: 'fe80::1%h1' }],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${text}`, () => {
      const t = parseTargetUrl(text);
      const { connect, ...fields } = expected;
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(t[k as keyof typeof t], v, k);
      assert.equal(connectHost(t), connect);
    });
  }
  const bad: Array<[string, RegExp]> = [
    ['not-a-url', /invalid URL/],
    ['ftp://example.test/', /unsupported scheme "ftp:"/],
    ['http://[fe80::1%25a b]/', /holds a space/],
    ['http://[fe80::1%25a+b]/', /invalid zone id/],
    ['http://[fe80::1%25]/', /invalid zone id/],
    // Characters a URL parser drops or re-encodes without a word: refused, never rewritten.
    ['http://example.test/a\r\nX-Injected: 1', /holds CR at offset 21/],
    ['http://example.test/a\nb', /holds LF at offset 21/],
    ['http://exam\tple.test/', /holds TAB at offset 11/],
    [' http://example.test/', /holds a space \(percent-encode it as %20\) at offset 0/],
    ['http://example.test/a b', /holds a space/],
    ['http://example.test/\u0000', /U\+0000/],
    ['http://example.test/\u007f', /U\+007F/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${text}`, () => assert.throws(() => parseTargetUrl(text), (e: unknown) =>
      e instanceof HiperError && e.code === 'ERR_INVALID_URL' && e.input === text && message.test(e.message)));
  }
});
