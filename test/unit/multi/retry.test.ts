import assert from 'node:assert/strict';
import { isIdempotent, isPipelinable, retryVerdict, type HandedBack, type RetryVerdict } from '../../../src/multi/retry.js';

/** A row: the facts of a transfer a closed connection handed back unanswered, and what must happen to it. */
interface Row {
  why: string;
  h: Partial<HandedBack>;
  verdict: RetryVerdict;
}

/** An HTTP/1.1 GET handed back after its first try, nothing of it delivered, no progress, the default bound. */
const BASE: HandedBack = { idempotent: true, replayable: true, handedOut: false, tries: 1, maxTries: 5, multiplexed: false, unprocessed: false, progress: false };
const h2 = { multiplexed: true };

const ROWS: Row[] = [
  // RFC 9112 §9.3.2: an idempotent request that got no answer may be sent again on a new connection.
  { why: 'GET, first try: retried', h: {}, verdict: 'retry' },
  { why: 'GET, second try, no progress since: ERR_PIPELINE_ABORTED', h: { tries: 2 }, verdict: 'ERR_PIPELINE_ABORTED' },
  { why: 'GET, second try, the host answered others since: retried', h: { tries: 2, progress: true }, verdict: 'retry' },
  { why: 'GET, fourth try, progress each time: retried', h: { tries: 4, progress: true }, verdict: 'retry' },
  { why: 'GET, fifth try (the bound), progress: ERR_PIPELINE_ABORTED', h: { tries: 5, progress: true }, verdict: 'ERR_PIPELINE_ABORTED' },
  { why: 'GET, bound 1: never retried', h: { maxTries: 1 }, verdict: 'ERR_PIPELINE_ABORTED' },
  { why: 'GET whose head or a body byte reached the caller: ERR_CONNECTION_CLOSED', h: { handedOut: true }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'POST, first try: not idempotent, ERR_CONNECTION_CLOSED', h: { idempotent: false }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'POST said unprocessed on HTTP/1.1: only a session can say so, ignored', h: { idempotent: false, unprocessed: true, progress: true }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'PUT the caller called idempotent, first try: retried', h: { idempotent: true }, verdict: 'retry' },
  // The same rules on an HTTP/2 session for streams it did not mark.
  { why: 'h2 GET not marked, first try: retried (§9.3.2)', h: { ...h2 }, verdict: 'retry' },
  { why: 'h2 GET not marked, second try, no progress: ERR_PIPELINE_ABORTED', h: { ...h2, tries: 2 }, verdict: 'ERR_PIPELINE_ABORTED' },
  { why: 'h2 POST not marked: ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false }, verdict: 'ERR_CONNECTION_CLOSED' },
  // RFC 9113 §8.7: a stream the server did not process may be sent again whatever its method.
  { why: 'h2 POST unprocessed, first try: retried (§8.7)', h: { ...h2, idempotent: false, unprocessed: true }, verdict: 'retry' },
  { why: 'h2 POST unprocessed, second try, no progress: ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false, unprocessed: true, tries: 2 }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'h2 POST unprocessed, second try, progress: retried', h: { ...h2, idempotent: false, unprocessed: true, tries: 2, progress: true }, verdict: 'retry' },
  { why: 'h2 POST unprocessed, at the bound: ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false, unprocessed: true, tries: 5, progress: true }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'h2 GET unprocessed, at the bound: ERR_PIPELINE_ABORTED', h: { ...h2, unprocessed: true, tries: 5, progress: true }, verdict: 'ERR_PIPELINE_ABORTED' },
  // A streamed body was read as it was sent: never sent again, even where the server did not process it.
  { why: 'h2 POST with a streamed body, unprocessed: not replayable, ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false, unprocessed: true, replayable: false }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'PUT said idempotent with a streamed body: ERR_CONNECTION_CLOSED', h: { replayable: false }, verdict: 'ERR_CONNECTION_CLOSED' },
];

describe('multi retry decision (RFC 9112 §9.3.2, RFC 9113 §8.7)', () => {
  for (const row of ROWS) {
    it(row.why, () => {
      assert.equal(retryVerdict({ ...BASE, ...row.h }), row.verdict);
    });
  }

  it('over every combination: retried only when allowed, not delivered, replayable, below the bound, and first or progressing', () => {
    const bools = [false, true];
    for (const idempotent of bools) for (const replayable of bools) for (const handedOut of bools) for (const multiplexed of bools) {
      for (const unprocessed of bools) for (const progress of bools) for (const tries of [1, 2, 3, 5, 6]) {
        const h: HandedBack = { idempotent, replayable, handedOut, tries, maxTries: 5, multiplexed, unprocessed, progress };
        const v = retryVerdict(h);
        const may = replayable && !handedOut && (idempotent || (multiplexed && unprocessed));
        const expected = may && tries < 5 && (tries === 1 || progress);
        assert.equal(v === 'retry', expected, JSON.stringify(h));
        if (v !== 'retry') assert.equal(v, may && idempotent ? 'ERR_PIPELINE_ABORTED' : 'ERR_CONNECTION_CLOSED', JSON.stringify(h));
      }
    }
  });

  describe('idempotent (sent again after a broken connection) and pipelinable, as hiper counts them', () => {
    const cases: Array<[method: string, hasBody: boolean, said: boolean, idempotent: boolean, pipelinable: boolean]> = [
      ['GET', false, false, true, true],
      ['HEAD', false, false, true, true],
      ['OPTIONS', false, false, true, false],
      ['OPTIONS', true, false, true, false],
      ['GET', true, false, false, false],
      ['HEAD', true, false, false, false],
      ['POST', false, false, false, false],
      ['POST', true, true, false, false],
      ['PUT', true, false, false, false],
      ['PUT', true, true, true, false],
      ['DELETE', false, false, false, false],
      ['DELETE', false, true, true, false],
      ['PATCH', true, true, false, false],
      // Methods are case-sensitive (RFC 9110 §9.1).
      ['get', false, false, false, false],
    ];
    for (const [method, hasBody, said, idempotent, pipelinable] of cases) {
      it(`${method}${hasBody ? ' with a body' : ''}${said ? ', said idempotent' : ''}: ${idempotent ? 'idempotent' : 'not idempotent'}, ${pipelinable ? 'pipelinable' : 'not pipelinable'}`, () => {
        assert.equal(isIdempotent(method, hasBody, said), idempotent);
        assert.equal(isPipelinable(method, hasBody), pipelinable);
      });
    }
  });
});
