/** -w's curl 7.88 additions: %{json}, %{header_json}, %{onerror}, and the values of a failed transfer. */
import assert from 'node:assert/strict';
import { headerJson, parseWriteOut, renderWriteOut, writeOutJson, type WriteOutFacts } from '../../../src/cli/write-out.js';
import type { TransferInfo } from '../../../src/multi/index.js';

const info: TransferInfo = {
  id: 3, url: 'http://198.51.100.1:8080/a', method: 'GET', startTime: 1000,
  timings: { namelookup: 1.5, connect: 2.25, appconnect: 0, pretransfer: 2.5, starttransfer: 10, total: 500 },
  connectionId: 2, reused: false, numConnects: 1, pipelinePosition: 0, tries: 1, retries: 0, httpVersion: '1.1', status: 200,
  local: { address: '198.51.100.2', port: 40000 }, remote: { address: '198.51.100.1', port: 8080 },
  interface: 'h1', bindMethod: 'device', sizeUpload: 0, sizeDownload: 1000,
};
const headers: Array<[string, string]> = [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['set-cookie', 'b=2']];
const facts: WriteOutFacts = { url: 'http://peer.test:8080/a', info, exitCode: 0, contentType: 'text/plain', headers, statusMessage: 'OK', urlIndex: 1, filename: 'out.txt' };
/** What curl 7.88 prints for a refused connect (127.0.0.1:1): nothing connected, every number 0. */
const refused: WriteOutFacts = {
  url: 'http://127.0.0.1:1/', exitCode: 7, error: { code: 'ERR_CONNECT_ALL_FAILED', message: 'refused' },
  info: { ...info, url: 'http://127.0.0.1:1/', connectionId: undefined, numConnects: 0, status: undefined, httpVersion: undefined, local: undefined, remote: undefined, sizeDownload: 0 },
};

/** curl 7.88's %{json} keys, in its order (curl -s -o /dev/null -w '%{json}'). */
const CURL_KEYS = ['certs', 'content_type', 'errormsg', 'exitcode', 'filename_effective', 'ftp_entry_path', 'http_code', 'http_connect', 'http_version', 'local_ip',
  'local_port', 'method', 'num_certs', 'num_connects', 'num_headers', 'num_redirects', 'proxy_ssl_verify_result', 'redirect_url', 'referer', 'remote_ip', 'remote_port',
  'response_code', 'scheme', 'size_download', 'size_header', 'size_request', 'size_upload', 'speed_download', 'speed_upload', 'ssl_verify_result', 'time_appconnect', 'time_connect',
  'time_namelookup', 'time_pretransfer', 'time_redirect', 'time_starttransfer', 'time_total', 'url', 'url_effective', 'urlnum', 'curl_version'];

describe('cli write-out: curl 7.88 additions', () => {
  it('%{json}: curl\'s keys in curl\'s order and types, then hiper\'s own', () => {
    const text = renderWriteOut(parseWriteOut('%{json}'), facts);
    const o = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(o).slice(0, CURL_KEYS.length), CURL_KEYS);
    assert.deepEqual(Object.keys(o).slice(CURL_KEYS.length),
      ['num_retries', 'interface', 'bind_method', 'egress_interface', 'connection_id', 'pipeline_position', 'reused', 'error_code', 'connect_trace']);
    assert.equal(o.http_code, 200);
    assert.equal(o.http_version, '1.1');
    assert.equal(o.local_port, 40000);
    assert.equal(o.scheme, 'HTTP');
    assert.equal(o.errormsg, null);
    assert.equal(o.urlnum, 1);
    assert.equal(o.num_headers, 3);
    assert.equal(o.filename_effective, 'out.txt');
    assert.equal(o.interface, 'h1');
    assert.equal(o.reused, false);
    // Times as curl prints them: six decimals, as numbers.
    assert.match(text, /"time_total":0\.500000,/);
    assert.match(text, /"time_appconnect":0\.000000,/);
  });

  it('%{json} of a refused connect: curl\'s values (0 ports, empty addresses, null scheme, the error)', () => {
    const o = JSON.parse(writeOutJson(refused)) as Record<string, unknown>;
    assert.deepEqual(
      [o.http_code, o.num_connects, o.local_ip, o.local_port, o.remote_ip, o.remote_port, o.scheme, o.exitcode, o.errormsg, o.content_type, o.http_version],
      [0, 0, '', 0, '', 0, null, 7, 'refused', null, '0'],
    );
  });

  it('a refused connect in -w: what curl prints for it', () => {
    const format = parseWriteOut('%{num_connects}|%{remote_port}|%{local_port}|%{remote_ip}|%{http_code}|%{exitcode}|%{local_ip}|%{scheme}');
    // curl 7.88 against 127.0.0.1:1: "0|0|0||000|7||"
    assert.equal(renderWriteOut(format, refused), '0|0|0||000|7||');
  });

  it('%{header_json}: lower-case names, each with its values in order, one per line', () => {
    assert.equal(headerJson(headers), '{"content-type":["text/plain"],\n"set-cookie":["a=1","b=2"]\n}');
    assert.equal(renderWriteOut(parseWriteOut('%{header_json}'), refused), '{\n}');
  });

  it('%{onerror}: the rest only for a transfer that failed', () => {
    const format = parseWriteOut('%{http_code}%{onerror} failed: %{exitcode}\\n');
    assert.equal(renderWriteOut(format, facts), '200');
    assert.equal(renderWriteOut(format, refused), '000 failed: 7\n');
    assert.deepEqual(format.unknown, []);
  });

  const vectors: Array<[string, WriteOutFacts, string]> = [
    ['%{urlnum} %{num_redirects} %{scheme}', facts, '1 0 HTTP'],
    ['%{filename_effective}|%{redirect_url}', facts, 'out.txt|'],
    ['%{filename_effective}|%{redirect_url}', { ...facts, filename: undefined, redirectUrl: 'http://x/next', numRedirects: 2 }, '|http://x/next'],
    ['%{num_redirects}', { ...facts, numRedirects: 2 }, '2'],
    // "HTTP/1.1 200 OK\r\n" + three header lines + "\r\n"
    ['%{size_header}', facts, String(17 + 26 + 17 + 17 + 2)],
    ['%{size_request}', { ...facts, requestSize: 79 }, '79'],
    ['%{egress_interface}|%{speed_upload}', { ...facts, info: { ...info, egressInterface: 'h1' } }, 'h1|0'],
  ];
  for (const [format, f, expected] of vectors) {
    it(JSON.stringify(format), () => assert.equal(renderWriteOut(parseWriteOut(format), f), expected));
  }
});
