/**
 * The parity cases: the same arguments for curl 7.88 and `hiper get`, what curl itself must do with them
 * (which checks the server and the case), and the intended differences a case admits, by name.
 *
 * Placeholders in arguments: {origin} (http://127.0.0.1:PORT), {hostport} (127.0.0.1:PORT), {port},
 * {closed} (a port where nothing listens) and {token} (unique per case, for routes that keep state; each
 * client also has a server of its own). Each side's own "127.0.0.1:PORT" shows as "127.0.0.1:PORT",
 * literally, in what is compared and checked (the servers' ports differ).
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { COMPRESSIBLE, NODE_HAS_ZSTD, RANGE_DATA } from './parity-server.js';
import type { SideResult } from './parity-run.js';

export interface Difference {
  /** What differs between curl and hiper. */
  differs: string;
  why: string;
  /** Applied to both sides' stdout (each step) before they are compared. */
  out?: (out: Buffer) => Buffer;
  /** Applied to each request both servers saw (seenText) before they are compared. */
  request?: (seen: string) => string;
}

const dropLines = (buf: Buffer, drop: (line: string) => boolean): Buffer =>
  Buffer.from(buf.toString('latin1').split(/(?<=\n)/).filter((l) => !drop(l)).join(''), 'latin1');

/** Every intended difference between curl and `hiper get` that a parity case admits. */
export const INTENDED_DIFFERENCES = {
  'user-agent-product': {
    differs: 'the default User-Agent is hiper/VERSION where curl sends curl/VERSION',
    why: 'hiper names itself; the echo server turns both into "<client>/<version>", the rest of the header must match',
  },
  'multipart-boundary': {
    differs: 'the multipart boundary (and with its length, Content-Length)',
    why: 'the boundary is random per request in both; the server masks it and the length and shows the parsed parts',
  },
  'retry-writes-final-body-only': {
    differs: 'with --retry and stdout, curl writes the body of each response it then retries; hiper writes only the response it keeps',
    why: 'output that is already on stdout cannot be taken back; hiper holds a retryable response until it knows it keeps it (with -o both truncate the file and the results match)',
    out: (out: Buffer) => dropLines(out, (l) => /^busy \d\n$/.test(l)),
  },
  'no-expect-100-continue': {
    differs: 'curl 7.88 sends Expect: 100-continue with a -T upload and waits for the 100 before the body; hiper sends the body at once',
    why: 'hiper\'s transfers have no 100-continue wait; the request is otherwise the same (the line is dropped from both sides\' echo and log)',
    out: (out: Buffer) => dropLines(out, (l) => l === 'expect: 100-continue\n'),
    request: (seen: string) => seen.replace(/^expect: 100-continue\n/m, ''),
  },
  'accept-encoding-without-zstd': {
    differs: '--compressed asks for "deflate, gzip, br" where curl asks for "deflate, gzip, br, zstd", on a Node without zstd (before 22.15)',
    why: 'hiper offers only what this Node can decode; where Node has zstd the lists must be the same, and are compared as they are',
    request: (seen: string) => (NODE_HAS_ZSTD ? seen : seen.replace(/^accept-encoding: deflate, gzip, br, zstd$/m, 'accept-encoding: deflate, gzip, br')),
  },
  'content-length-0-without-body': {
    differs: 'a POST (or PUT, PATCH) without a body carries Content-Length: 0 from hiper; curl 7.88 sends no Content-Length with -X POST and no data',
    why: 'RFC 9110 §8.6: a client SHOULD send Content-Length when the method gives content a meaning; some servers answer 411 without it. The line is dropped from both sides\' echo and log',
    out: (out: Buffer) => dropLines(out, (l) => l === 'content-length: 0\n'),
    request: (seen: string) => seen.replace(/^content-length: 0\n/m, ''),
  },
  'exit-code-of-first-failure': {
    differs: 'with several URLs run one after another, curl 7.88 exits with the last transfer\'s code (a failure before it is lost); hiper exits with the first failure\'s code',
    why: 'a script must not miss a failed transfer; curl needs --fail-early for that and then stops at the failure, hiper runs the rest. The case states hiper\'s own exit code',
  },
} satisfies Record<string, Difference>;

export type DifferenceName = keyof typeof INTENDED_DIFFERENCES;

/** A check of curl's own result: the case and the server do what the case says. */
type Check = (r: SideResult, fillText: (s: string) => string) => void;

