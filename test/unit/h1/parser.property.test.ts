import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HiperError } from '../../../src/shared/index.js';
import { parse, splitAt, summary } from './recorder.js';

export interface ResponseModel {
  method: 'GET' | 'HEAD';
  status: number;
  informational: number[];
  framing: 'length' | 'chunked';
  headers: Array<[string, string]>;
  body: Uint8Array;
  chunkCuts: number[];
  extensions: boolean;
  trailers: Array<[string, string]>;
}

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);
const field = fc.tuple(token.map((n) => `X-${n}`), fieldValue);

const responseModel: fc.Arbitrary<ResponseModel> = fc.record({
  method: fc.constantFrom('GET' as const, 'GET' as const, 'HEAD' as const),
  status: fc.constantFrom(200, 200, 201, 204, 304, 404, 500),
  informational: fc.array(fc.constantFrom(100, 102, 103), { maxLength: 2 }),
  framing: fc.constantFrom('length' as const, 'chunked' as const),
  headers: fc.array(field, { maxLength: 4 }),
  body: fc.uint8Array({ maxLength: 300 }),
  chunkCuts: fc.array(fc.nat(300), { maxLength: 6 }),
  extensions: fc.boolean(),
  trailers: fc.array(field, { maxLength: 2 }),
});

function hasBody(m: ResponseModel): boolean {
  return m.method !== 'HEAD' && m.status !== 204 && m.status !== 304;
}

/** The wire bytes of one response; `closeDelimited` sends the body without framing (ended by EOF). */
export function encode(m: ResponseModel, closeDelimited: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const s of m.informational) parts.push(Buffer.from(`HTTP/1.1 ${s} Interim\r\nX-Info: ${s}\r\n\r\n`));
  let head = `HTTP/1.1 ${m.status} Reason\r\n`;
  for (const [n, v] of m.headers) head += `${n}: ${v}\r\n`;
  if (!closeDelimited) head += m.framing === 'length' ? `Content-Length: ${m.body.length}\r\n` : 'Transfer-Encoding: chunked\r\n';
  parts.push(Buffer.from(`${head}\r\n`));
  if (!hasBody(m)) return Buffer.concat(parts);
  if (closeDelimited || m.framing === 'length') {
    parts.push(Buffer.from(m.body));
    return Buffer.concat(parts);
  }
  const cuts = [...new Set(m.chunkCuts.filter((c) => c > 0 && c < m.body.length))].sort((a, b) => a - b);
  let prev = 0;
  for (const c of [...cuts, m.body.length]) {
    if (c === prev) continue;
    parts.push(Buffer.from(`${(c - prev).toString(16)}${m.extensions ? ';ext="v"' : ''}\r\n`), Buffer.from(m.body.subarray(prev, c)), Buffer.from('\r\n'));
    prev = c;
  }
  let tail = `0${m.extensions ? ';last' : ''}\r\n`;
  for (const [n, v] of m.trailers) tail += `${n}: ${v}\r\n`;
  parts.push(Buffer.from(`${tail}\r\n`));
  return Buffer.concat(parts);
}

/** What the parser should report for the models. */
function expected(models: ResponseModel[], closeLast: boolean): unknown[] {
  return models.map((m, i) => {
    const closeDelimited = closeLast && i === models.length - 1;
    const headers = [...m.headers];
    if (!closeDelimited) headers.push(m.framing === 'length' ? ['Content-Length', String(m.body.length)] : ['Transfer-Encoding', 'chunked']);
    const chunked = !closeDelimited && m.framing === 'chunked';
    return {
      informational: m.informational,
      head: {
        statusCode: m.status,
        statusMessage: 'Reason',
        httpVersion: 11,
        headers,
        keepAlive: !(closeDelimited && hasBody(m)),
        contentLength: !closeDelimited && m.framing === 'length' ? m.body.length : undefined,
        chunked,
      },
      body: hasBody(m) ? Buffer.from(m.body).toString('latin1') : '',
      trailers: chunked && hasBody(m) && m.trailers.length > 0 ? m.trailers : undefined,
      complete: true,
    };
  });
}

export const scenario = fc.record({
  models: fc.array(responseModel, { minLength: 1, maxLength: 6 }),
  closeLast: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 40 }),
});

describe('h1 ResponseParser: properties', () => {
  it('random pipelined responses fed in random splits parse exactly as fed whole, and as modelled', () => {
    fc.assert(
      fc.property(scenario, ({ models, closeLast, cuts }) => {
        const input = Buffer.concat(models.map((m, i) => encode(m, closeLast && i === models.length - 1)));
        const methods = models.map((m) => m.method);
        const whole = parse(input, methods, { eof: true }).recorder;
        const pieces = splitAt(input, cuts.map((c) => c % (input.length + 1)));
        const split = parse(pieces, methods, { eof: true }).recorder;
        assert.deepEqual(summary(whole), expected(models, closeLast));
        assert.deepEqual(summary(split), summary(whole));
        for (const r of split.responses) for (const s of r.slices) assert.equal(s.buffer, input.buffer, 'body slices are not copies');
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('a corrupted byte gives the same outcome whole or split, and only ever ERR_HTTP_PARSE', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ models, closeLast, cuts }, at, byte) => {
        const input = Buffer.concat(models.map((m, i) => encode(m, closeLast && i === models.length - 1)));
        input[at % input.length] = byte;
        const methods = models.map((m) => m.method);
        const outcome = (pieces: Buffer[]): unknown => {
          const recorder = { current: undefined as ReturnType<typeof parse>['recorder'] | undefined };
          try {
            recorder.current = parse(pieces, methods, { eof: true }).recorder;
            return { ok: summary(recorder.current) };
          } catch (err) {
            assert.ok(err instanceof HiperError && err.code === 'ERR_HTTP_PARSE', String(err));
            return { reason: err.details.reason, response: err.details.response };
          }
        };
        const whole = outcome([input]);
        const split = outcome(splitAt(input, cuts.map((c) => c % (input.length + 1))));
        assert.deepEqual(split, whole);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
