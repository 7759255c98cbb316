import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { encodeRequestHead, validateHeaders, writeRequest, ResponseParser } from '../../../src/multi/h1/index.js';
import type { RequestSpec } from '../../../src/multi/h1/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { Recorder } from './recorder.js';

const goodHeads: Array<[string, RequestSpec, string]> = [
  ['GET with Host from spec', { method: 'GET', path: '/', host: 'example.com' }, 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'],
  [
    'header names keep their case, order kept, record values as several fields',
    { method: 'GET', path: '/a?b=c', host: 'h:8080', headers: { 'X-CaSe': 'v', accept: ['a/b', 'c/d'] } },
    'GET /a?b=c HTTP/1.1\r\nHost: h:8080\r\nX-CaSe: v\r\naccept: a/b\r\naccept: c/d\r\n\r\n',
  ],
  [
    'a given Host header replaces spec.host',
    { method: 'HEAD', path: '/x', host: 'ignored', headers: [['User-Agent', 'hiper'], ['host', '[fe80::1]:80']] },
    'HEAD /x HTTP/1.1\r\nUser-Agent: hiper\r\nhost: [fe80::1]:80\r\n\r\n',
  ],
  [
    'Content-Length from a Buffer[] body',
    { method: 'POST', path: '/p', host: 'h', body: [Buffer.from('ab'), Buffer.from('cde')] },
    'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n',
  ],
  ['Content-Length of a UTF-8 string body', { method: 'PUT', path: '/', host: 'h', body: 'é€' }, 'PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n'],
  ['POST without a body gets Content-Length: 0', { method: 'POST', path: '/', host: 'h' }, 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n'],
  [
    'a matching Content-Length is kept as given',
    { method: 'POST', path: '/', host: 'h', headers: { 'content-length': '3' }, body: Buffer.from('abc') },
    'POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 3\r\n\r\n',
  ],
  [
    'tab, obs-text and an empty value are allowed',
    { method: 'GET', path: '/', host: 'h', headers: [['X-A', 'a\tb'], ['X-B', 'caf\u00e9'], ['X-C', '']] },
    'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb\r\nX-B: caf\u00e9\r\nX-C:\r\n\r\n',
  ],
  ['OPTIONS *', { method: 'OPTIONS', path: '*', host: 'h' }, 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n'],
];

const refused: Array<[string, RequestSpec, string, RegExp]> = [
  ['CR in a value', { method: 'GET', path: '/', host: 'h', headers: { 'X-Inject': 'a\r\nEvil: 1' } }, 'ERR_INVALID_HEADER', /"X-Inject": the value holds CR at offset 1/],
  ['LF in a value', { method: 'GET', path: '/', host: 'h', headers: [['X-A', 'a\nb']] }, 'ERR_INVALID_HEADER', /"X-A": the value holds LF/],
  ['NUL in a value', { method: 'GET', path: '/', host: 'h', headers: [['X-A', 'a\0b']] }, 'ERR_INVALID_HEADER', /"X-A": the value holds NUL/],
  ['other control in a value', { method: 'GET', path: '/', host: 'h', headers: [['X-A', '\x7f']] }, 'ERR_INVALID_HEADER', /"X-A".*U\+007F/],
  ['a character above U+00FF', { method: 'GET', path: '/', host: 'h', headers: [['X-A', 'x\u20acy']] }, 'ERR_INVALID_HEADER', /"X-A".*U\+20AC at offset 1/],
  ['space in a name', { method: 'GET', path: '/', host: 'h', headers: [['X A', 'v']] }, 'ERR_INVALID_HEADER', /"X A": the name is not a token/],
  ['colon in a name', { method: 'GET', path: '/', host: 'h', headers: { 'X:A': 'v' } }, 'ERR_INVALID_HEADER', /"X:A"/],
  ['CR in a name', { method: 'GET', path: '/', host: 'h', headers: [['X\rA', 'v']] }, 'ERR_INVALID_HEADER', /not a token/],
  ['empty name', { method: 'GET', path: '/', host: 'h', headers: [['', 'v']] }, 'ERR_INVALID_HEADER', /"": the name is not a token/],
  ['a value that is not a string', { method: 'GET', path: '/', host: 'h', headers: { 'X-N': 5 as unknown as string } }, 'ERR_INVALID_HEADER', /"X-N": the value must be a string/],
  ['CR LF in spec.host', { method: 'GET', path: '/', host: 'h\r\nX: y' }, 'ERR_INVALID_HEADER', /"Host": the value holds CR/],
  ['two Host headers', { method: 'GET', path: '/', host: 'h', headers: [['Host', 'a'], ['host', 'b']] }, 'ERR_INVALID_HEADER', /Host given more than once/],
  ['Content-Length not matching the body', { method: 'POST', path: '/', host: 'h', headers: { 'Content-Length': '9' }, body: 'abc' }, 'ERR_INVALID_HEADER', /"9" does not match the body size 3/],
  ['Transfer-Encoding with a body', { method: 'POST', path: '/', host: 'h', headers: { 'Transfer-Encoding': 'chunked' }, body: 'x' }, 'ERR_INVALID_HEADER', /Transfer-Encoding/],
  ['method with a space', { method: 'GE T', path: '/', host: 'h' }, 'ERR_INVALID_ARGUMENT', /request method "GE T" is not a token/],
  ['empty method', { method: '', path: '/', host: 'h' }, 'ERR_INVALID_ARGUMENT', /request method "" is not a token/],
  ['space in path', { method: 'GET', path: '/a b', host: 'h' }, 'ERR_INVALID_URL', /request path "\/a b" holds a space at offset 2/],
  ['CR LF in path', { method: 'GET', path: '/a\r\nX: y', host: 'h' }, 'ERR_INVALID_URL', /holds CR at offset 2/],
  ['non-ASCII path', { method: 'GET', path: '/caf\u00e9', host: 'h' }, 'ERR_INVALID_URL', /non-ASCII/],
  ['empty path', { method: 'GET', path: '', host: 'h' }, 'ERR_INVALID_URL', /request path is empty/],
  ['a body that is not a Buffer', { method: 'POST', path: '/', host: 'h', body: [1, 2] as unknown as Buffer[] }, 'ERR_INVALID_ARGUMENT', /request body must be/],
];

/** A stand-in socket that records what reaches its write side, and whether it came as one writev. */
class RecordingSocket extends Writable {
  readonly batches: Buffer[][] = [];
  constructor() {
    super({
      writev: (chunks, cb) => {
        this.batches.push(chunks.map((c) => c.chunk as Buffer));
        cb();
      },
      write: (chunk: Buffer, _enc, cb) => {
        this.batches.push([chunk]);
        cb();
      },
    });
  }
}

describe('h1 request writer', () => {
  for (const [name, spec, wire] of goodHeads) {
    it(`encodes: ${name}`, () => {
      assert.equal(encodeRequestHead(spec).toString('latin1'), wire);
    });
  }
  for (const [name, spec, code, message] of refused) {
    it(`refuses: ${name} (${code})`, () => {
      assert.throws(() => encodeRequestHead(spec), (err: unknown) => {
        assert.ok(err instanceof HiperError);
        assert.equal(err.code, code);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('validateHeaders returns pairs and names the bad header', () => {
    assert.deepEqual(validateHeaders({ a: 'b', c: ['d', 'e'] }), [['a', 'b'], ['c', 'd'], ['c', 'e']]);
    assert.deepEqual(validateHeaders(undefined), []);
    assert.throws(() => validateHeaders([['Good', 'x'], ['Bad', 'y\r\n']]), (e: unknown) => e instanceof HiperError && e.input === 'Bad');
  });

  it('writes head and body Buffers in one writev, the body Buffers themselves', () => {
    const socket = new RecordingSocket();
    const parts = [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('world')];
    const ok = writeRequest(socket as unknown as net.Socket, { method: 'POST', path: '/up', host: 'h', body: parts });
    assert.equal(ok, true);
    assert.equal(socket.batches.length, 1, 'one batch');
    const [batch] = socket.batches;
    assert.equal(batch!.length, 3, 'head + two non-empty body Buffers');
    assert.equal(batch![0]!.toString(), 'POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n');
    assert.equal(batch![1], parts[0], 'the same Buffer object, not a copy');
    assert.equal(batch![2], parts[2]);
  });

  it('writes a request without a body as one write', () => {
    const socket = new RecordingSocket();
    writeRequest(socket as unknown as net.Socket, { method: 'GET', path: '/', host: 'h' });
    assert.equal(socket.batches.length, 1);
    assert.equal(socket.batches[0]!.length, 1);
  });

  it('refuses a bad header before writing anything', () => {
    const socket = new RecordingSocket();
    assert.throws(() => writeRequest(socket as unknown as net.Socket, { method: 'GET', path: '/', host: 'h', headers: { 'X-A': '\n' } }), /X-A/);
    assert.equal(socket.batches.length, 0);
  });
});

describe('h1 writer and parser on a loopback socket', () => {
  it('pipelines three requests with writev and parses the three responses', async () => {
    const received: Buffer[] = [];
    const server = net.createServer((conn) => {
      conn.on('data', (d: Buffer) => {
        received.push(d);
        const text = Buffer.concat(received).toString('latin1');
        // answer once all three requests (the last one with its 7-byte body) are in
        if (text.endsWith('payload')) {
          conn.write(
            'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none' +
              'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n' +
              'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n',
          );
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      const writevBatches: Buffer[][] = [];
      const s = socket as unknown as { _writev: (chunks: Array<{ chunk: Buffer }>, cb: () => void) => void };
      const original = s._writev.bind(socket);
      const body = [Buffer.from('pay'), Buffer.from('load')];
      s._writev = (chunks, cb) => {
        writevBatches.push(chunks.map((c) => c.chunk));
        original(chunks, cb);
      };
      const recorder = new Recorder(['GET', 'HEAD', 'POST']);
      const parser = new ResponseParser(recorder);
      const done = new Promise<void>((resolve, reject) => {
        socket.on('data', (d: Buffer) => {
          try {
            parser.execute(d);
            if (recorder.responses.length === 3 && recorder.responses[2]!.complete) resolve();
          } catch (err) {
            reject(err);
          }
        });
        socket.on('error', reject);
      });
      writeRequest(socket, { method: 'GET', path: '/1', host: `127.0.0.1:${port}` });
      writeRequest(socket, { method: 'HEAD', path: '/2', host: `127.0.0.1:${port}` });
      writeRequest(socket, { method: 'POST', path: '/3', host: `127.0.0.1:${port}`, body });
      await done;
      assert.deepEqual(
        recorder.responses.map((r) => [r.head.statusCode, r.body.toString()]),
        [[200, 'one'], [200, ''], [201, 'two']],
      );
      const batch = writevBatches.find((b) => b.includes(body[0]!));
      assert.ok(batch, 'the POST went out through writev');
      assert.ok(batch.includes(body[1]!), 'head and both body Buffers in one writev, the Buffers as given');
      assert.match(batch[batch.length - 3]!.toString(), /^POST \/3 /);
      const wire = Buffer.concat(received).toString('latin1');
      assert.match(wire, /^GET \/1 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n\r\nHEAD \/2 HTTP\/1\.1\r\n/);
      assert.match(wire, /POST \/3 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nContent-Length: 7\r\n\r\npayload$/);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
