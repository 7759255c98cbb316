/**
 * The egress part of pool keys: the same egress gives the same key, any difference a different one;
 * plain objects count by content, Buffers and functions by identity.
 */
import assert from 'node:assert/strict';
import { egressKey } from '../../../src/multi/options.js';
import type { TransferOptions } from '../../../src/multi/index.js';

const url = 'http://x';
const ca = Buffer.from('ca');
const sameCa = Buffer.from('ca');
const fn = (): void => {};

describe('egressKey', () => {
  it('is empty when no egress option and no TLS object is given', () => {
    assert.equal(egressKey({ url }, undefined), '');
    assert.equal(egressKey({ url, happyEyeballsDelay: 100 }, undefined), '');
  });

  const cases: Array<{ name: string; a: [TransferOptions, object | undefined]; b: [TransferOptions, object | undefined]; same: boolean }> = [
    { name: 'equal TLS objects', a: [{ url }, { rejectUnauthorized: false }], b: [{ url }, { rejectUnauthorized: false }], same: true },
    { name: 'TLS objects that differ', a: [{ url }, { rejectUnauthorized: false }], b: [{ url }, { rejectUnauthorized: true }], same: false },
    { name: 'one CA Buffer', a: [{ url }, { ca }], b: [{ url }, { ca }], same: true },
    { name: 'two CA Buffers of the same bytes (by identity)', a: [{ url }, { ca }], b: [{ url }, { ca: sameCa }], same: false },
    { name: 'the same function', a: [{ url }, { checkServerIdentity: fn }], b: [{ url }, { checkServerIdentity: fn }], same: true },
    { name: 'a TLS object and none', a: [{ url }, {}], b: [{ url }, undefined], same: false },
    { name: 'the same local address', a: [{ url, localAddress: '127.0.0.1' }, undefined], b: [{ url, localAddress: '127.0.0.1' }, undefined], same: true },
    { name: 'two local addresses', a: [{ url, localAddress: '127.0.0.1' }, undefined], b: [{ url, localAddress: '127.0.0.2' }, undefined], same: false },
    { name: 'a local address with a TLS object and without', a: [{ url, localAddress: '127.0.0.1' }, { ca }], b: [{ url, localAddress: '127.0.0.1' }, undefined], same: false },
    { name: 'strings that would run together', a: [{ url, interface: 'a,u', localAddress: 'b' }, undefined], b: [{ url, interface: 'a', localAddress: 'u,b' }, undefined], same: false },
    { name: 'a number and the string of it', a: [{ url, localPort: 5000 } as TransferOptions, undefined], b: [{ url, localPort: '5000' } as unknown as TransferOptions, undefined], same: false },
    { name: 'equal interface lists', a: [{ url, interface: ['if!a', 'if!b'] }, undefined], b: [{ url, interface: ['if!a', 'if!b'] }, undefined], same: true },
    { name: 'interface lists in another order', a: [{ url, interface: ['if!a', 'if!b'] }, undefined], b: [{ url, interface: ['if!b', 'if!a'] }, undefined], same: false },
    { name: 'family 4 and 6', a: [{ url, family: 4 }, undefined], b: [{ url, family: 6 }, undefined], same: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.same ? 'one key' : 'two keys'}`, () => {
      const a = egressKey(...c.a);
      const b = egressKey(...c.b);
      assert.notEqual(a, '');
      assert.equal(a === b, c.same, `${a} / ${b}`);
      // Asked again (from the per-object cache): the same answer.
      assert.equal(egressKey(...c.a), a);
    });
  }
});
