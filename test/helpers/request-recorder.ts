/**
 * A raw HTTP/1.x server on 127.0.0.1 that records each request exactly as it came on the wire (head
 * and body bytes) and answers a small 200 with Connection: close; and a helper that catches a
 * HiperError of a given code.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { HiperError } from '../../src/shared/errors.js';

export interface RecordedRequest {
  /** Request line and header lines, CRLF kept, without the empty line. */
  head: string;
  body: Buffer;
}

export interface Recorder {
  port: number;
  url: string;
  requests: RecordedRequest[];
  /** Resolves when `n` requests in all have been recorded. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

/** The body that follows a head: by Content-Length or chunked; undefined while incomplete. */
function bodyOf(head: string, rest: Buffer): Buffer | undefined {
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return rest.length >= Number(length[1]) ? rest.subarray(0, Number(length[1])) : undefined;
  if (!/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let at = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    const eol = rest.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
    if (rest.length < eol + 2 + size + 2) return undefined;
    if (size === 0) return Buffer.concat(chunks);
    chunks.push(rest.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return undefined;
}

export async function startRecorder(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server: Server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const body = bodyOf(head, buf.subarray(end + 4));
      if (body === undefined) return;
      requests.push({ head, body: Buffer.from(body) });
      for (const w of waiters.filter((x) => requests.length >= x.n)) w.resolve();
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n');
      buf = Buffer.alloc(0);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (n) => (requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The HiperError fn throws, checked to have this code. */
export function thrownHiperError(fn: () => unknown, code: string): HiperError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HiperError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail('did not throw');
}
