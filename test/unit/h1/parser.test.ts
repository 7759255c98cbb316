import assert from 'node:assert/strict';
import { ResponseParser } from '../../../src/multi/h1/index.js';
import type { ParserLimits, ResponseHead } from '../../../src/multi/h1/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { Recorder, bytewise, parse, summary } from './recorder.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

interface Expected {
  status: number;
  body: string;
  keepAlive?: boolean;
  contentLength?: number;
  chunked?: boolean;
  version?: 10 | 11;
  message?: string;
  headers?: Array<[string, string]>;
  trailers?: Array<[string, string]>;
  informational?: number[];
}

interface GoodCase {
  name: string;
  input: string;
  methods: string[];
  eof?: boolean;
  limits?: ParserLimits;
  expect: Expected[];
}

const good: GoodCase[] = [
  {
    name: 'Content-Length body',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello',
    methods: ['GET'],
    expect: [{ status: 200, message: 'OK', body: 'hello', contentLength: 5, keepAlive: true, headers: [['Content-Length', '5'], ['X-A', 'b']] }],
  },
  {
    name: 'Content-Length 0',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: '', contentLength: 0 }],
  },
  {
    name: 'header names as received, values OWS-trimmed, obs-text kept',
    input: 'HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:2\r\nX-Empty:\r\nX-Pad: \t a b \t\r\nX-Latin: caf\xe9\r\n\r\nhi',
    methods: ['GET'],
    expect: [{ status: 200, body: 'hi', contentLength: 2, headers: [['cOnTeNt-LeNgTh', '2'], ['X-Empty', ''], ['X-Pad', 'a b'], ['X-Latin', 'caf\xe9']] }],
  },
  {
    name: 'status line without reason phrase',
    input: 'HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 404, message: '', body: '' }],
  },
  {
    name: 'status line with empty reason phrase and a long one',
    input: 'HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\nHTTP/1.1 500 Internal  Server\tError\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET', 'GET'],
    expect: [{ status: 200, message: '', body: '' }, { status: 500, message: 'Internal  Server\tError', body: '' }],
  },
  {
    name: 'chunked body',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: 'hello world', chunked: true, contentLength: undefined }],
  },
  {
    name: 'chunked with upper- and lower-case hex sizes and leading zeros',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n000b\r\nabcdefghijk\r\n00\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: '0123456789abcdefghijk', chunked: true }],
  },
  {
    name: 'chunk extensions',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\n2 ; a ; b="q;\\"x"\r\nde\r\n0;last\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: 'abcde', chunked: true }],
  },
  {
    name: 'trailers',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 42\r\nX-Other:  v \r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: 'ok', chunked: true, trailers: [['X-Sum', '42'], ['X-Other', 'v']] }],
  },
  {
    name: 'HEAD with Content-Length reads no body',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
    methods: ['HEAD', 'GET'],
    expect: [{ status: 200, body: '', contentLength: 1000 }, { status: 200, body: 'abc', contentLength: 3 }],
  },
  {
    name: 'HEAD with chunked reads no body',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    methods: ['HEAD', 'GET'],
    expect: [{ status: 200, body: '', chunked: true }, { status: 204, body: '' }],
  },
  {
    name: '204 and 304 have no body even with Content-Length',
    input: 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    methods: ['GET', 'GET', 'GET'],
    expect: [{ status: 204, body: '', contentLength: 10 }, { status: 304, body: '', contentLength: 7 }, { status: 200, body: 'ok' }],
  },
  {
    name: '100 Continue then 200',
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    methods: ['GET'],
    expect: [{ status: 200, body: 'ok', informational: [100] }],
  },
  {
    name: '103 Early Hints with headers, 100, then 200',
    input: 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: '', informational: [103, 100], headers: [['Content-Length', '0']] }],
  },
  {
    name: 'close-delimited body ends at EOF',
    input: 'HTTP/1.1 200 OK\r\nX: y\r\n\r\nsome bytes\r\n\r\nHTTP/1.1 200 OK\r\n',
    methods: ['GET', 'GET'],
    eof: true,
    expect: [{ status: 200, body: 'some bytes\r\n\r\nHTTP/1.1 200 OK\r\n', keepAlive: false }],
  },
  {
    name: 'HTTP/1.0 close-delimited',
    input: 'HTTP/1.0 200 OK\r\n\r\nold',
    methods: ['GET'],
    eof: true,
    expect: [{ status: 200, body: 'old', keepAlive: false, version: 10 }],
  },
  {
    name: 'two pipelined responses in one buffer',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n',
    methods: ['GET', 'GET'],
    expect: [{ status: 200, body: 'a' }, { status: 201, body: 'b', chunked: true }],
  },
  {
    name: 'three pipelined responses in one buffer (length, HEAD, chunked with trailer)',
    input:
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none' +
      'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthree\r\n0\r\nT: 1\r\n\r\n',
    methods: ['GET', 'HEAD', 'GET'],
    expect: [{ status: 200, body: 'one' }, { status: 200, body: '', contentLength: 50 }, { status: 200, body: 'three', chunked: true, trailers: [['T', '1']] }],
  },
  {
    name: 'Content-Length list of equal values, and repeated equal field',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc',
    methods: ['GET'],
    expect: [{ status: 200, body: 'abc', contentLength: 3 }],
  },
  {
    name: 'Connection: close ends reuse; bytes after it are not read',
    input: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET', 'GET'],
    expect: [{ status: 200, body: 'ok', keepAlive: false }],
  },
  {
    name: 'Connection list with close in another case',
    input: 'HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: '', keepAlive: false }],
  },
  {
    name: 'HTTP/1.0 with Connection: keep-alive may be reused',
    input: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nxHTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\ny',
    methods: ['GET', 'GET'],
    expect: [{ status: 200, body: 'x', keepAlive: true, version: 10 }, { status: 200, body: 'y', keepAlive: false, version: 10 }],
  },
  {
    name: 'HTTP/1.2 is read as HTTP/1.1',
    input: 'HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 200, body: '', version: 11 }],
  },
  {
    name: 'bare LF line ends are accepted by default',
    input: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nokHTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nab\n0\nT: v\n\n',
    methods: ['GET', 'GET'],
    expect: [{ status: 200, body: 'ok' }, { status: 200, body: 'ab', chunked: true, trailers: [['T', 'v']] }],
  },
  {
    name: 'status code 999 is accepted',
    input: 'HTTP/1.1 999 Request denied\r\nContent-Length: 0\r\n\r\n',
    methods: ['GET'],
    expect: [{ status: 999, body: '' }],
  },
];

