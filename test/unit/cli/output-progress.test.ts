/** The progress display's drawing rules with a fake clock: styles, throttle, ticks, erasing. */
import assert from 'node:assert/strict';
import { Progress, barColumns, type ProgressStyle } from '../../../src/cli/progress.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function terminal(): { isTTY: boolean; written: string[]; write(s: string): void; screen(): string } {
  return {
    isTTY: true,
    written: [],
    write(s: string) {
      this.written.push(s);
    },
    /** What a terminal would show: \r, erase-line and cursor-up applied. */
    screen() {
      const rows: string[] = [''];
      let row = 0;
      let col = 0;
      const text = this.written.join('');
      for (let i = 0; i < text.length; i++) {
        if (text.startsWith('\x1b[2K', i)) { rows[row] = ''; i += 3; continue; }
        if (text.startsWith('\x1b[1A', i)) { row = Math.max(0, row - 1); i += 3; continue; }
        const c = text[i]!;
        if (c === '\r') col = 0;
        else if (c === '\n') { row++; col = 0; rows[row] ??= ''; }
        else { const r = rows[row]!.padEnd(col); rows[row] = r.slice(0, col) + c + r.slice(col + 1); col++; }
      }
      return rows.map((r) => r.trimEnd()).filter((r) => r !== '').join('\n');
    },
  };
}

describe('cli progress display', () => {
  const styles: Array<[ProgressStyle, RegExp]> = [
    ['meter', /^ {2}% Total {4}% Received[^\n]*\n {33}Dload[^\n]*\n 50 {3}97k {3}50 50000 {4}0 {5}0 {2}20000 [^\n]* 0:00:02 [^\n]*$/],
    ['bar', /^#{36} +50\.0%$/],
    ['count', /^0\/1 transfers {2}49 KiB {2}20 KiB\/s {2}0:00:02$/],
  ];
  for (const [style, shown] of styles) {
    it(`${style}: drawn while running, erased at the end (nothing left on the screen)`, () => {
      const clock = new FakeClock();
      const t = terminal();
      const p = new Progress(t, 1, true, clock, 100, { style, columns: 80 });
      p.begin();
      p.expect(100_000);
      // Past the tick at 2 s, by more than the redraw interval.
      clock.advance(2500);
      p.received(50_000);
      assert.match(t.screen(), shown);
      p.stop();
      assert.equal(t.screen(), '');
      assert.equal(clock.pending, 0, 'no tick left');
    });
  }

  it('redraws at most every interval as bytes come, and on the tick while none do', () => {
    const clock = new FakeClock();
    const t = terminal();
    const p = new Progress(t, 1, true, clock, 100, { style: 'meter', tickMs: 1000 });
    p.begin();
    const first = t.written.length;
    for (let i = 0; i < 50; i++) p.received(10);
    assert.equal(t.written.length, first, 'no redraw within 100 ms');
    clock.advance(100);
    p.received(10);
    assert.equal(t.written.length, first + 1);
    clock.advance(3000);
    assert.equal(t.written.length, first + 4, 'one tick a second while nothing arrives');
    p.stop();
  });

  it('say(): a line of its own with the display erased first and drawn again after', () => {
    const clock = new FakeClock();
    const t = terminal();
    const p = new Progress(t, 1, true, clock, 100, { style: 'meter' });
    p.begin();
    clock.advance(500);
    p.say('Warning: something\n');
    const screen = t.screen().split('\n');
    assert.equal(screen[0], 'Warning: something', 'the warning where the table was');
    assert.match(screen[1]!, /% Total/, 'then the meter again');
    p.stop();
    assert.equal(t.screen(), 'Warning: something');
  });

  it('never draws, ticks or erases when not a terminal or silenced', () => {
    for (const [isTTY, enabled] of [[false, true], [true, false]] as const) {
      const clock = new FakeClock();
      const written: string[] = [];
      const p = new Progress({ isTTY, write: (s: string) => written.push(s) }, 1, enabled, clock, 100, { style: 'meter' });
      p.begin();
      p.received(10);
      clock.advance(5000);
      p.say('x\n');
      p.stop();
      assert.deepEqual(written, ['x\n']);
      assert.equal(clock.pending, 0);
    }
  });

  it('the bar width: COLUMNS over 20, else the terminal\'s, else 79', () => {
    assert.equal(barColumns({ COLUMNS: '120' }, {} as never), 120);
    assert.equal(barColumns({ COLUMNS: '10' }, { columns: 100, write: () => 0 }), 100);
    assert.equal(barColumns({}, { write: () => 0 }), 79);
  });
});
