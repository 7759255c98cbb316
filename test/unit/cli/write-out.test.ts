import assert from 'node:assert/strict';
import { parseWriteOut, renderWriteOut, WRITE_OUT_VARIABLES, type WriteOutFacts } from '../../../src/cli/write-out.js';
import type { TransferInfo } from '../../../src/multi/index.js';

const info: TransferInfo = {
  id: 3, url: 'http://198.51.100.1:8080/a', method: 'GET', startTime: 1000,
  timings: { namelookup: 1.5, connect: 2.25, appconnect: 0, pretransfer: 2.5, starttransfer: 10, total: 500 },
  connectionId: 2, reused: false, numConnects: 1, pipelinePosition: 0, tries: 1, httpVersion: '1.1', status: 200,
  local: { address: '198.51.100.2', port: 40000 }, remote: { address: '198.51.100.1', port: 8080 },
  interface: 'h1', bindMethod: 'device', sizeUpload: 0, sizeDownload: 1000,
};
const facts: WriteOutFacts = { url: 'http://peer.test:8080/a', info, exitCode: 0, contentType: 'text/plain' };

describe('cli write-out (-w)', () => {
  const vectors: Array<[string, string]> = [
    ['%{http_code}\\n', '200\n'],
    ['%{time_namelookup} %{time_connect} %{time_total}', '0.001500 0.002250 0.500000'],
    ['%{local_ip}:%{local_port} -> %{remote_ip}:%{remote_port}', '198.51.100.2:40000 -> 198.51.100.1:8080'],
    ['%{interface} %{bind_method} %{num_connects} %{http_version}', 'h1 device 1 1.1'],
    ['%{size_download} bytes at %{speed_download} B/s', '1000 bytes at 2000 B/s'],
    ['%{url} %{url_effective}', 'http://peer.test:8080/a http://198.51.100.1:8080/a'],
    ['100%% \\t%{content_type}\\\\', '100% \ttext/plain\\'],
    ['%{nope}x%{http_code', 'x%{http_code'],
    ['\\q stays', '\\q stays'],
    ['%{connection_id} %{reused} %{pipeline_position} %{exitcode}', '2 0 0 0'],
  ];
  for (const [format, expected] of vectors) {
    it(JSON.stringify(format), () => {
      assert.equal(renderWriteOut(parseWriteOut(format), facts), expected);
    });
  }

  it('names unknown variables once, and prints nothing for them', () => {
    const f = parseWriteOut('%{nope}%{nope}%{other}');
    assert.deepEqual(f.unknown, ['nope', 'other']);
    assert.equal(renderWriteOut(f, facts), '');
  });

  it('a failed transfer: http_code 000, its error and exit code', () => {
    const failed: WriteOutFacts = { url: 'http://x/', info: { ...info, status: undefined, httpVersion: undefined }, exitCode: 7, error: { code: 'ERR_CONNECT_ALL_FAILED', message: 'refused' } };
    assert.equal(renderWriteOut(parseWriteOut('%{http_code} %{http_version} %{exitcode} %{error_code} %{errormsg}'), failed), '000 0 7 ERR_CONNECT_ALL_FAILED refused');
  });

  it('every variable renders without throwing', () => {
    for (const v of WRITE_OUT_VARIABLES) assert.equal(typeof renderWriteOut(parseWriteOut(`%{${v}}`), facts), 'string');
  });
});
