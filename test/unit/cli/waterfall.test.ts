import assert from 'node:assert/strict';
import { phasesOf, waterfallSvg } from '../../../src/cli/waterfall.js';
import type { TransferInfo } from '../../../src/multi/index.js';
import type { ConnectTrace } from '../../../src/connect/index.js';

const trace = { timings: { namelookup: 1, connect: 3, appconnect: 6 } } as ConnectTrace;

function info(id: number, over: Partial<TransferInfo>): TransferInfo {
  return {
    id, url: `https://198.51.100.1/${id}`, method: 'GET', startTime: 100,
    timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0, total: 0 },
    reused: false, numConnects: 0, pipelinePosition: 0, tries: 1, sizeUpload: 0, sizeDownload: 0, ...over,
  };
}

const opener = info(1, { connectionId: 1, numConnects: 1, connectTrace: trace, timings: { namelookup: 3, connect: 5, appconnect: 8, pretransfer: 8.5, starttransfer: 12, total: 15 } });
const piped = info(2, { connectionId: 1, reused: true, pipelinePosition: 1, startTime: 101, timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 10, starttransfer: 14, total: 16 } });
const other = info(3, { connectionId: 2, numConnects: 1, connectTrace: { timings: { namelookup: 0.5, connect: 1 } } as ConnectTrace, startTime: 102, timings: { namelookup: 1, connect: 2, appconnect: 0, pretransfer: 2, starttransfer: 4, total: 5 } });
const failed = info(4, { startTime: 103, error: 'ERR_CONNECT_ALL_FAILED', timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0, total: 7 } });

describe('cli waterfall', () => {
  const cases: Array<[string, TransferInfo, Array<[string, number, number]>]> = [
    ['opened its connection: waiting, resolve, connect, TLS, sent, receiving', opener,
      [['waiting', 0, 2], ['resolve', 2, 3], ['connect', 3, 5], ['tls', 5, 8], ['waiting', 8, 8.5], ['pipeline', 8.5, 12], ['receiving', 12, 15]]],
    ['pipelined on another\'s connection: waiting, in the pipeline, receiving', piped, [['waiting', 0, 10], ['pipeline', 10, 14], ['receiving', 14, 16]]],
    ['plain http opener: no TLS phase', other, [['waiting', 0, 0.5], ['resolve', 0.5, 1], ['connect', 1, 2], ['pipeline', 2, 4], ['receiving', 4, 5]]],
    ['reached no connection: all waiting until it failed', failed, [['pipeline', 0, 7]]],
  ];
  for (const [what, i, expected] of cases) {
    it(what, () => {
      assert.deepEqual(phasesOf(i).map((p) => [p.name, p.from, p.to]), expected);
    });
  }

  it('one row per transfer, grouped by connection, transfers without one last; well-formed', () => {
    const svg = waterfallSvg([failed, other, piped, opener], 'run');
    assert.equal((svg.match(/<g class="transfer"/g) ?? []).length, 4);
    const groups = [...svg.matchAll(/data-connection="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(groups, ['connection 1', 'connection 2', 'no connection']);
    const ids = [...svg.matchAll(/data-id="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(ids, [1, 2, 3, 4]);
    // Balanced tags: every opened element is closed.
    const opened = (svg.match(/<(svg|g|text|title)[ >]/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|g|text|title)>/g) ?? []).length;
    assert.equal(opened, closed);
    assert.match(svg, /ERR_CONNECT_ALL_FAILED/);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });

  it('escapes text', () => {
    const svg = waterfallSvg([info(5, { url: 'http://x/?a=<b>&c="d"', timings: { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 1, starttransfer: 2, total: 3 } })], '<title>');
    assert.doesNotMatch(svg, /<b>|"d"/);
    assert.match(svg, /&lt;title&gt;/);
  });

  it('an empty run is still a picture', () => {
    assert.match(waterfallSvg([]), /^<svg[^]*<\/svg>\n$/);
  });
});
