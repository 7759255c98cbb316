import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IdTable } from '../../../src/shared/id-table.js';

describe('IdTable', () => {
  it('answers like a Map under random sets and deletes, values by ascending id (property, seeded)', () => {
    const op = fc.record({ set: fc.boolean(), id: fc.integer({ min: 1, max: 12 }), value: fc.string() });
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const table = new IdTable<string>();
      const model = new Map<number, string>();
      for (const { set, id, value } of ops) {
        if (set) {
          table.set(id, value);
          model.set(id, value);
        } else {
          assert.equal(table.delete(id), model.delete(id));
        }
        assert.equal(table.size, model.size);
        for (let i = 1; i <= 12; i++) assert.equal(table.get(i), model.get(i));
        assert.deepEqual(table.values(), [...model].sort((a, b) => a[0] - b[0]).map(([, v]) => v));
      }
    }), { seed: 55, numRuns: 300 });
  });

  it('values() is a copy: deleting while going through it is safe', () => {
    const table = new IdTable<number>();
    for (const id of [3, 1, 2]) table.set(id, id * 10);
    for (const v of table.values()) table.delete(v / 10);
    assert.equal(table.size, 0);
  });
});
