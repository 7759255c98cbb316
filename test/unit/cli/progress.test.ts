import assert from 'node:assert/strict';
import { Progress, formatBytes } from '../../../src/cli/progress.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function stream(isTTY: boolean): { isTTY: boolean; written: string[]; write(s: string): void } {
  return { isTTY, written: [], write(s: string) { this.written.push(s); } };
}

describe('cli progress', () => {
  it('draws on a terminal, at most every interval, and always the last transfer', () => {
    const clock = new FakeClock();
    const s = stream(true);
    const p = new Progress(s, 2, true, clock, 100);
    p.received(1000);
    p.received(1000);
    assert.equal(s.written.length, 1, 'throttled');
    clock.advance(150);
    p.received(48);
    p.ended(true);
    p.ended(false);
    assert.match(s.written.at(-1)!, /2\/2 transfers, 1 failed {2}2\.0 KiB/);
    p.clear();
    assert.equal(s.written.at(-1), '\r\x1b[2K');
  });

  const silent: Array<[string, boolean, boolean]> = [['not a terminal', false, true], ['silenced (-s)', true, false]];
  for (const [what, tty, enabled] of silent) {
    it(`never draws when ${what}`, () => {
      const s = stream(tty);
      const p = new Progress(s, 1, enabled, new FakeClock());
      p.received(10);
      p.ended(true);
      p.clear();
      assert.deepEqual(s.written, []);
    });
  }

  it('formats sizes', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '10 MiB', '3.0 GiB']);
  });
});
