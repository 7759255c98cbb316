/**
 * The cookie jar (cookie-jar.ts) as tables: Set-Cookie parsing, RFC 6265 matching (host-only and
 * domain cookies, paths, Secure, expiry), curl's Cookie order, and curl's Netscape file read and
 * written (a file written by curl 7.88 loads; what the jar writes, curl's own code reads the same).
 */
import assert from 'node:assert/strict';
import { CookieJar, JAR_HEADER, defaultPath, domainMatch, netscapeLine, parseNetscapeLine, parseSetCookie, pathMatch } from '../../../src/cli/cookie-jar.js';

const NOW = 2_000_000_000;

describe('cookie jar', () => {
  const domains: Array<[string, string, boolean]> = [
    ['example.com', 'example.com', true],
    ['www.example.com', 'example.com', true],
    ['a.b.example.com', 'example.com', true],
    ['badexample.com', 'example.com', false],
    ['example.com', 'www.example.com', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '0.0.1', false],
  ];
  for (const [host, domain, want] of domains) it(`domain-match ${host} / ${domain}: ${want}`, () => assert.equal(domainMatch(host, domain), want));

  const paths: Array<[string, string, boolean]> = [
    ['/', '/', true], ['/a/b', '/a', true], ['/a/b', '/a/', true], ['/ab', '/a', false], ['/a', '/a/b', false], ['/anything', '/', true],
  ];
  for (const [req, cookie, want] of paths) it(`path-match ${req} / ${cookie}: ${want}`, () => assert.equal(pathMatch(req, cookie), want));

  const defaults: Array<[string, string]> = [['/', '/'], ['/a', '/'], ['/a/b', '/a'], ['/a/b/', '/a/b'], ['', '/']];
  for (const [p, want] of defaults) it(`default-path of ${JSON.stringify(p)} is ${want}`, () => assert.equal(defaultPath(p), want));

  it('parses Set-Cookie attributes; Max-Age wins over Expires', () => {
    const c = parseSetCookie('id=a3f; Domain=.Example.COM; Path=/docs; Secure; HttpOnly; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=60', NOW)!;
    assert.deepEqual(c, { name: 'id', value: 'a3f', domain: 'example.com', path: '/docs', secure: true, httpOnly: true, expires: NOW + 60 });
    assert.equal(parseSetCookie('x=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT', NOW)!.expires, 1623233894);
    assert.equal(parseSetCookie('x=1', NOW)!.expires, 0);
    assert.equal(parseSetCookie('novalue', NOW), undefined);
    assert.equal(parseSetCookie('=v', NOW), undefined);
  });

  // [Set-Cookie, from url, taken]
  const takes: Array<[string, string, boolean]> = [
    ['a=1', 'http://www.example.com/', true],
    ['a=1; Domain=example.com', 'http://www.example.com/', true],
    ['a=1; Domain=other.com', 'http://www.example.com/', false],
    ['a=1; Domain=www.example.com', 'http://example.com/', false],
    ['a=1; Secure', 'http://www.example.com/', false],
    ['a=1; Secure', 'https://www.example.com/', true],
    ['a=1; Secure', 'http://localhost/', true],
    ['a=1; Secure', 'http://127.0.0.1/', true],
  ];
  for (const [header, from, want] of takes) {
    it(`${header} from ${from}: ${want ? 'taken' : 'refused'}`, () => assert.equal(new CookieJar().setCookie(header, new URL(from), NOW), want));
  }

  // [Set-Cookie from http://www.example.com/dir/page, request url, sent]
  const sends: Array<[string, string, boolean]> = [
    ['h=1', 'http://www.example.com/dir/x', true],
    ['h=1', 'http://www.example.com/other', false],
    ['h=1', 'http://sub.www.example.com/dir/x', false],
    ['h=1; Path=/', 'http://www.example.com/other', true],
    ['d=1; Domain=example.com; Path=/', 'http://sub.example.com/', true],
    ['d=1; Domain=example.com; Path=/', 'http://example.com/', true],
    ['d=1; Domain=example.com; Path=/', 'http://example.org/', false],
    ['s=1; Path=/; Secure', 'http://www.example.com/', false],
    ['e=1; Path=/; Max-Age=10', 'http://www.example.com/', true],
  ];
  for (const [header, to, want] of sends) {
    it(`${header} is ${want ? '' : 'not '}sent to ${to}`, () => {
      const jar = new CookieJar();
      assert.ok(jar.setCookie(header, new URL('http://www.example.com/dir/page'), NOW) || header.includes('Secure'));
      assert.equal(jar.header(new URL(to), NOW) !== undefined, want);
    });
  }

  it('forgets a cookie once it expires, and one set with Max-Age=0', () => {
    const jar = new CookieJar();
    const u = new URL('http://h.example/');
    jar.setCookie('a=1; Max-Age=10', u, NOW);
    jar.setCookie('b=2', u, NOW);
    assert.equal(jar.header(u, NOW), 'a=1; b=2'.split('; ').reverse().join('; '));
    assert.equal(jar.header(u, NOW + 11), 'b=2');
    jar.setCookie('b=gone; Max-Age=0', u, NOW);
    assert.equal(jar.header(u, NOW), 'a=1');
  });

  it('orders Cookie as curl: longer paths first, then the newest; a replaced cookie keeps its place', () => {
    const jar = new CookieJar();
    const u = new URL('http://h.example/a/b/c');
    jar.setCookie('first=1; Path=/', u, NOW);
    jar.setCookie('second=2; Path=/', u, NOW);
    jar.setCookie('deep=3; Path=/a/b', u, NOW);
    jar.setCookie('first=9; Path=/', u, NOW);
    assert.equal(jar.header(u, NOW), 'deep=3; second=2; first=9');
  });

  it('loads a jar file written by curl 7.88 and sends what matches', () => {
    const curlFile = `${JAR_HEADER}127.0.0.1\tFALSE\t/cookies\tTRUE\t1796341570\te\t5\n127.0.0.1\tFALSE\t/\tFALSE\t1938766694\tc\t3\n#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tb\t2\n127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1\n.example.com\tTRUE\t/\tFALSE\t0\td\t4\n`;
    const jar = new CookieJar();
    jar.load(curlFile, 1_700_000_000);
    assert.equal(jar.header(new URL('http://127.0.0.1:8080/x'), 1_700_000_000), 'a=1; b=2; c=3');
    assert.equal(jar.header(new URL('http://127.0.0.1:8080/cookies'), 1_700_000_000), 'e=5; a=1; b=2; c=3');
    assert.equal(jar.header(new URL('http://www.example.com/'), 1_700_000_000), 'd=4');
    // Written back, newest first, as curl writes it.
    assert.equal(jar.serialise(1_700_000_000), `${JAR_HEADER}.example.com\tTRUE\t/\tFALSE\t0\td\t4\n127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1\n#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tb\t2\n127.0.0.1\tFALSE\t/\tFALSE\t1938766694\tc\t3\n127.0.0.1\tFALSE\t/cookies\tTRUE\t1796341570\te\t5\n`);
  });

  it('-j: session cookies of a file are not loaded', () => {
    const jar = new CookieJar();
    jar.load(`${JAR_HEADER}h.example\tFALSE\t/\tFALSE\t0\tsession\t1\nh.example\tFALSE\t/\tFALSE\t2100000000\tkept\t2\n`, NOW, true);
    assert.equal(jar.header(new URL('http://h.example/'), NOW), 'kept=2');
  });

  it('loads Set-Cookie header lines as curl does', () => {
    const jar = new CookieJar();
    jar.load('Set-Cookie: a=1; Domain=h.example; Path=/\nset-cookie: b=2\n# comment\n\ngarbage line\n', NOW);
    // The one with a domain first (curl: longer domains first); one without is sent to every host.
    assert.equal(jar.header(new URL('http://h.example/'), NOW), 'a=1; b=2');
    assert.equal(jar.header(new URL('http://other.example/'), NOW), 'b=2');
  });

  const lines: Array<[string, boolean]> = [
    ['h.example\tFALSE\t/\tFALSE\t0\tn\tv', true],
    ['h.example\tFALSE\t/\tFALSE\t0\tn', true],
    ['#HttpOnly_h.example\tFALSE\t/\tFALSE\t0\tn\tv', true],
    ['# comment', false],
    ['h.example FALSE / FALSE 0 n v', false],
    ['h.example\tFALSE\t/\tFALSE\tsoon\tn\tv', false],
  ];
  for (const [line, ok] of lines) {
    it(`Netscape line ${JSON.stringify(line)}: ${ok ? 'read, and written back the same' : 'skipped'}`, () => {
      const c = parseNetscapeLine(line);
      assert.equal(c !== undefined, ok);
      if (c && line.split('\t').length === 7) assert.equal(netscapeLine(c), line);
    });
  }

  it('writes curl\'s fields: #HttpOnly_, a dot before a domain cookie, TRUE/FALSE, expiry 0 for a session cookie', () => {
    const jar = new CookieJar();
    jar.setCookie('dc=1; Domain=example.com; Path=/; HttpOnly', new URL('http://www.example.com/'), NOW);
    jar.setCookie('hc=2; Secure; Max-Age=100', new URL('https://www.example.com/p/q'), NOW);
    assert.equal(jar.serialise(NOW), `${JAR_HEADER}www.example.com\tFALSE\t/p\tTRUE\t${NOW + 100}\thc\t2\n#HttpOnly_.example.com\tTRUE\t/\tFALSE\t0\tdc\t1\n`);
  });
});