function check(recorder: Recorder, expect: Expected[]): void {
  assert.equal(recorder.responses.length, expect.length, 'number of responses');
  expect.forEach((e, i) => {
    const r = recorder.responses[i]!;
    const h: ResponseHead = r.head;
    assert.equal(r.complete, true, `response ${i} complete`);
    assert.equal(h.statusCode, e.status);
    assert.equal(r.body.toString('latin1'), e.body);
    if (e.message !== undefined) assert.equal(h.statusMessage, e.message);
    assert.equal(h.keepAlive, e.keepAlive ?? true, 'keepAlive');
    assert.equal(h.chunked, e.chunked ?? false, 'chunked');
    if ('contentLength' in e) assert.equal(h.contentLength, e.contentLength);
    assert.equal(h.httpVersion, e.version ?? 11);
    if (e.headers) assert.deepEqual(h.headers, e.headers);
    assert.deepEqual(r.trailers, e.trailers);
    assert.deepEqual(r.informational, e.informational ?? []);
  });
}

describe('h1 ResponseParser: responses', () => {
  for (const c of good) {
    it(`${c.name} (whole)`, () => {
      const { recorder, parser } = parse(b(c.input), c.methods, { eof: c.eof, limits: c.limits });
      check(recorder, c.expect);
      assert.equal(parser.idle, true);
    });
    it(`${c.name} (byte by byte)`, () => {
      const { recorder } = parse(bytewise(b(c.input)), c.methods, { eof: c.eof, limits: c.limits });
      check(recorder, c.expect);
    });
    it(`${c.name} (split at every byte boundary)`, () => {
      const input = b(c.input);
      const whole = summary(parse(input, c.methods, { eof: c.eof }).recorder);
      for (let i = 1; i < input.length; i++) {
        const { recorder } = parse([input.subarray(0, i), input.subarray(i)], c.methods, { eof: c.eof, limits: c.limits });
        assert.deepEqual(summary(recorder), whole, `split at ${i}`);
      }
    });
  }

  it('hands bodies on as slices of the input, not copies', () => {
    const input = b('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nef\r\n0\r\n\r\n');
    const { recorder } = parse(input, ['GET', 'GET']);
    const slices = recorder.responses.flatMap((r) => r.slices);
    assert.equal(slices.length, 2);
    for (const s of slices) assert.equal(s.buffer, input.buffer, 'same memory as the input');
    assert.equal(slices[0]!.byteOffset, input.byteOffset + input.indexOf('abcd'));
    // a chunk that is all body is passed on as the very same Buffer
    const { recorder: r2, parser } = parse(b('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n'), ['GET']);
    const body = b('abcdef');
    parser.execute(body);
    assert.equal(r2.responses[0]!.slices[0], body);
  });

  it('idle is true only between responses', () => {
    const recorder = new Recorder(['GET', 'GET']);
    const parser = new ResponseParser(recorder);
    assert.equal(parser.idle, true);
    parser.execute(b('HTTP/1.1 200 OK\r\n'));
    assert.equal(parser.idle, false);
    parser.execute(b('Content-Length: 1\r\n\r\n'));
    assert.equal(parser.idle, false);
    parser.execute(b('x'));
    assert.equal(parser.idle, true);
    parser.finish();
    assert.equal(parser.idle, true);
  });

  it('finish() is a no-op when idle and completes a close-delimited body', () => {
    const { parser } = parse(b(''), []);
    parser.finish();
    const { recorder, parser: p2 } = parse(b('HTTP/1.1 200 OK\r\n\r\nab'), ['GET']);
    assert.equal(recorder.responses[0]!.complete, false);
    p2.finish();
    assert.equal(recorder.responses[0]!.complete, true);
    assert.equal(recorder.responses[0]!.body.toString(), 'ab');
  });

  it('calls onResponseStart once per response, onInformational per 1xx, in order', () => {
    const events: string[] = [];
    const parser = new ResponseParser({
      onResponseStart: () => (events.push('start'), 'GET'),
      onInformational: (s) => events.push(`info ${s}`),
      onHead: (h) => events.push(`head ${h.statusCode}`),
      onBody: (c) => events.push(`body ${c.toString()}`),
      onTrailers: (t) => events.push(`trailers ${t.length}`),
      onComplete: () => events.push('complete'),
    });
    parser.execute(b('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX: 1\r\n\r\nHTTP/1.1 204 No\r\n\r\n'));
    assert.deepEqual(events, ['start', 'info 100', 'head 200', 'body a', 'trailers 1', 'complete', 'start', 'head 204', 'complete']);
  });

  it('reads a large Content-Length body across many chunks', () => {
    const body = Buffer.alloc(100_000, 7);
    const input = Buffer.concat([b('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n'), body]);
    const pieces: Buffer[] = [];
    for (let i = 0; i < input.length; i += 1000) pieces.push(input.subarray(i, i + 1000));
    const { recorder } = parse(pieces, ['GET']);
    assert.deepEqual(recorder.responses[0]!.body, body);
  });
});

