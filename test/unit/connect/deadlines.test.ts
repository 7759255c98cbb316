import assert from 'node:assert/strict';
import { cancelDeadline, pendingDeadlines, startDeadline } from '../../../src/connect/deadlines.js';

/** Resolves when `n` deadlines have fired, with their labels in firing order and the time each fired. */
function collector(n: number): { fired: Array<[string, number]>; hit: (label: string) => () => void; all: Promise<void> } {
  const fired: Array<[string, number]> = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => { done = resolve; });
  return {
    fired,
    all,
    hit: (label) => () => {
      fired.push([label, performance.now()]);
      if (fired.length === n) done();
    },
  };
}

describe('connect deadlines (one timer for every time limit)', function () {
  this.timeout(2_000);

  it('fires each deadline once, in time order across durations, never early', async () => {
    const t0 = performance.now();
    const c = collector(4);
    const cases: Array<[string, number]> = [['30', 30], ['10', 10], ['20', 20], ['10b', 10]];
    for (const [label, ms] of cases) startDeadline(ms, t0, c.hit(label));
    await c.all;
    assert.deepEqual(c.fired.map(([label]) => label), ['10', '10b', '20', '30']);
    for (const [label, at] of c.fired) assert.ok(at - t0 >= Number.parseInt(label, 10) - 1, `${label} fired after ${at - t0} ms`);
    assert.equal(pendingDeadlines(), 0);
  });

  it('never fires a cancelled deadline; cancelling twice or after firing is harmless', async () => {
    const t0 = performance.now();
    const c = collector(2);
    const cancelled: string[] = [];
    const a = startDeadline(5, t0, () => cancelled.push('a'));
    startDeadline(15, t0, c.hit('b'));
    const d = startDeadline(15, t0, () => cancelled.push('d'));
    startDeadline(25, t0, c.hit('e'));
    cancelDeadline(a);
    cancelDeadline(d);
    cancelDeadline(a);
    await c.all;
    assert.deepEqual(cancelled, []);
    assert.deepEqual(c.fired.map(([label]) => label), ['b', 'e']);
    cancelDeadline(d);
    assert.equal(pendingDeadlines(), 0);
  });

  it('a deadline started when another falls due, and one started after all were cancelled, still fire', async () => {
    const c = collector(2);
    startDeadline(5, performance.now(), () => {
      c.hit('first')();
      startDeadline(5, performance.now(), c.hit('second'));
    });
    await c.all;
    assert.deepEqual(c.fired.map(([label]) => label), ['first', 'second']);

    // The timer armed for a cancelled long deadline must not hide a new, shorter one.
    cancelDeadline(startDeadline(60_000, performance.now(), () => assert.fail('cancelled')));
    const late = collector(1);
    startDeadline(5, performance.now(), late.hit('short'));
    await late.all;
    assert.equal(pendingDeadlines(), 0);
  });

  it('many durations at once (more lists than are kept empty) all fire', async () => {
    const t0 = performance.now();
    const n = 40;
    const c = collector(n);
    const cancelled = Array.from({ length: n }, (_, i) => startDeadline(1 + i, t0, () => assert.fail('cancelled')));
    for (const d of cancelled) cancelDeadline(d);
    for (let i = 0; i < n; i++) startDeadline(1 + (i % 20), t0, c.hit(String(i)));
    await c.all;
    assert.equal(c.fired.length, n);
    assert.equal(pendingDeadlines(), 0);
  });
});
