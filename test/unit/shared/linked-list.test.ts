import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LinkedList, type Linked } from '../../../src/shared/linked-list.js';

interface Member extends Linked<Member> {
  name: number;
}

describe('LinkedList', () => {
  const member = (name: number): Member => ({ name, prev: undefined, next: undefined, linked: false });

  const walk = (list: LinkedList<Member>): number[] => {
    const names: number[] = [];
    for (let m = list.first; m !== undefined; m = m.next) names.push(m.name);
    return names;
  };

  it('keeps insertion order under random pushes and deletes, like an array model (property, seeded)', () => {
    const pool = Array.from({ length: 6 }, (_, i) => member(i));
    const op = fc.record({ push: fc.boolean(), who: fc.integer({ min: 0, max: pool.length - 1 }) });
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      for (const m of pool) Object.assign(m, { prev: undefined, next: undefined, linked: false });
      const list = new LinkedList<Member>();
      let model: number[] = [];
      for (const { push, who } of ops) {
        const m = pool[who]!;
        if (push) {
          list.push(m);
          if (!model.includes(who)) model.push(who);
        } else {
          assert.equal(list.delete(m), model.includes(who));
          model = model.filter((n) => n !== who);
        }
        assert.deepEqual(walk(list), model);
        assert.equal(list.size, model.length);
        assert.equal(list.first?.name, model[0]);
        for (const p of pool) assert.equal(p.linked, model.includes(p.name));
      }
    }), { seed: 34, numRuns: 300 });
  });

  it('a member pushed again keeps its place (the oldest stays first)', () => {
    const list = new LinkedList<Member>();
    const [a, b] = [member(1), member(2)];
    list.push(a);
    list.push(b);
    list.push(a);
    assert.deepEqual(walk(list), [1, 2]);
  });
});
