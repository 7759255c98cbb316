/**
 * Micro-benchmark of the h1 response parser: small pipelined responses (Content-Length and chunked),
 * fed as 16 KiB socket-sized reads. Prints ns per response and MB/s.
 *   npx tsc -p tsconfig.test.json && node dist-test/bench/h1-parser.js
 */
import { ResponseParser } from '../src/multi/h1/index.js';
import type { ResponseHandler } from '../src/multi/h1/index.js';

const RESPONSES = 1000;
const PASSES = 300;
const TIME_LIMIT_MS = 10_000;

function build(): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < RESPONSES; i++) {
    const body = `{"id":${i},"ok":true}`;
    const common = 'Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: bench\r\nContent-Type: application/json\r\n';
    parts.push(
      i % 2 === 0
        ? `HTTP/1.1 200 OK\r\n${common}Content-Length: ${body.length}\r\n\r\n${body}`
        : `HTTP/1.1 200 OK\r\n${common}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
  }
  return Buffer.from(parts.join(''), 'latin1');
}

function run(label: string, pieces: Buffer[], total: number): void {
  let bodyBytes = 0;
  let done = 0;
  const handler: ResponseHandler = {
    onResponseStart: () => 'GET',
    onHead: () => {},
    onBody: (c) => {
      bodyBytes += c.length;
    },
    onComplete: () => {
      done++;
    },
  };
  // warm up
  for (let i = 0; i < 20; i++) {
    const p = new ResponseParser(handler);
    for (const c of pieces) p.execute(c);
  }
  done = 0;
  const start = process.hrtime.bigint();
  let passes = 0;
  while (passes < PASSES && Number(process.hrtime.bigint() - start) / 1e6 < TIME_LIMIT_MS) {
    const p = new ResponseParser(handler);
    for (const c of pieces) p.execute(c);
    passes++;
  }
  const ns = Number(process.hrtime.bigint() - start);
  if (done !== passes * RESPONSES || bodyBytes === 0) throw new Error('benchmark parsed the wrong number of responses');
  const mbps = (total * passes) / (ns / 1e9) / 1e6;
  console.log(`${label}: ${(ns / done).toFixed(0)} ns/response, ${mbps.toFixed(0)} MB/s (${done} responses)`);
}

const input = build();
const reads: Buffer[] = [];
for (let i = 0; i < input.length; i += 16 * 1024) reads.push(input.subarray(i, i + 16 * 1024));
console.log(`h1 parser: ${RESPONSES} pipelined responses, ${(input.length / RESPONSES).toFixed(0)} bytes each on average`);
run('one buffer', [input], input.length);
run('16 KiB reads', reads, input.length);
