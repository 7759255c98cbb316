/**
 * `hiper get --retry` against curl 7.88 itself: the same local server, the same flags, side by side;
 * the exit codes and the sequence of error and warning lines on stderr must match (the wording of the
 * error lines is each tool's own, the warnings are curl's to the character, wrapping included).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { runCli, type CliRun, runCurl } from '../../helpers/cli.js';
import { needs } from '../../helpers/needs.js';


/** stderr as a sequence: "E<exit code>" for an error line, the text of a warning line; the progress meter left out. */
function stderrShape(err: string): string[] {
  const shape: string[] = [];
  for (const raw of err.split(/[\r\n]/)) {
    const line = raw.trimStart();
    const e = /^(?:curl|hiper): \((\d+)\)/.exec(line);
    if (e) shape.push(`E${e[1]}`);
    else if (line.startsWith('Warning: ')) shape.push(line);
  }
  return shape;
}

describe('hiper get --retry, side by side with curl', function () {
  this.timeout(30_000);
  const curlVersion = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  const haveCurl = curlVersion.status === 0;
  let server: http.Server;
  let origin: string;
  let closedPort: number;
  const counts = new Map<string, number>();

  before(async function () {
    needs(this, haveCurl, 'curl is not installed (apt-get install curl)');
    // /after-N/<who>: 503 N times, then 200; /always/<who>: 503 each time. Counted per path, so that
    // curl and hiper each see the whole script.
    server = http.createServer((req, res) => {
      const n = counts.get(req.url!) ?? 0;
      counts.set(req.url!, n + 1);
      const after = /^\/after-(\d+)\//.exec(req.url!);
      if (after && n >= Number(after[1])) res.end('fine\n');
      else {
        res.writeHead(503);
        res.end('busy\n');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    closedPort = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, 'close');
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  const both = (args: (who: string) => string[]): Promise<[CliRun, CliRun]> => Promise.all([runCurl(args('curl')), runCli(['get', ...args('hiper')])]);

  it('two 503s then 200: exit 0, two HTTP-error warnings, and only the last body written', async () => {
    const [c, h] = await both((who) => ['--retry', '3', '--retry-delay', '1', `${origin}/after-2/${who}`]);
    assert.equal(h.code, c.code);
    assert.equal(h.code, 0);
    assert.deepEqual(stderrShape(h.err), stderrShape(c.err));
    assert.deepEqual(stderrShape(h.err), [
      'Warning: Problem : HTTP error. Will retry in 1 seconds. 3 retries left.',
      'Warning: Problem : HTTP error. Will retry in 1 seconds. 2 retries left.',
    ]);
    // curl writes the retried bodies as well; hiper writes nothing of a response it retries.
    assert.ok(c.out.endsWith('fine\n'));
    assert.equal(h.out, 'fine\n');
  });

  it('-f and 503 each time: exit 22, an error line per run and a warning between', async () => {
    const [c, h] = await both((who) => ['-f', '--retry', '1', '--retry-delay', '1', `${origin}/always/${who}`]);
    assert.equal(h.code, c.code);
    assert.equal(h.code, 22);
    assert.deepEqual(stderrShape(h.err), stderrShape(c.err));
    assert.deepEqual(stderrShape(h.err), ['E22', 'Warning: Problem : HTTP error. Will retry in 1 seconds. 1 retries left.', 'E22']);
  });

  it('a refused connect with --retry-connrefused: exit 7, curl\'s warning wrapped at 79 columns', async () => {
    const [c, h] = await both(() => ['--retry', '1', '--retry-delay', '1', '--retry-connrefused', `http://127.0.0.1:${closedPort}/`]);
    assert.equal(h.code, c.code);
    assert.equal(h.code, 7);
    assert.deepEqual(stderrShape(h.err), stderrShape(c.err));
    assert.deepEqual(stderrShape(h.err), ['E7', 'Warning: Problem : connection refused. Will retry in 1 seconds. 1 retries ', 'Warning: left.', 'E7']);
  });

  it('-s: no warnings; without --retry-connrefused a refused connect is not retried', async () => {
    const [c, h] = await both(() => ['-sS', '--retry', '2', `http://127.0.0.1:${closedPort}/`]);
    assert.equal(h.code, c.code);
    assert.deepEqual(stderrShape(h.err), stderrShape(c.err));
    assert.deepEqual(stderrShape(h.err), ['E7']);
  });

  it('-w %{num_retries} counts the runs after the first', async () => {
    const h = await runCli(['get', '-s', '--retry', '3', '--retry-delay', '1', '-o', '/dev/null', '-w', '%{num_retries} %{http_code}', `${origin}/after-1/w`]);
    assert.equal(h.code, 0);
    assert.equal(h.out, '1 200');
  });
});
