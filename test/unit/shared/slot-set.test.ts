import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SlotSet } from '../../../src/shared/slot-set.js';

interface Member {
  name: number;
  slot: number;
}

describe('SlotSet', () => {
  const member = (name: number): Member => ({ name, slot: -1 });

  it('answers like a Set under random adds and deletes, and keeps each slot true (property, seeded)', () => {
    const pool = Array.from({ length: 8 }, (_, i) => member(i));
    const op = fc.record({ add: fc.boolean(), who: fc.integer({ min: 0, max: pool.length - 1 }) });
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      for (const m of pool) m.slot = -1;
      const set = new SlotSet<Member>();
      const model = new Set<Member>();
      for (const { add, who } of ops) {
        const m = pool[who]!;
        if (add) {
          set.add(m);
          model.add(m);
        } else {
          assert.equal(set.delete(m), model.delete(m));
        }
        assert.equal(set.size, model.size);
        for (const p of pool) assert.equal(set.has(p), model.has(p), `member ${p.name}`);
        const listed = [...set];
        assert.deepEqual(new Set(listed), model);
        listed.forEach((p, i) => assert.equal(p.slot, i));
        for (const p of pool) if (!model.has(p)) assert.equal(p.slot, -1);
      }
    }), { seed: 21, numRuns: 300 });
  });

  it('does not take a member of another set for its own', () => {
    const a = new SlotSet<Member>();
    const b = new SlotSet<Member>();
    const x = member(1);
    const y = member(2);
    a.add(x);
    b.add(y);
    // Both sit in slot 0 of their own set.
    assert.equal(a.has(y), false);
    assert.equal(a.delete(y), false);
    assert.deepEqual([...a], [x]);
  });

  it('snapshot() can be walked while members leave', () => {
    const set = new SlotSet<Member>();
    const ms = [member(1), member(2), member(3)];
    for (const m of ms) set.add(m);
    for (const m of set.snapshot()) set.delete(m);
    assert.equal(set.size, 0);
    assert.deepEqual(ms.map((m) => m.slot), [-1, -1, -1]);
  });
});
