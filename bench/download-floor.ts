/**
 * The Node floor of a download, run as its own process: a bare net.Socket sends one GET and reads the
 * response; the head is found by its end and its Content-Length, nothing more is parsed, and the body is
 * written to FILE with one synchronous write per slice (or dropped when FILE is "-").
 *   node download-floor.js URL FILE|-
 * Exits 0 once Content-Length bytes were received (and written), 1 with a message otherwise.
 */
import net from 'node:net';
import { closeSync, openSync, writeSync } from 'node:fs';

const [url, file] = process.argv.slice(2);
if (url === undefined || file === undefined) {
  process.stderr.write('usage: download-floor URL FILE|-\n');
  process.exit(2);
}
const target = new URL(url);
const fd = file === '-' ? undefined : openSync(file, 'w');
const HEAD_END = Buffer.from('\r\n\r\n');
/** The head so far; undefined once the body has begun. */
let head: Buffer | undefined = Buffer.alloc(0);
let left = -1;

function fail(why: string): never {
  process.stderr.write(`download-floor: ${why}\n`);
  process.exit(1);
}

const socket = net.connect(Number(target.port || 80), target.hostname);
socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n\r\n`);

function body(c: Buffer): void {
  const n = Math.min(c.length, left);
  if (fd !== undefined) for (let at = 0; at < n; ) at += writeSync(fd, c, at, n - at);
  left -= n;
  if (left === 0) {
    if (fd !== undefined) closeSync(fd);
    socket.destroy();
  }
}

socket.on('data', (c: Buffer) => {
  if (head === undefined) return body(c);
  const h: Buffer = head.length === 0 ? c : Buffer.concat([head, c]);
  const end = h.indexOf(HEAD_END);
  if (end < 0) {
    head = h;
    return;
  }
  const text = h.toString('latin1', 0, end);
  if (!text.startsWith('HTTP/1.1 200 ')) fail(`status ${text.slice(9, 12)}, expected 200`);
  const length = /\r\ncontent-length: *(\d+)/i.exec(text)?.[1];
  if (length === undefined) fail('no Content-Length');
  left = Number(length);
  head = undefined;
  body(h.subarray(end + HEAD_END.length));
});
socket.on('error', (e) => fail(e.message));
socket.on('close', () => {
  if (left !== 0) fail(`the connection closed with ${left < 0 ? 'no head' : `${left} body bytes to come`}`);
});
