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
    ['not a url', /invalid URL/],
    ['ftp://example.test/', /unsupported scheme "ftp:"/],
    ['http://[fe80::1%25a b]/', /invalid/],
    ['http://[fe80::1%25]/', /invalid zone id/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${text}`, () => assert.throws(() => parseTargetUrl(text), (e: unknown) =>
      e instanceof HiperError && e.code === 'ERR_INVALID_URL' && e.input === text && message.test(e.message)));
  }
});