export interface ParityCase {
  name: string;
  /** Argument lists run one after the other in the same directory (most cases have one). */
  steps: string[][];
  /** Files put in both directories first (placeholders in a string are filled in). */
  files?: Record<string, string | Buffer>;
  /** curl's exit code on the last step (earlier steps must exit 0). */
  code: number;
  /** hiper's exit code on the last step where an intended difference the case names makes it differ from curl's. */
  hiperCode?: number;
  /** More about curl's result. */
  curl?: Check[];
  differences?: DifferenceName[];
  /** Why the case cannot run here, or undefined. */
  skip?: string;
}

const text = (b: Buffer): string => b.toString('latin1');
const last = (r: SideResult): Buffer => r.steps[r.steps.length - 1]!.out;

// Checks on curl's result. Bytes are compared as latin1 text: byte for byte, with a readable diff.
const outIs = (expected: string | Buffer): Check => (r) => assert.equal(text(last(r)), text(Buffer.from(expected)));
const outHas = (...parts: string[]): Check => (r, fillText) => {
  for (const p of parts.map(fillText)) assert.ok(text(last(r)).includes(p), `stdout lacks ${JSON.stringify(p)}:\n${text(last(r))}`);
};
const outLacks = (part: string): Check => (r) => assert.ok(!text(last(r)).includes(part), `stdout has ${JSON.stringify(part)}:\n${text(last(r))}`);
const filesAre = (...names: string[]): Check => (r) => assert.deepEqual([...r.files.keys()].sort(), names.sort());
const fileIs = (name: string, expected: string | Buffer): Check => (r) => {
  const got = r.files.get(name);
  assert.ok(got, `no file ${name}`);
  assert.equal(text(got), text(Buffer.from(expected)), `the file ${name}`);
};
const fileHas = (name: string, part: string): Check => (r) => assert.ok(text(r.files.get(name) ?? Buffer.alloc(0)).includes(part), `${name} lacks ${JSON.stringify(part)}`);

const CRLF_FORM = 'a=1\r\nb=2\n';
const UPLOAD = 'hello world&x=y\n';
const NO_BODY = 'body 0 bytes ""\n';
const ENCODINGS = ['gzip', 'deflate', 'br', 'zstd'] as const;

