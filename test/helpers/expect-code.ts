/** For assert.throws / assert.rejects: the error is a HiperError with this code. */
import assert from 'node:assert/strict';
import { HiperError } from '../../src/shared/index.js';

export const code = (c: string) => (e: unknown): boolean => {
  assert.ok(e instanceof HiperError, `not a HiperError: ${String(e)}`);
  assert.equal(e.code, c, e.message);
  return true;
};
