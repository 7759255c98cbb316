import assert from 'node:assert/strict';
import { isIdempotent, retryVerdict, type HandedBack, type RetryVerdict } from '../../../src/multi/retry.js';

/** A row: the facts of a transfer a closed connection handed back unanswered, and what must happen to it. */
interface Row {
  why: string;
  h: HandedBack;
  verdict: RetryVerdict;
}

const h1 = { multiplexed: false, unprocessed: false, answeredOthers: false, replayable: true };
const h2 = { multiplexed: true, unprocessed: false, answeredOthers: false, replayable: true };

const ROWS: Row[] = [
  // RFC 9112 §9.3.2: an idempotent request that got no answer may be sent again, on a new connection; hiper does it once.
  { why: 'h1 GET, first try: retried', h: { ...h1, idempotent: true, tries: 1 }, verdict: 'retry' },
  { why: 'h1 GET, already retried once: ERR_PIPELINE_ABORTED', h: { ...h1, idempotent: true, tries: 2 }, verdict: 'ERR_PIPELINE_ABORTED' },
  { why: 'h1 GET, the connection answered others: still once only', h: { ...h1, idempotent: true, tries: 2, answeredOthers: true }, verdict: 'ERR_PIPELINE_ABORTED' },
  { why: 'h1 POST, first try: not idempotent, ERR_CONNECTION_CLOSED', h: { ...h1, idempotent: false, tries: 1 }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'h1 POST said unprocessed: only an HTTP/2 session can say so, ignored', h: { ...h1, idempotent: false, tries: 1, unprocessed: true, answeredOthers: true }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'h1 GET said unprocessed after a retry: ignored, ERR_PIPELINE_ABORTED', h: { ...h1, idempotent: true, tries: 2, unprocessed: true, answeredOthers: true }, verdict: 'ERR_PIPELINE_ABORTED' },
  // The same rule on an HTTP/2 session for streams it did not mark.
  { why: 'h2 GET not marked, first try: retried (§9.3.2)', h: { ...h2, idempotent: true, tries: 1 }, verdict: 'retry' },
  { why: 'h2 GET not marked, already retried, session answered others: ERR_PIPELINE_ABORTED', h: { ...h2, idempotent: true, tries: 2, answeredOthers: true }, verdict: 'ERR_PIPELINE_ABORTED' },
  { why: 'h2 POST not marked: ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false, tries: 1 }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'h2 POST not marked, session answered others: ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false, tries: 3, answeredOthers: true }, verdict: 'ERR_CONNECTION_CLOSED' },
  // RFC 9113 §8.7: a stream the server did not process may be sent again whatever its method.
  { why: 'h2 POST unprocessed, first try: retried (§8.7)', h: { ...h2, idempotent: false, tries: 1, unprocessed: true }, verdict: 'retry' },
  { why: 'h2 POST unprocessed, already retried, no answer on the session: ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false, tries: 2, unprocessed: true }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'h2 POST unprocessed, already retried, the session answered others (progress): retried', h: { ...h2, idempotent: false, tries: 2, unprocessed: true, answeredOthers: true }, verdict: 'retry' },
  { why: 'h2 POST unprocessed, many tries, sessions keep making progress: retried', h: { ...h2, idempotent: false, tries: 7, unprocessed: true, answeredOthers: true }, verdict: 'retry' },
  { why: 'h2 GET unprocessed, first try: retried', h: { ...h2, idempotent: true, tries: 1, unprocessed: true }, verdict: 'retry' },
  { why: 'h2 GET unprocessed, already retried, session answered others: retried', h: { ...h2, idempotent: true, tries: 2, unprocessed: true, answeredOthers: true }, verdict: 'retry' },
  { why: 'h2 GET unprocessed, already retried, no progress: ERR_PIPELINE_ABORTED', h: { ...h2, idempotent: true, tries: 2, unprocessed: true }, verdict: 'ERR_PIPELINE_ABORTED' },
  // A streamed body was read as it was sent: never sent again, even where the server did not process it.
  { why: 'h2 POST with a streamed body, unprocessed, first try: not replayable, ERR_CONNECTION_CLOSED', h: { ...h2, idempotent: false, tries: 1, unprocessed: true, replayable: false }, verdict: 'ERR_CONNECTION_CLOSED' },
  { why: 'h1 PUT with a streamed body, first try: ERR_CONNECTION_CLOSED', h: { ...h1, idempotent: false, tries: 1, replayable: false }, verdict: 'ERR_CONNECTION_CLOSED' },
];

describe('multi retry decision (RFC 9112 §9.3.2, RFC 9113 §8.7)', () => {
  for (const row of ROWS) {
    it(row.why, () => {
      assert.equal(retryVerdict(row.h), row.verdict);
    });
  }

  it('over every combination: retried only when idempotent or marked unprocessed by a session; the error follows idempotence alone', () => {
    for (const idempotent of [false, true]) {
      for (const multiplexed of [false, true]) {
        for (const unprocessed of [false, true]) {
          for (const answeredOthers of [false, true]) {
            for (const tries of [1, 2, 3]) {
              const h = { idempotent, multiplexed, unprocessed, answeredOthers, tries, replayable: true };
              const v = retryVerdict(h);
              const unprocessedBySession = multiplexed && unprocessed;
              const may = idempotent || unprocessedBySession;
              const expected = may && (tries === 1 || (unprocessedBySession && answeredOthers));
              assert.equal(v === 'retry', expected, JSON.stringify(h));
              if (v !== 'retry') assert.equal(v, idempotent ? 'ERR_PIPELINE_ABORTED' : 'ERR_CONNECTION_CLOSED', JSON.stringify(h));
            }
          }
        }
      }
    }
  });

  describe('idempotent, as hiper counts it (pipelined and retried)', () => {
    const cases: Array<[string, boolean, boolean]> = [
      ['GET', false, true],
      ['HEAD', false, true],
      ['GET', true, false],
      ['HEAD', true, false],
      ['POST', false, false],
      ['PUT', false, false],
      ['DELETE', false, false],
      ['OPTIONS', false, false],
      // Methods are case-sensitive (RFC 9110 §9.1).
      ['get', false, false],
    ];
    for (const [method, hasBody, expected] of cases) {
      it(`${method}${hasBody ? ' with a body' : ''}: ${expected}`, () => {
        assert.equal(isIdempotent(method, hasBody), expected);
      });
    }
  });
});