export const PARITY_CASES: ParityCase[] = [
  // Requests as sent.
  { name: 'a plain GET: default User-Agent and Accept', steps: [['{origin}/echo?x=1']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('GET /echo?x=1 HTTP/1.1\nhost: {hostport}\nuser-agent: <client>/<version>\naccept: */*\n\nbody 0')] },
  { name: 'no scheme: 127.0.0.1:PORT/path is http', steps: [['{hostport}/echo/noscheme']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('GET /echo/noscheme HTTP/1.1\n')] },
  { name: '-A sets the User-Agent', steps: [['-A', 'my-agent/1.0', '{origin}/echo']], code: 0, curl: [outHas('user-agent: my-agent/1.0\n')] },
  { name: "-H 'User-Agent: x' replaces the default", steps: [['-H', 'User-Agent: x', '{origin}/echo']], code: 0, curl: [outHas('user-agent: x\n')] },
  { name: "-H 'Accept:' and -H 'User-Agent:' remove those headers", steps: [['-H', 'Accept:', '-H', 'User-Agent:', '{origin}/echo']], code: 0,
    curl: [outHas('HTTP/1.1\nhost: {hostport}\n\nbody')] },
  { name: '-H adds a header after the defaults', steps: [['-H', 'X-Extra: one', '-H', 'x-lower: two', '{origin}/echo']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('accept: */*\nx-extra: one\nx-lower: two\n')] },
  { name: '-u user:pw sends Basic auth', steps: [['-u', 'bob:s3cret', '{origin}/auth']], code: 0, curl: [outIs('user bob password s3cret\n')] },
  { name: 'credentials in the URL send Basic auth', steps: [['http://al:se%40cret@{hostport}/auth']], code: 0, curl: [outIs('user al password se@cret\n')] },

  // Bodies.
  { name: '-d a=1 POSTs a form', steps: [['-d', 'a=1', '-d', 'b=2', '{origin}/echo']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('POST /echo HTTP/1.1\n', 'content-length: 7\ncontent-type: application/x-www-form-urlencoded\n', 'body 7 bytes "a=1&b=2"')] },
  { name: '-d @file drops CR and LF', steps: [['-d', '@crlf.txt', '{origin}/echo']], files: { 'crlf.txt': CRLF_FORM }, code: 0, differences: ['user-agent-product'],
    curl: [outHas('body 6 bytes "a=1b=2"')] },
  { name: '--data-binary @file sends the bytes as they are', steps: [['--data-binary', '@crlf.txt', '{origin}/echo']], files: { 'crlf.txt': CRLF_FORM }, code: 0,
    differences: ['user-agent-product'], curl: [outHas('body 9 bytes "a=1\\r\\nb=2\\n"')] },
  { name: '--data-urlencode in its five forms', files: { 'up.txt': UPLOAD }, code: 0, differences: ['user-agent-product'],
    steps: [['--data-urlencode', 'a=b&c', '--data-urlencode', '=x+y', '--data-urlencode', 'plain text', '--data-urlencode', 'n@up.txt', '--data-urlencode', '@up.txt', '{origin}/echo']],
    curl: [outHas('body 72 bytes "a=b%26c&x%2By&plain+text&n=hello+world%26x%3Dy%0A&hello+world%26x%3Dy%0A"')] },
  { name: '-G with --data-urlencode builds an encoded query', steps: [['-G', '--data-urlencode', 'q=a b&c', '{origin}/echo/search']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('GET /echo/search?q=a+b%26c HTTP/1.1\n')] },
  { name: '-X PUT -d sends the data with PUT', steps: [['-X', 'PUT', '-d', 'a=1', '{origin}/echo/put']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('PUT /echo/put HTTP/1.1\n', 'body 3 bytes "a=1"')] },
  { name: '-G puts -d data in the query', steps: [['-G', '-d', 'a=1', '-d', 'b=2', '{origin}/echo?x=0']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('GET /echo?x=0&a=1&b=2 HTTP/1.1\n'), outLacks('content-type')] },
  { name: "--json '{\"a\":1}' POSTs JSON with JSON headers", steps: [['--json', '{"a":1}', '{origin}/echo']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('content-type: application/json\naccept: application/json\ncontent-length: 7\n', 'body 7 bytes "{\\"a\\":1}"')] },
  { name: '-T file PUTs it, the name appended to a URL ending in /', steps: [['-T', 'up.txt', '{origin}/echo/']], files: { 'up.txt': UPLOAD }, code: 0,
    differences: ['user-agent-product', 'no-expect-100-continue'], curl: [outHas('PUT /echo/up.txt HTTP/1.1\n', 'content-length: 16\n', `body 16 bytes ${JSON.stringify(UPLOAD)}`)] },
  { name: "-F 'a=1' -F 'f=@file;type=text/plain' sends multipart", files: { 'up.txt': UPLOAD }, code: 0, differences: ['user-agent-product', 'multipart-boundary'],
    steps: [['-F', 'a=1', '-F', 'f=@up.txt;type=text/plain', '{origin}/echo/form']],
    curl: [outHas('content-type: multipart/form-data; boundary=<boundary>\n',
      'part\ncontent-disposition: form-data; name="a"\nbody 1 bytes "1"\npart\ncontent-disposition: form-data; name="f"; filename="up.txt"\ncontent-type: text/plain\nbody 16 bytes')] },

  // Redirects.
  { name: '-L follows a relative Location', steps: [['-L', '{origin}/to/302?url=/echo/rel']], code: 0, differences: ['user-agent-product'], curl: [outHas('GET /echo/rel HTTP/1.1\n')] },
  { name: '-L follows an absolute Location', steps: [['-L', '{origin}/to/301?url={origin}/echo/abs']], code: 0, differences: ['user-agent-product'], curl: [outHas('GET /echo/abs HTTP/1.1\n')] },
  { name: '-L follows a chain of hops', steps: [['-L', '{origin}/hops/3']], code: 0, differences: ['user-agent-product'], curl: [outHas('GET /hops/0 HTTP/1.1\n')] },
  ...(['301', '302', '303'] as const).map((status): ParityCase => ({
    name: `-L -d with ${status}: POST becomes GET without the body`, steps: [['-L', '-d', 'y=2', `{origin}/to/${status}?url=/echo/after-${status}`]], code: 0,
    differences: ['user-agent-product'], curl: [outHas(`GET /echo/after-${status} HTTP/1.1\n`, NO_BODY), outLacks('content-type')],
  })),
  ...(['307', '308'] as const).map((status): ParityCase => ({
    name: `-L -d with ${status}: POST and its body are kept`, steps: [['-L', '-d', 'y=2', `{origin}/to/${status}?url=/echo/after-${status}`]], code: 0,
    differences: ['user-agent-product'], curl: [outHas(`POST /echo/after-${status} HTTP/1.1\n`, 'body 3 bytes "y=2"')],
  })),
  { name: '--max-redirs exceeded: exit 47, nothing written', steps: [['-L', '--max-redirs', '2', '{origin}/hops/5']], code: 47, curl: [outIs('')] },
  { name: 'without -L the 3xx body is the output', steps: [['{origin}/to/302?url=/echo']], code: 0, curl: [outIs('redirect 302\n')] },

  // Responses.
  // On a Node without zstd, parity.test.ts checks hiper's own answer to a zstd body instead.
  ...ENCODINGS.filter((enc) => enc !== 'zstd' || NODE_HAS_ZSTD).map((enc): ParityCase => ({
    name: `--compressed decodes ${enc}`, steps: [['--compressed', `{origin}/${enc}`, '-o', 'out.txt']], code: 0, differences: ['accept-encoding-without-zstd'],
    curl: [fileIs('out.txt', COMPRESSIBLE)],
  })),
  { name: 'without --compressed the encoded bytes are written as they came', steps: [['{origin}/gzip', '-o', 'raw.gz']], code: 0,
    curl: [(r) => assert.equal(r.files.get('raw.gz')?.subarray(0, 2).toString('hex'), '1f8b')] },
  { name: '-f: exit 22 and no body on stdout', steps: [['-f', '{origin}/status/404']], code: 22, curl: [outIs('')] },
  { name: '-f -o: exit 22 and no file', steps: [['-f', '-o', 'out.txt', '{origin}/status/404']], code: 22, curl: [filesAre()] },
  { name: 'without -f a 404 body is written and the exit is 0', steps: [['{origin}/status/404']], code: 0, curl: [outIs('status 404 body\n')] },
  { name: '-r 0-99 asks for the first 100 bytes', steps: [['-r', '0-99', '{origin}/data']], code: 0, curl: [outIs(RANGE_DATA.subarray(0, 100))] },
  { name: '-r -100 asks for the last 100 bytes', steps: [['-r', '-100', '{origin}/data', '-o', 'tail.bin']], code: 0, curl: [fileIs('tail.bin', RANGE_DATA.subarray(900))] },
  { name: '-C - resumes a partial file', steps: [['-C', '-', '-o', 'part.bin', '{origin}/data']], files: { 'part.bin': RANGE_DATA.subarray(0, 300) }, code: 0,
    curl: [fileIs('part.bin', RANGE_DATA)] },
  { name: '--retry 2 after two 503s, -o keeps the final body', steps: [['--retry', '2', '--retry-delay', '1', '-o', 'retry.txt', '{origin}/flaky?token={token}']], code: 0,
    curl: [fileIs('retry.txt', 'fine after 2 tries\n')] },
  { name: '--retry 2 after two 503s, to stdout', steps: [['--retry', '2', '--retry-delay', '1', '{origin}/flaky?token={token}']], code: 0,
    differences: ['retry-writes-final-body-only'], curl: [outIs('busy 1\nbusy 2\nfine after 2 tries\n')] },
  { name: 'two URLs to stdout, one after the other', steps: [['{origin}/doc/a', '{origin}/doc/b']], code: 0, curl: [outIs('document a\ndocument b\n')] },
  { name: 'one -o for two URLs: the second goes to stdout', steps: [['-o', 'one.txt', '{origin}/doc/1', '{origin}/doc/2']], code: 0,
    curl: [outIs('document 2\n'), filesAre('one.txt'), fileIs('one.txt', 'document 1\n')] },
  { name: "-s -o /dev/null -w '%{http_code} %{size_download}'", steps: [['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}\n', '{origin}/doc/xy']], code: 0,
    curl: [outIs('200 12\n')] },
  { name: "a [1-3] glob with -o 'f_#1.txt'", steps: [['{origin}/doc/[1-3].txt', '-o', 'f_#1.txt']], code: 0,
    curl: [outIs(''), filesAre('f_1.txt', 'f_2.txt', 'f_3.txt'), fileIs('f_2.txt', 'document 2.txt\n')] },
  { name: "a {a,b} glob with -o 'g_#1.txt'", steps: [['{origin}/doc/{a,b}.txt', '-o', 'g_#1.txt']], code: 0,
    curl: [filesAre('g_a.txt', 'g_b.txt'), fileIs('g_b.txt', 'document b.txt\n')] },
  { name: '-O names the file after the URL', steps: [['-O', '{origin}/doc/page.txt']], code: 0, curl: [filesAre('page.txt'), fileIs('page.txt', 'document page.txt\n')] },
  { name: '-O leaves the query out of the name', steps: [['-O', '{origin}/doc/page.txt?v=1']], code: 0, curl: [filesAre('page.txt'), fileIs('page.txt', 'document page.txt\n')] },
  { name: '-O on a URL ending in /: exit 23, no file', steps: [['-O', '{origin}/doc/']], code: 23, curl: [filesAre()] },
  { name: '-I sends HEAD and writes the headers', steps: [['-I', '{origin}/doc/h.txt']], code: 0,
    curl: [outIs('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n')] },
  { name: '-i writes the response headers before the body', steps: [['-i', '{origin}/headers']], code: 0,
    curl: [outHas('HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Custom: one\r\nX-Custom: two\r\n', '\r\n\r\nwith headers\n')] },
  { name: '-L -i writes each response\'s headers', steps: [['-L', '-i', '{origin}/to/302?url=/doc/x']], code: 0,
    curl: [outHas('HTTP/1.1 302 Found\r\nLocation: /doc/x\r\n', '\r\n\r\nHTTP/1.1 200 OK\r\n', '\r\n\r\ndocument x\n'), outLacks('redirect 302')] },
  { name: '-D file gets the headers, stdout the body', steps: [['-D', 'headers.txt', '{origin}/headers']], code: 0,
    curl: [outIs('with headers\n'), fileHas('headers.txt', 'HTTP/1.1 200 OK\r\n'), fileHas('headers.txt', 'Keep-Alive: timeout=5\r\n\r\n')] },
  { name: 'cookies: -c writes a jar, -b sends it back', steps: [['-c', 'jar.txt', '{origin}/cookies/set'], ['-b', 'jar.txt', '{origin}/echo/cookies']], code: 0,
    differences: ['user-agent-product'],
    curl: [outHas('cookie: session=abc; secret=s1; pref=dark\n'), fileHas('jar.txt', '#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsecret\ts1\n')] },
  { name: "-b 'a=1; b=2' sends those cookies", steps: [['-b', 'a=1; b=2', '{origin}/echo/c']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('accept: */*\ncookie: a=1; b=2\n')] },

  // More of what curl users rely on.
  { name: '-L -u: credentials are not sent to another host', steps: [['-L', '-u', 'a:b', '{origin}/to/302?url=http://localhost:{port}/auth']], code: 0,
    curl: [outIs('who are you?\n')] },
  { name: '-L -u: credentials are kept on the same host', steps: [['-L', '-u', 'a:b', '{origin}/to/302?url=/auth']], code: 0, curl: [outIs('user a password b\n')] },
  { name: '--location-trusted sends credentials to another host', steps: [['--location-trusted', '-u', 'a:b', '{origin}/to/302?url=http://localhost:{port}/auth']], code: 0,
    curl: [outIs('user a password b\n')] },
  { name: '-X POST without data', steps: [['-X', 'POST', '{origin}/echo/xpost']], code: 0, differences: ['user-agent-product', 'content-length-0-without-body'],
    curl: [outHas('POST /echo/xpost HTTP/1.1\n', 'accept: */*\n\nbody 0')] },
  { name: '-X POST -L keeps POST after a 302', steps: [['-X', 'POST', '-L', '{origin}/to/302?url=/echo/xpost']], code: 0,
    differences: ['user-agent-product', 'content-length-0-without-body'],
    curl: [outHas('POST /echo/xpost HTTP/1.1\n', NO_BODY)] },
  { name: '--max-redirs 0 with a redirect: exit 47', steps: [['-L', '--max-redirs', '0', '{origin}/to/302?url=/doc/x']], code: 47, curl: [outIs('')] },
  { name: '-L -f ending at a 404: exit 22', steps: [['-L', '-f', '{origin}/to/302?url=/status/404']], code: 22, curl: [outIs('')] },
  { name: '-I -L writes each response\'s headers', steps: [['-I', '-L', '{origin}/to/302?url=/doc/il']], code: 0,
    curl: [outHas('HTTP/1.1 302 Found\r\n', '\r\n\r\nHTTP/1.1 200 OK\r\n'), outLacks('document')] },
  { name: "-w '%{http_code}' on a 302 without -L", steps: [['-w', '%{http_code}\n', '{origin}/to/302?url=/doc/x']], code: 0, curl: [outIs('redirect 302\n302\n')] },
  { name: '-w with -L: url_effective and num_redirects', steps: [['-o', '/dev/null', '-L', '-w', '%{http_code} %{num_redirects} %{url_effective}\n', '{origin}/to/302?url=/doc/w']], code: 0,
    curl: [outIs('200 1 http://127.0.0.1:PORT/doc/w\n')] },
  { name: '-w sizes and names of a --compressed transfer', steps: [['-s', '-o', '/dev/null', '--compressed', '-w',
    '%{size_download} %{size_header} %{content_type} %{http_version} %{method} %{scheme} %{num_connects} %{exitcode} %{filename_effective} %{remote_ip}\n', '{origin}/gzip']],
  code: 0, differences: ['accept-encoding-without-zstd'], curl: [outIs(`${zlib.gzipSync(COMPRESSIBLE).length} 137 text/plain 1.1 GET HTTP 1 0 /dev/null 127.0.0.1\n`)] },
  { name: "-w '%{header_json}'", steps: [['-s', '-o', '/dev/null', '-w', '%{header_json}\n', '{origin}/headers']], code: 0,
    curl: [outHas('{"content-type":["text/plain; charset=utf-8"],\n"x-custom":["one","two"],\n')] },
  { name: '-w upload and redirect fields with -d', steps: [['-s', '-o', 'out.txt', '-d', 'abc', '-w', '%{size_upload} %{size_request} %{filename_effective} %{redirect_url} %{response_code}\n',
    '{origin}/to/302?url=/doc/x']], code: 0, curl: [outIs('3 168 out.txt http://127.0.0.1:PORT/doc/x 302\n')] },
  { name: "-w '%{size_request}' of --json (a small body is sent with the head and counted)", steps: [['-s', '-o', '/dev/null', '--json', '{"a":1}', '-w', '%{size_request} %{size_upload}\n', '{origin}/echo']],
    code: 0, curl: [outIs('155 7\n')] },
  { name: "-w '%{size_request}' of -T with -H 'Expect:' (the head only)", files: { 'up.txt': UPLOAD },
    steps: [['-s', '-H', 'Expect:', '-T', 'up.txt', '-w', '%{size_request} %{size_upload}\n', '{origin}/echo/']], code: 0, differences: ['user-agent-product'],
    curl: [outHas(`body 16 bytes ${JSON.stringify(UPLOAD)}\n110 16\n`), outLacks('expect')] },
  { name: "-w '%{exitcode}' of a refused connection", steps: [['-s', '-o', '/dev/null', '-w', '%{exitcode} %{http_code}\n', 'http://127.0.0.1:{closed}/']], code: 7,
    curl: [outIs('7 000\n')] },
  { name: '-e sets the Referer', steps: [['-e', 'http://ref.example/x', '{origin}/echo/ref']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('accept: */*\nreferer: http://ref.example/x\n')] },
  { name: "-L -e ';auto' sends the previous URL as Referer", steps: [['-L', '-e', ';auto', '{origin}/to/302?url=/echo/auto']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('referer: http://127.0.0.1:PORT/to/302?url=/echo/auto\n')] },
  { name: '--http1.0 sends an HTTP/1.0 request', steps: [['--http1.0', '{origin}/echo/10']], code: 0, differences: ['user-agent-product'], curl: [outHas('GET /echo/10 HTTP/1.0\n')] },
  { name: '--url gives the URL', steps: [['--url', '{origin}/doc/viaurl']], code: 0, curl: [outIs('document viaurl\n')] },
  { name: '--data-raw @x sends the @ as it is', steps: [['--data-raw', '@x', '{origin}/echo/raw']], code: 0, differences: ['user-agent-product'], curl: [outHas('body 2 bytes "@x"')] },
  { name: "-d '' POSTs an empty body", steps: [['-d', '', '{origin}/echo/empty']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('POST /echo/empty HTTP/1.1\n', 'content-length: 0\n')] },
  { name: 'dot segments are removed and the fragment is not sent', steps: [['{origin}/a/../echo/dots?q=1#frag']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('GET /echo/dots?q=1 HTTP/1.1\n')] },
  { name: '--json twice joins the two', steps: [['--json', '{"a":', '--json', '1}', '{origin}/echo/j2']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('body 7 bytes "{\\"a\\":1}"')] },
  { name: "-F 'a=<file' sends the content, 'b=@file' the file with a guessed type", files: { 'c.txt': 'from file\n' }, code: 0,
    differences: ['user-agent-product', 'multipart-boundary'], steps: [['-F', 'a=<c.txt', '-F', 'b=@c.txt', '{origin}/echo/f2']],
    curl: [outHas('name="a"\nbody 10 bytes', 'name="b"; filename="c.txt"\ncontent-type: text/plain\nbody 10 bytes')] },
  { name: "two globs with -o 'm_#1_#2.txt'", steps: [['{origin}/doc/[1-2]{x,y}', '-o', 'm_#1_#2.txt']], code: 0,
    curl: [filesAre('m_1_x.txt', 'm_1_y.txt', 'm_2_x.txt', 'm_2_y.txt'), fileIs('m_2_y.txt', 'document 2y\n')] },
  { name: '-O with a glob', steps: [['-O', '{origin}/doc/o[1-2].txt']], code: 0, curl: [filesAre('o1.txt', 'o2.txt')] },
  { name: '-D - writes the headers to stdout before the body', steps: [['-D', '-', '{origin}/doc/dash']], code: 0,
    curl: [outIs('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\ndocument dash\n')] },
  { name: '-i --compressed -o: headers and decoded body in the file', steps: [['-i', '--compressed', '{origin}/gzip', '-o', 'gz.txt']], code: 0,
    differences: ['accept-encoding-without-zstd'], curl: [fileHas('gz.txt', 'Content-Encoding: gzip\r\n'), fileHas('gz.txt', `\r\n\r\n${COMPRESSIBLE.slice(0, 40)}`)] },
  { name: '-r on a server without ranges writes the whole body', steps: [['-r', '0-1', '{origin}/doc/abc', '-o', 'r.txt']], code: 0, curl: [fileIs('r.txt', 'document abc\n')] },
  { name: '-C - on a complete file: exit 0, the file unchanged', steps: [['-C', '-', '-o', 'full.bin', '{origin}/data']], files: { 'full.bin': RANGE_DATA }, code: 0,
    curl: [fileIs('full.bin', RANGE_DATA)] },
  { name: '-C 100 starts at byte 100', steps: [['-C', '100', '-o', 'c100.bin', '{origin}/data']], code: 0, curl: [fileIs('c100.bin', RANGE_DATA.subarray(100))] },
  { name: '--max-filesize below Content-Length: exit 63, no file', steps: [['--max-filesize', '10', '{origin}/data', '-o', 'big.bin']], code: 63, curl: [filesAre()] },
  { name: '-o into a directory that does not exist: exit 23', steps: [['-o', 'nodir/x.txt', '{origin}/doc/x']], code: 23, curl: [filesAre()] },
  { name: '-m 1 on a stalled body: exit 28, what came is written', steps: [['-m', '1', '{origin}/stall']], code: 28, curl: [outIs('partial\n')] },
  { name: 'three URLs, the middle one refused: the others written, curl exits 0 (the last one\'s)', steps: [['{origin}/doc/a', 'http://127.0.0.1:{closed}/', '{origin}/doc/b']],
    code: 0, hiperCode: 7, differences: ['exit-code-of-first-failure'], curl: [outIs('document a\ndocument b\n')] },
  { name: '-f with two URLs, the first 404: the second written, curl exits 0', steps: [['-f', '{origin}/status/404', '{origin}/doc/b']],
    code: 0, hiperCode: 22, differences: ['exit-code-of-first-failure'], curl: [outIs('document b\n')] },
  { name: '-f with two URLs, the last 500: exit 22', steps: [['{origin}/doc/a', '-f', '{origin}/status/500']], code: 22, curl: [outIs('document a\n')] },
  { name: "-H 'Host: other' replaces the Host header", steps: [['-H', 'Host: other.example', '{origin}/echo/host']], code: 0, differences: ['user-agent-product'],
    curl: [outHas('HTTP/1.1\nhost: other.example\nuser-agent')] },
  { name: "-H 'Content-Type: text/plain' -d replaces the form type", steps: [['-H', 'Content-Type: text/plain', '-d', 'x', '{origin}/echo/ct']], code: 0,
    differences: ['user-agent-product'], curl: [outHas('accept: */*\ncontent-type: text/plain\ncontent-length: 1\n')] },
  { name: "-u 'user:' sends an empty password", steps: [['-u', 'user:', '{origin}/auth']], code: 0, curl: [outIs('user user password \n')] },
  { name: '-u wins over credentials in the URL', steps: [['-u', 'a:b', 'http://c:d@{hostport}/auth']], code: 0, curl: [outIs('user a password b\n')] },
  { name: '-L follows a Location with ../', steps: [['-L', '{origin}/to/302?url=../echo/up']], code: 0, differences: ['user-agent-product'], curl: [outHas('GET /echo/up HTTP/1.1\n')] },
  { name: '-L follows a scheme-relative Location (//host/path)', steps: [['-L', '{origin}/to/302?url=//127.0.0.1:{port}/echo/schemeless']], code: 0,
    differences: ['user-agent-product'], curl: [outHas('GET /echo/schemeless HTTP/1.1\n')] },
  { name: '-o - writes to stdout', steps: [['-o', '-', '{origin}/doc/dash']], code: 0, curl: [outIs('document dash\n'), filesAre()] },
  { name: '-K file: options from a config file', files: { 'cfg.txt': 'url = "{origin}/echo/k1"\noutput = "k1.txt"\n-H "X-From-Config: yes"\n' }, steps: [['-K', 'cfg.txt']],
    code: 0, differences: ['user-agent-product'], curl: [outIs(''), fileHas('k1.txt', 'accept: */*\nx-from-config: yes\n')] },
  { name: '-c - writes the jar to stdout after the body', steps: [['-c', '-', '{origin}/cookies/set']], code: 0,
    curl: [outHas('cookies set\n# Netscape HTTP Cookie File\n', '\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc\n')] },
  { name: '-b with a file that does not exist sends no cookies', steps: [['-b', 'nofile.txt', '{origin}/echo/nf']], code: 0, differences: ['user-agent-product'],
    curl: [outLacks('cookie')] },
  { name: '-b jar -c jar reads and rewrites the same jar', steps: [['-c', 'jar.txt', '{origin}/cookies/set'], ['-b', 'jar.txt', '-c', 'jar.txt', '{origin}/echo/again']], code: 0,
    differences: ['user-agent-product'], curl: [outHas('cookie: session=abc; secret=s1; pref=dark\n'), fileHas('jar.txt', '\tsession\tabc\n')] },
  { name: '-L -D file gets every response\'s headers', steps: [['-L', '-D', 'hd.txt', '{origin}/to/302?url=/doc/d']], code: 0,
    curl: [outIs('document d\n'), fileHas('hd.txt', 'HTTP/1.1 302 Found\r\nLocation: /doc/d\r\n'), fileHas('hd.txt', '\r\n\r\nHTTP/1.1 200 OK\r\n')] },
  { name: '--speed-limit on a stalled body: exit 28, what came is written', steps: [['--speed-limit', '1000', '--speed-time', '1', '{origin}/stall']], code: 28,
    curl: [outIs('partial\n')] },
  { name: '-i on a chunked response: the header as it came, the body decoded', steps: [['-i', '{origin}/chunked']], code: 0,
    curl: [outHas('Transfer-Encoding: chunked\r\n\r\none\ntwo\nthree\n')] },
  { name: '-i shows the server\'s own reason phrase', steps: [['-i', '{origin}/reason']], code: 0, curl: [outHas('HTTP/1.1 299 Fine Thanks\r\n')] },
  { name: '-i -w on a 204', steps: [['-i', '-w', '%{http_code}\n', '{origin}/empty']], code: 0, curl: [outHas('HTTP/1.1 204 No Content\r\n', '\r\n\r\n204\n')] },
  { name: '-I -o: the headers go to the file', steps: [['-I', '-o', 'head.txt', '{origin}/doc/h']], code: 0, curl: [outIs(''), fileHas('head.txt', 'HTTP/1.1 200 OK\r\n')] },
  { name: '-I -f on a 404: the headers written, exit 22', steps: [['-I', '-f', '{origin}/status/404']], code: 22, curl: [outHas('HTTP/1.1 404 Not Found\r\n')] },
  { name: "-Z with a glob and -o 'p_#1.txt'", steps: [['-Z', '{origin}/doc/[1-3]', '-o', 'p_#1.txt']], code: 0, curl: [filesAre('p_1.txt', 'p_2.txt', 'p_3.txt')] },
  { name: '-H @file reads headers from a file', files: { 'hdrs.txt': 'X-A: 1\nX-B: 2\n' }, steps: [['-H', '@hdrs.txt', '{origin}/echo/hf']], code: 0,
    differences: ['user-agent-product'], curl: [outHas('accept: */*\nx-a: 1\nx-b: 2\n')] },
  { name: "-F with ;filename= and ;type=", files: { 'up.txt': UPLOAD }, steps: [['-F', 'f=@up.txt;filename=other.txt', '-F', 'a=1;type=text/x-a', '{origin}/echo/ff']], code: 0,
    differences: ['user-agent-product', 'multipart-boundary'], curl: [outHas('filename="other.txt"\ncontent-type: text/plain\n', 'name="a"\ncontent-type: text/x-a\n')] },
  { name: "--form-string takes '@' as it is", steps: [['--form-string', 'a=@notafile', '{origin}/echo/fs']], code: 0, differences: ['user-agent-product', 'multipart-boundary'],
    curl: [outHas('body 9 bytes "@notafile"')] },
  { name: '-T to a URL ending in / with a query: the name goes before the query', files: { 'up.txt': UPLOAD }, steps: [['-T', 'up.txt', '{origin}/echo/?q=1']], code: 0,
    differences: ['user-agent-product', 'no-expect-100-continue'], curl: [outHas('PUT /echo/up.txt?q=1 HTTP/1.1\n')] },
  { name: 'a refused connection: exit 7', steps: [['http://127.0.0.1:{closed}/']], code: 7, curl: [outIs('')] },
];

export interface Placeholders {
  origin: string;
  hostPort: string;
  token: string;
  /** A port on 127.0.0.1 where nothing listens. */
  closed: string;
}

/** A text with its placeholders filled in. */
export function fill(s: string, values: Placeholders): string {
  return s.replaceAll('{origin}', values.origin).replaceAll('{hostport}', values.hostPort).replaceAll('{port}', values.hostPort.replace(/^.*:/, ''))
    .replaceAll('{token}', values.token).replaceAll('{closed}', values.closed);
}
