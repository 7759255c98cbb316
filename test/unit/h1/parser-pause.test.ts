/**
 * The HTTP/1.1 parser's pause() and resume(): a consumer that is behind stops the parser at the next
 * step and the rest of the chunk is held; resuming later (after more bytes arrived, or not) gives the
 * callbacks an unpaused parse gives. And the limit on 1xx responses before a final one.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ResponseParser } from '../../../src/multi/h1/index.js';
import type { ParserLimits, ResponseHandler, ResponseHead } from '../../../src/multi/h1/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { mulberry32, type Prng } from '../../helpers/prng.js';
import { splitAt } from './recorder.js';
import { encode, scenario } from './parser.property.test.js';

type Event =
  | ['start', string | undefined]
  | ['info', number]
  | ['head', ResponseHead]
  | ['body', Buffer]
  | ['trailers', Array<[string, string]>]
  | ['complete'];

/**
 * Records every callback in order. With a plan, a callback may pause the parser (and sometimes resume
 * it again at once, which must change nothing); it also notes any callback that runs while the parser
 * is paused, other than the onComplete that ends the step in which pause() was called.
 */
class SequenceRecorder implements ResponseHandler {
  readonly events: Event[] = [];
  readonly violations: string[] = [];
  parser!: ResponseParser;
  pauses = 0;

  constructor(private readonly methods: string[], private readonly plan?: Prng) {}

  private note(e: Event): void {
    if (this.parser.isPaused && e[0] !== 'complete') this.violations.push(`${e[0]} ran while paused (event ${this.events.length})`);
    this.events.push(e);
    const plan = this.plan;
    if (plan !== undefined && plan.chance(0.35)) {
      this.parser.pause();
      this.pauses++;
      if (plan.chance(0.1)) this.parser.resume();
    }
  }

  onResponseStart(): string | undefined {
    const m = this.methods.shift();
    this.note(['start', m]);
    return m;
  }
  onInformational(statusCode: number): void {
    this.note(['info', statusCode]);
  }
  onHead(head: ResponseHead): void {
    this.note(['head', head]);
  }
  onBody(chunk: Buffer): void {
    this.note(['body', chunk]);
  }
  onTrailers(trailers: Array<[string, string]>): void {
    this.note(['trailers', trailers]);
  }
  onComplete(): void {
    this.note(['complete']);
  }
}

/** Consecutive body slices joined: where a body is cut depends on the reads, not on what it is. */
function normalized(events: Event[]): unknown[] {
  const out: unknown[] = [];
  for (const e of events) {
    const last = out[out.length - 1] as [string, string] | undefined;
    if (e[0] === 'body' && last?.[0] === 'body') last[1] += e[1].toString('latin1');
    else out.push(e[0] === 'body' ? ['body', e[1].toString('latin1')] : e);
  }
  return out;
}

function unpaused(pieces: Buffer[], methods: string[], eof: boolean): SequenceRecorder {
  const r = new SequenceRecorder([...methods]);
  r.parser = new ResponseParser(r);
  for (const p of pieces) r.parser.execute(p);
  if (eof) r.parser.finish();
  return r;
}

/**
 * Feeds the pieces to a parser whose callbacks pause it at random. While it is paused, the driver
 * either resumes it or (when `feedWhilePaused`) hands it the next piece first, as a socket that had
 * more bytes already would; at the end it resumes until nothing is held, then finish().
 */
