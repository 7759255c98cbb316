import assert from 'node:assert/strict';
import { interfaceFlagOptions } from '../../../src/cli/interface-flags.js';
import { HiperError } from '../../../src/shared/index.js';

describe('--interface given several times, and --no-failback', () => {
  const cases: Array<[string, Record<string, string[] | boolean>, object]> = [
    ['no --interface', {}, {}],
    ['one: the spec as it is', { interface: ['if!h1'] }, { interface: 'if!h1' }],
    ['two: a failover list, first preferred', { interface: ['if!h1', 'if!h2'] }, { interface: ['if!h1', 'if!h2'] }],
    ['a list with --no-failback', { interface: ['if!h1', 'if!h2', 'h3'], 'no-failback': true }, { interface: ['if!h1', 'if!h2', 'h3'], failback: false }],
  ];
  for (const [name, values, expected] of cases) it(name, () => assert.deepEqual(interfaceFlagOptions(values), expected));

  for (const values of [{ 'no-failback': true }, { interface: ['if!h1'], 'no-failback': true }]) {
    it(`--no-failback without a list is a usage error (${JSON.stringify(values)})`, () => {
      assert.throws(() => interfaceFlagOptions(values), (e: unknown) => e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT' && e.input === '--no-failback');
    });
  }
});
