/** curl's progress texts, checked against lines curl 7.88 printed for the same numbers. */
import assert from 'node:assert/strict';
import { barLine, flyLine, max5, meterLine, time8, METER_HEADER } from '../../../src/cli/progress-text.js';

describe('cli progress texts (curl 7.88 meter and bar)', () => {
  const sizes: Array<[number, string]> = [
    [0, '    0'], [6, '    6'], [99_999, '99999'], [100_000, '  97k'], [150_000, ' 146k'], [10_239_999, '9999k'],
    [10_240_000, ' 9.7M'], [104_857_599, '99.9M'], [104_857_600, ' 100M'], [3 * 1024 ** 3, '3072M'], [20 * 1024 ** 3, '20.0G'],
  ];
  for (const [n, text] of sizes) it(`max5(${n}) = ${JSON.stringify(text)}`, () => assert.equal(max5(n), text));

  const times: Array<[number, string]> = [[0, '--:--:--'], [0.9, '--:--:--'], [2, ' 0:00:02'], [3725, ' 1:02:05'], [99 * 3600 + 59, '99:00:59'], [100 * 3600, '  4d 04h']];
  for (const [s, text] of times) it(`time8(${s}) = ${JSON.stringify(text)}`, () => assert.equal(time8(s), text));

  it('the table header is curl\'s, two lines', () => {
    assert.equal(METER_HEADER, '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n');
  });

  // Lines curl 7.88 printed for 150000 bytes sent as 5 x 30000 every 400 ms (see the test's numbers).
  const lines: Array<[string, Parameters<typeof meterLine>[0], string]> = [
    ['nothing yet', { downloaded: 0, uploaded: 0, elapsed: 0, currentSpeed: 0 }, '  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0'],
    ['known size, under a second', { downloaded: 60_000, uploaded: 0, downloadSize: 150_000, elapsed: 60_000 / 72_802, currentSpeed: 72_727 },
      ' 40  146k   40 60000    0     0  72802      0  0:00:02 --:--:--  0:00:02 72727'],
    ['known size, done', { downloaded: 150_000, uploaded: 0, downloadSize: 150_000, elapsed: 150_000 / 73_942, currentSpeed: 73_964 },
      '100  146k  100  146k    0     0  73942      0  0:00:02  0:00:02 --:--:-- 73964'],
    ['unknown size: total 100%, received 0%', { downloaded: 120_000, uploaded: 0, elapsed: 120_000 / 74_388, currentSpeed: 74_349 },
      '100  117k    0  117k    0     0  74388      0 --:--:--  0:00:01 --:--:-- 74349'],
  ];
  for (const [what, state, text] of lines) it(`meter line: ${what}`, () => assert.equal(meterLine(state), text));

  it('-# bar: width - 7 columns of #, then the percentage (curl with COLUMNS=40)', () => {
    assert.equal(barLine(30_000, 150_000, 40), `${'#'.repeat(6).padEnd(33)}  20.0%`);
    assert.equal(barLine(150_000, 150_000, 40), `${'#'.repeat(33)} 100.0%`);
  });

  it('-# with no size: -=O=- moves within the width, to and fro', () => {
    const seen = Array.from({ length: 80 }, (_, t) => flyLine(t, 40));
    for (const l of seen) {
      assert.equal(l.length, 39);
      assert.match(l, /^ *-=O=- *$/);
    }
    assert.equal(seen[0]!.indexOf('-=O='), 0);
    assert.equal(Math.max(...seen.map((l) => l.indexOf('-=O='))), 34);
  });
});
