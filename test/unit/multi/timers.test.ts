import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimerHeap } from '../../../src/multi/timers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('TimerHeap', () => {
  it('fires entries in deadline order, with one clock timer armed', () => {
    const clock = new FakeClock();
    const heap = new TimerHeap(clock);
    const fired: string[] = [];
    for (const [name, ms] of [['c', 30], ['a', 10], ['d', 40], ['b', 20]] as const) heap.add(ms, () => fired.push(name));
    assert.equal(clock.pending, 1);
    assert.equal(heap.timeout(), 10);
    clock.advance(25);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(heap.timeout(), 5);
    clock.advance(100);
    assert.deepEqual(fired, ['a', 'b', 'c', 'd']);
    assert.equal(heap.timeout(), -1);
    assert.equal(clock.pending, 0);
  });

  it('cancels entries anywhere in the heap, twice safely, and disarms when empty', () => {
    const clock = new FakeClock();
    const heap = new TimerHeap(clock);
    const fired: number[] = [];
    const entries = [50, 10, 30, 20, 40].map((ms) => heap.add(ms, () => fired.push(ms)));
    heap.cancel(entries[1]);
    heap.cancel(entries[1]);
    heap.cancel(entries[4]);
    assert.equal(heap.timeout(), 20);
    clock.advance(100);
    assert.deepEqual(fired, [20, 30, 50]);
    const e = heap.add(5, () => fired.push(5));
    heap.cancel(e);
    assert.equal(clock.pending, 0);
  });

  it('keeps the heap order under random adds and cancels (property, seeded)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { maxLength: 200 }), (ops) => {
      const clock = new FakeClock();
      const heap = new TimerHeap(clock);
      const fired: number[] = [];
      const expected: number[] = [];
      for (const [ms, cancel] of ops) {
        const e = heap.add(ms, () => fired.push(ms));
        if (cancel) heap.cancel(e);
        else expected.push(ms);
      }
      clock.advance(2000);
      assert.deepEqual(fired, expected.sort((a, b) => a - b));
      assert.equal(heap.size, 0);
    }), { seed: 6, numRuns: 200 });
  });
});