function pausedParse(pieces: Buffer[], methods: string[], eof: boolean, seed: number, feedWhilePaused: boolean): SequenceRecorder {
  const plan = mulberry32(seed);
  const driver = mulberry32(seed ^ 0x9e3779b9);
  const r = new SequenceRecorder([...methods], plan);
  const parser = (r.parser = new ResponseParser(r));
  let next = 0;
  let fed = 0;
  // Every resume() makes progress (a callback runs before any pause), so this is bounded by the events.
  for (let guard = 0; guard < 100_000; guard++) {
    if (parser.isPaused && (next === pieces.length || !feedWhilePaused || driver.chance(0.5))) {
      parser.resume();
      // What was held is parsed before resume() returns: held again only if a callback paused again.
      if (!parser.isPaused) assert.equal(parser.heldBytes, 0, 'resume() parses what was held, synchronously');
      continue;
    }
    if (next === pieces.length) break;
    const piece = pieces[next++]!;
    const wasPaused = parser.isPaused;
    const heldBefore = parser.heldBytes;
    const before = r.events.length;
    parser.execute(piece);
    fed += piece.length;
    if (wasPaused) {
      assert.equal(r.events.length, before, 'execute() while paused runs no callback');
      assert.equal(parser.heldBytes, heldBefore + piece.length, 'execute() while paused holds what it is given');
    }
    if (parser.heldBytes > 0) {
      assert.ok(parser.isPaused, 'bytes are held only while paused');
      assert.equal(parser.idle, false, 'a parser holding bytes is not idle');
    }
    assert.ok(parser.heldBytes <= fed);
  }
  assert.equal(parser.isPaused, false);
  assert.equal(parser.heldBytes, 0);
  if (eof) parser.finish();
  return r;
}

