/** When `hiper get` draws its progress display: a terminal on stderr, and none of the flags that silence it. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getCommand } from '../../../src/cli/get-cmd.js';
import type { Io } from '../../../src/cli/format.js';

function io(errIsTTY: boolean, outIsTTY = false): Io & { errText: () => string; outText: () => string } {
  const err: string[] = [];
  const out: string[] = [];
  return {
    out: { isTTY: outIsTTY, write: (s: string | Uint8Array) => void out.push(Buffer.from(s).toString()) },
    err: { isTTY: errIsTTY, write: (s: string) => void err.push(s) },
    errText: () => err.join(''),
    outText: () => out.join(''),
  };
}

describe('hiper get: when the progress display is drawn', function () {
  this.timeout(20_000);
  let server: http.Server;
  let url: string;
  before(async () => {
    server = http.createServer((_req, res) => res.end('body'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const METER = /% Total {4}% Received/;
  const cases: Array<{ what: string; args: string[]; errTTY: boolean; outTTY?: boolean; drawn: RegExp | undefined }> = [
    { what: 'stderr a terminal, body to a file: curl\'s meter', args: ['-o', '/dev/null'], errTTY: true, drawn: METER },
    { what: '-#: the bar', args: ['-#', '-o', '/dev/null'], errTTY: true, drawn: /#{10,} +100\.0%/ },
    { what: 'several URLs: one line of transfers', args: ['-o', '/dev/null', '-o', '/dev/null', 'SECOND'], errTTY: true, drawn: /2\/2 transfers/ },
    { what: 'stderr a pipe', args: ['-o', '/dev/null'], errTTY: false, drawn: undefined },
    { what: '-s', args: ['-s', '-o', '/dev/null'], errTTY: true, drawn: undefined },
    { what: '--no-progress-meter', args: ['--no-progress-meter', '-o', '/dev/null'], errTTY: true, drawn: undefined },
    { what: 'the body to the same terminal', args: [], errTTY: true, outTTY: true, drawn: undefined },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.drawn ? 'drawn, then erased' : 'nothing'}`, async () => {
      const streams = io(c.errTTY, c.outTTY);
      const code = await getCommand([...c.args.map((a) => (a === 'SECOND' ? url : a)), url], streams);
      assert.equal(code, 0, streams.errText());
      const err = streams.errText();
      if (c.drawn === undefined) {
        assert.equal(err, '');
        return;
      }
      assert.match(err, c.drawn);
      // Erased at the end: the last thing written clears the line (and the table above it).
      assert.match(err, /\r\x1b\[2K(\x1b\[1A\x1b\[2K)*$/);
    });
  }

  it('-v: the connect lines and no display', async () => {
    const streams = io(true);
    assert.equal(await getCommand(['-v', '-o', '/dev/null', url], streams), 0);
    assert.match(streams.errText(), /^\* {3}Trying 127\.0\.0\.1:/);
    assert.doesNotMatch(streams.errText(), /% Total|\x1b\[/);
  });
});