interface BadCase {
  name: string;
  input: string;
  reason: string;
  message: RegExp;
  methods?: string[];
  limits?: ParserLimits;
  eof?: boolean;
}

const bad: BadCase[] = [
  { name: 'not HTTP', input: 'ICY 200 OK\r\n\r\n', reason: 'bad-status-line', message: /does not start with "HTTP\/"/ },
  { name: 'HTTP in lower case', input: 'http/1.1 200 OK\r\n\r\n', reason: 'bad-status-line', message: /HTTP/ },
  { name: 'status line too short', input: 'HTTP\r\n\r\n', reason: 'bad-status-line', message: /bad status line: "HTTP"/ },
  { name: 'HTTP/2 status line', input: 'HTTP/2 200 OK\r\n\r\n', reason: 'bad-version', message: /unsupported HTTP version "HTTP\/2"/ },
  { name: 'HTTP/0.9', input: 'HTTP/0.9 200 OK\r\n\r\n', reason: 'bad-version', message: /HTTP\/0\.9/ },
  { name: 'HTTP/1.10', input: 'HTTP/1.10 200 OK\r\n\r\n', reason: 'bad-version', message: /HTTP\/1\.10/ },
  { name: 'two-digit status', input: 'HTTP/1.1 20 OK\r\n\r\n', reason: 'bad-status-code', message: /bad status code: "HTTP\/1\.1 20 OK"/ },
  { name: 'four-digit status', input: 'HTTP/1.1 2000 OK\r\n\r\n', reason: 'bad-status-code', message: /bad status code/ },
  { name: 'status below 100', input: 'HTTP/1.1 099 Low\r\n\r\n', reason: 'bad-status-code', message: /bad status code/ },
  { name: 'status not digits', input: 'HTTP/1.1 2x0 OK\r\n\r\n', reason: 'bad-status-code', message: /bad status code/ },
  { name: 'no status code', input: 'HTTP/1.1\r\n\r\n', reason: 'bad-status-code', message: /bad status code/ },
  { name: 'control char in reason phrase', input: 'HTTP/1.1 200 O\x01K\r\n\r\n', reason: 'bad-status-line', message: /reason phrase.*O\\x01K/ },
  {
    name: 'conflicting Content-Length fields',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
    reason: 'conflicting-content-length',
    message: /conflicting Content-Length values 5 and 6/,
  },
  { name: 'conflicting Content-Length list', input: 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n', reason: 'conflicting-content-length', message: /"5, 6"/ },
  { name: 'Content-Length not a number', input: 'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n', reason: 'bad-content-length', message: /Content-Length "abc" is not a number/ },
  { name: 'negative Content-Length', input: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', reason: 'bad-content-length', message: /"-1"/ },
  { name: 'empty Content-Length', input: 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n', reason: 'bad-content-length', message: /Content-Length "" is not a number/ },
  { name: 'Content-Length with plus sign', input: 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n', reason: 'bad-content-length', message: /"\+5"/ },
  { name: 'huge Content-Length', input: 'HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n', reason: 'bad-content-length', message: /too large/ },
  {
    name: 'Content-Length and Transfer-Encoding',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
    reason: 'content-length-with-transfer-encoding',
    message: /both Content-Length and Transfer-Encoding "chunked"/,
  },
  { name: 'Transfer-Encoding gzip only', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', reason: 'bad-transfer-encoding', message: /"gzip" does not end in a single chunked/ },
  { name: 'chunked not last', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', reason: 'bad-transfer-encoding', message: /"chunked, gzip"/ },
  // Coded bytes are never handed on as the body: a coding other than chunked is refused, naming it.
  { name: 'Transfer-Encoding gzip, chunked', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n', reason: 'unsupported-transfer-coding', message: /"gzip, chunked": hiper decodes no transfer coding but chunked/ },
  { name: 'Transfer-Encoding over two fields, CHUNKED in capitals', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: deflate\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n', reason: 'unsupported-transfer-coding', message: /"deflate, CHUNKED"/ },
  { name: 'chunked twice', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', reason: 'bad-transfer-encoding', message: /"chunked, chunked"/ },
  { name: 'empty Transfer-Encoding', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n', reason: 'bad-transfer-encoding', message: /Transfer-Encoding ""/ },
  { name: 'non-hex chunk size', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', reason: 'bad-chunk-size', message: /bad chunk size: "zz"/ },
  { name: 'empty chunk size', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', reason: 'bad-chunk-size', message: /bad chunk size/ },
  { name: 'chunk size with junk after it', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n', reason: 'bad-chunk-size', message: /"5x"/ },
  { name: 'negative chunk size', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n', reason: 'bad-chunk-size', message: /"-5"/ },
  { name: 'chunk size overflow', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', reason: 'bad-chunk-size', message: /overflows/ },
  {
    name: 'chunk size line too long',
    input: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'x'.repeat(300)}\r\n`,
    reason: 'bad-chunk-size',
    message: /chunk-size line longer than 256 bytes/,
    limits: { maxHeadSize: 256 },
  },
  { name: 'control char in chunk extension', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\x01\r\n', reason: 'bad-chunk-extension', message: /chunk extension/ },
  { name: 'chunk data without CRLF', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n', reason: 'bad-chunk-end', message: /not followed by CRLF.*"X/ },
  { name: 'chunk data followed by CR without LF', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX', reason: 'bare-cr', message: /CR without LF/ },
  { name: 'obs-fold', input: 'HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\n\r\n', reason: 'obs-fold', message: /continuation line \(obs-fold\): " two"/ },
  { name: 'obs-fold with tab', input: 'HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\n', reason: 'obs-fold', message: /obs-fold/ },
  { name: 'obs-fold in trailers', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: a\r\n b\r\n\r\n', reason: 'obs-fold', message: /obs-fold/ },
  { name: 'bare CR in status line', input: 'HTTP/1.1 200 OK\rX\r\n\r\n', reason: 'bare-cr', message: /CR not followed by LF in "HTTP\/1\.1 200 OK\\rX"/ },
  { name: 'bare CR in version', input: 'HTTP/1.1\r200 OK\r\n\r\n', reason: 'bare-cr', message: /CR not followed by LF/ },
  { name: 'bare CR in header value', input: 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', reason: 'bare-cr', message: /"X-A: a\\rb"/ },
  { name: 'bare CR ending a header line', input: 'HTTP/1.1 200 OK\r\nX-A: a\r\r\n\r\n', reason: 'bare-cr', message: /CR not followed by LF/ },
  { name: 'bare CR as the empty line', input: 'HTTP/1.1 200 OK\r\nX-A: a\r\n\r\r\n', reason: 'bare-cr', message: /CR not followed by LF/ },
  { name: 'bare CR in header name', input: 'HTTP/1.1 200 OK\r\nX\rA: a\r\n\r\n', reason: 'bare-cr', message: /CR not followed by LF/ },
  { name: 'bare CR in chunk size line', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r;\r\n', reason: 'bare-cr', message: /CR not followed by LF/ },
  {
    name: 'bare LF when refused (status line)',
    input: 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n',
    reason: 'bare-lf',
    message: /line ended by LF without CR/,
    limits: { rejectBareLf: true },
  },
  {
    name: 'bare LF when refused (after chunk data)',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\n0\r\n\r\n',
    reason: 'bare-lf',
    message: /not followed by CRLF/,
    limits: { rejectBareLf: true },
  },
  { name: 'space in header name', input: 'HTTP/1.1 200 OK\r\nX A: b\r\n\r\n', reason: 'bad-header-name', message: /invalid header name: "X A: b"/ },
  { name: 'space before colon', input: 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', reason: 'bad-header-name', message: /invalid header name/ },
  { name: 'empty header name', input: 'HTTP/1.1 200 OK\r\n: b\r\n\r\n', reason: 'bad-header-name', message: /invalid header name/ },
  { name: 'header line without colon', input: 'HTTP/1.1 200 OK\r\nXYZ\r\n\r\n', reason: 'bad-header-name', message: /without a colon: "XYZ"/ },
  { name: 'non-ASCII header name', input: 'HTTP/1.1 200 OK\r\nX\xe9: b\r\n\r\n', reason: 'bad-header-name', message: /"X\\xe9: b"/ },
  { name: 'NUL in header value', input: 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n', reason: 'bad-header-value', message: /invalid character 0x00 in header value: "X-A: a\\x00b"/ },
  { name: 'DEL in header value', input: 'HTTP/1.1 200 OK\r\nX-A: \x7f\r\n\r\n', reason: 'bad-header-value', message: /0x7f/ },
  { name: 'control char in trailer value', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: \x02\r\n\r\n', reason: 'bad-header-value', message: /0x02/ },
  {
    name: 'head too large',
    input: `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100)}\r\n\r\n`,
    reason: 'head-too-large',
    message: /response head larger than 64 bytes/,
    limits: { maxHeadSize: 64 },
  },
  {
    name: 'head too large with no line end in sight',
    input: `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100)}`,
    reason: 'head-too-large',
    message: /response head larger than 64 bytes/,
    limits: { maxHeadSize: 64 },
  },
  {
    name: 'trailers too large',
    input: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${'a'.repeat(100)}\r\n\r\n`,
    reason: 'head-too-large',
    message: /trailer section larger than 64 bytes/,
    limits: { maxHeadSize: 64 },
  },
  {
    name: 'too many headers',
    input: 'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n',
    reason: 'too-many-headers',
    message: /more than 2 header fields/,
    limits: { maxHeaders: 2 },
  },
  {
    name: 'too many trailers',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n',
    reason: 'too-many-headers',
    message: /more than 2 trailer fields/,
    limits: { maxHeaders: 2 },
  },
  { name: 'data with no request outstanding', input: 'HTTP/1.1 200 OK\r\n\r\n', methods: [], reason: 'unexpected-data', message: /data with no request outstanding/ },
  {
    name: 'a second response with only one request outstanding',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n',
    methods: ['GET'],
    reason: 'unexpected-data',
    message: /HTTP response 2: data with no request outstanding/,
  },
  { name: '101 Switching Protocols', input: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', reason: 'switching-protocols-unsupported', message: /101 Switching Protocols is not supported/ },
  { name: '2xx to CONNECT', input: 'HTTP/1.1 200 Connection established\r\n\r\n', methods: ['CONNECT'], reason: 'connect-unsupported', message: /CONNECT/ },
  { name: 'EOF in status line', input: 'HTTP/1.1 20', eof: true, reason: 'incomplete', message: /closed in the middle of a response head/ },
  { name: 'EOF in headers', input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n', eof: true, reason: 'incomplete', message: /response head/ },
  { name: 'EOF in a 1xx', input: 'HTTP/1.1 100 Continue\r\n\r\n', eof: true, reason: 'incomplete', message: /response head/ },
  { name: 'EOF in a Content-Length body', input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', eof: true, reason: 'incomplete', message: /after 3 of 5 body bytes/ },
  { name: 'EOF in chunk data', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', eof: true, reason: 'incomplete', message: /chunked body/ },
  { name: 'EOF after chunk data', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', eof: true, reason: 'incomplete', message: /chunked body/ },
  { name: 'EOF before the last chunk', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0', eof: true, reason: 'incomplete', message: /chunked body/ },
  { name: 'EOF in trailers', input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n', eof: true, reason: 'incomplete', message: /trailers/ },
];

function expectParseError(fn: () => void, reason: string, message: RegExp): HiperError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HiperError, `expected a HiperError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_HTTP_PARSE');
  assert.equal(caught.details.reason, reason, caught.message);
  assert.match(caught.message, message);
  return caught;
}

describe('h1 ResponseParser: malformed responses', () => {
  for (const c of bad) {
    const methods = c.methods ?? ['GET'];
    it(`${c.name}: ${c.reason} (whole)`, () => {
      expectParseError(() => parse(b(c.input), methods, { limits: c.limits, eof: c.eof }), c.reason, c.message);
    });
    it(`${c.name}: ${c.reason} (byte by byte)`, () => {
      expectParseError(() => parse(bytewise(b(c.input)), methods, { limits: c.limits, eof: c.eof }), c.reason, c.message);
    });
  }

  it('stays failed: every later execute and finish throws the same error', () => {
    const parser = new ResponseParser(new Recorder(['GET', 'GET']));
    const first = expectParseError(() => parser.execute(b('HTTP/1.1 2x0 OK\r\n')), 'bad-status-code', /bad status code/);
    assert.throws(() => parser.execute(b('HTTP/1.1 200 OK\r\n\r\n')), (e) => e === first);
    assert.throws(() => parser.finish(), (e) => e === first);
    assert.equal(parser.idle, false);
  });

  it('names the input and the response number in the error', () => {
    const err = expectParseError(
      () => parse(b('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nX-A: a\x00\r\n\r\n'), ['GET', 'GET']),
      'bad-header-value',
      /^HTTP response 2: /,
    );
    assert.equal(err.input, 'X-A: a\\x00');
    assert.equal(err.details.response, 2);
  });
});

describe('h1 ResponseParser: limits', () => {
  for (const limits of [{ maxHeadSize: 0 }, { maxHeaders: -1 }, { maxHeadSize: 1.5 }, { maxHeaders: Number.NaN }]) {
    it(`refuses ${JSON.stringify(limits)}`, () => {
      assert.throws(() => new ResponseParser(new Recorder([]), limits), (e: unknown) => e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT');
    });
  }
  it('accepts a head of exactly maxHeadSize bytes', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    const { recorder } = parse(b(head), ['GET'], { limits: { maxHeadSize: head.length } });
    assert.equal(recorder.responses.length, 1);
    expectParseError(() => parse(b(head), ['GET'], { limits: { maxHeadSize: head.length - 1 } }), 'head-too-large', /larger than/);
  });
  it('accepts exactly maxHeaders fields', () => {
    const { recorder } = parse(b('HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 0\r\n\r\n'), ['GET'], { limits: { maxHeaders: 2 } });
    assert.equal(recorder.responses.length, 1);
  });
});