describe('h1 ResponseParser: pause and resume', () => {
  it('pausing at random callbacks and resuming later gives the callbacks of an unpaused parse', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), fc.boolean(), ({ models, closeLast, cuts }, seed, feedWhilePaused) => {
        const input = Buffer.concat(models.map((m, i) => encode(m, closeLast && i === models.length - 1)));
        const methods = models.map((m) => m.method);
        const pieces = splitAt(input, cuts.map((c) => c % (input.length + 1)));
        const plain = unpaused(pieces, methods, true);
        const whole = unpaused([input], methods, true);
        const paused = pausedParse(pieces, methods, true, seed, feedWhilePaused);
        assert.deepEqual(paused.violations, []);
        assert.deepEqual(normalized(paused.events), normalized(plain.events));
        assert.deepEqual(normalized(plain.events), normalized(whole.events));
        if (!feedWhilePaused) {
          // Without bytes arriving meanwhile, nothing is joined: the very same slices, still of the input.
          assert.deepEqual(paused.events, plain.events);
          for (const e of paused.events) if (e[0] === 'body') assert.equal(e[1].buffer, input.buffer, 'body slices are not copies');
        }
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('pause() in onBody holds the rest of the chunk; resume() parses it before returning', () => {
    const input = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdHTTP/1.1 204 No\r\n\r\n');
    const events: string[] = [];
    const parser: ResponseParser = new ResponseParser({
      onResponseStart: () => 'GET',
      onHead: (h) => void events.push(`head ${h.statusCode}`),
      onBody: (b) => {
        events.push(`body ${String(b)}`);
        parser.pause();
      },
      onComplete: () => void events.push('complete'),
    });
    parser.execute(input);
    // The step that paused ends (the body was the whole of it), nothing of the next response is read.
    assert.deepEqual(events, ['head 200', 'body abcd', 'complete']);
    assert.equal(parser.isPaused, true);
    assert.equal(parser.heldBytes, 'HTTP/1.1 204 No\r\n\r\n'.length);
    assert.equal(parser.idle, false);
    parser.resume();
    assert.deepEqual(events, ['head 200', 'body abcd', 'complete', 'head 204', 'complete']);
    assert.equal(parser.heldBytes, 0);
    assert.equal(parser.idle, true);
  });

  it('pause() from outside holds everything execute() is given, in order', () => {
    const bodies: string[] = [];
    const parser = new ResponseParser({ onResponseStart: () => 'GET', onHead: () => {}, onBody: (b) => void bodies.push(String(b)), onComplete: () => {} });
    parser.pause();
    const pieces = ['HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab', 'cd', 'ef'].map((s) => Buffer.from(s));
    for (const p of pieces) parser.execute(p);
    assert.deepEqual(bodies, []);
    assert.equal(parser.heldBytes, Buffer.concat(pieces).length);
    parser.resume();
    assert.equal(bodies.join(''), 'abcdef');
    assert.equal(parser.idle, true);
  });

  it('finish() while bytes are held is refused, not a silent loss', () => {
    const parser = new ResponseParser({ onResponseStart: () => 'GET', onHead: () => {}, onBody: () => {}, onComplete: () => {} });
    parser.pause();
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\n'));
    assert.throws(() => parser.finish(), (e: unknown) => e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT');
    parser.resume();
    assert.throws(() => parser.finish(), (e: unknown) => e instanceof HiperError && e.code === 'ERR_HTTP_PARSE' && e.details.reason === 'incomplete');
  });

  it('a parse error found when resuming is thrown from resume(), and every call after it throws it again', () => {
    const parser = new ResponseParser({ onResponseStart: () => 'GET', onHead: () => {}, onBody: () => {}, onComplete: () => {} });
    parser.pause();
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'));
    const bad = (e: unknown): boolean => e instanceof HiperError && e.code === 'ERR_HTTP_PARSE' && e.details.reason === 'bad-content-length';
    assert.throws(() => parser.resume(), bad);
    assert.throws(() => parser.execute(Buffer.from('more')), bad);
  });
});

describe('h1 ResponseParser: 1xx responses before the final one', () => {
  const interim = (n: number, status = 103): string => `HTTP/1.1 ${status} Early\r\nLink: </a>\r\n\r\n`.repeat(n);
  const final = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  const cases: Array<{ name: string; limits?: ParserLimits; interim: number; ok: boolean }> = [
    { name: 'the default allows 10', interim: 10, ok: true },
    { name: 'the default refuses 11', interim: 11, ok: false },
    { name: 'none at all, by default', interim: 0, ok: true },
    { name: 'maxInformational 3 allows 3', limits: { maxInformational: 3 }, interim: 3, ok: true },
    { name: 'maxInformational 3 refuses 4', limits: { maxInformational: 3 }, interim: 4, ok: false },
    { name: 'maxInformational 0 allows none', limits: { maxInformational: 0 }, interim: 0, ok: true },
    { name: 'maxInformational 0 refuses 1', limits: { maxInformational: 0 }, interim: 1, ok: false },
    { name: 'maxInformational 50 allows 50', limits: { maxInformational: 50 }, interim: 50, ok: true },
  ];
  for (const c of cases) {
    for (const split of ['whole', 'bytewise'] as const) {
      it(`${c.name} (${split})`, () => {
        const input = Buffer.from(interim(c.interim) + final);
        const seen: number[] = [];
        const bodies: string[] = [];
        const parser = new ResponseParser({
          onResponseStart: () => 'GET', onInformational: (s) => void seen.push(s), onHead: () => {}, onBody: (b) => void bodies.push(String(b)), onComplete: () => {},
        }, c.limits);
        const feed = (): void => {
          if (split === 'whole') parser.execute(input);
          else for (let i = 0; i < input.length; i++) parser.execute(input.subarray(i, i + 1));
        };
        if (c.ok) {
          feed();
          assert.equal(seen.length, c.interim);
          assert.equal(bodies.join(''), 'ok');
        } else {
          assert.throws(feed, (e: unknown) => {
            assert.ok(e instanceof HiperError && e.code === 'ERR_HTTP_PARSE', String(e));
            assert.equal(e.details.reason, 'too-many-informational');
            assert.match(e.message, new RegExp(`more than ${c.limits?.maxInformational ?? 10} 1xx`));
            return true;
          });
          assert.equal(seen.length, c.limits?.maxInformational ?? 10, 'the ones within the limit were reported');
          assert.deepEqual(bodies, []);
        }
      });
    }
  }

  it('the count starts again with each response of a pipeline', () => {
    const input = Buffer.from((interim(10) + final).repeat(3));
    let completed = 0;
    const parser = new ResponseParser({ onResponseStart: () => 'GET', onHead: () => {}, onBody: () => {}, onComplete: () => void completed++ });
    parser.execute(input);
    assert.equal(completed, 3);
  });

  it('a bad maxInformational is refused when the parser is made', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(() => new ResponseParser({ onResponseStart: () => 'GET', onHead: () => {}, onBody: () => {}, onComplete: () => {} }, { maxInformational: bad }),
        (e: unknown) => e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT');
    }
  });
});
