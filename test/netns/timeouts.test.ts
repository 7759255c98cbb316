/**
 * A connect that hangs (an address on h1's link that no neighbour answers: ARP goes unanswered for
 * seconds) must not hold the process past the transfer's time limit: the CLI's -m and a Multi's
 * timeout + close() end the process within a few ms of the limit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Bed } from '../helpers/bed.js';
import { CLI } from '../helpers/cli.js';

const SILENT = 'http://198.51.100.99:8080/';
const MULTI = fileURLToPath(new URL('../../src/multi/index.js', import.meta.url));

/** Runs node with `args`; resolves with its exit code, output, and when it started and ended (Date.now()). */
async function lifetime(args: string[]): Promise<{ code: number | null; out: string; started: number; ended: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, started, ended: Date.now() };
}

describe('timeouts against a connect that hangs', function () {
  this.timeout(30_000);
  let bed: Bed;
  before(async () => {
    bed = await Bed.create();
  });
  after(async () => bed?.close());

  it('hiper get -m 1: exit 28, and the process ends within 1.3 s of its start (Node\'s own start not counted)', async () => {
    // What starting Node and the command costs here, measured the same way.
    const start = await lifetime([CLI, '--version']);
    const r = await lifetime([CLI, 'get', '-s', '-S', '-m', '1', SILENT]);
    assert.equal(r.code, 28, r.out);
    assert.match(r.out, /took longer than 1000 ms/);
    const ms = r.ended - r.started - (start.ended - start.started);
    console.log(`      (exit ${ms} ms after the command's own start)`);
    assert.ok(ms < 1_300, `the process lived ${ms} ms past its start`);
  });

  it('a Multi with timeout: 1000, then close(): nothing of hiper keeps the process alive', async () => {
    const script = `
      const { Multi } = await import(${JSON.stringify(MULTI)});
      const multi = new Multi({ timeout: 1000 });
      console.log(Date.now());
      const code = await multi.add({ url: ${JSON.stringify(SILENT)} }).done.then(() => 'ok', (e) => e.code);
      console.log(code);
      await multi.close();`;
    const r = await lifetime(['--input-type=module', '-e', script]);
    assert.equal(r.code, 0, r.out);
    const [added, code] = r.out.trim().split('\n');
    assert.equal(code, 'ERR_TIMEOUT');
    const ms = r.ended - Number(added);
    console.log(`      (exit ${ms} ms after the transfer was added)`);
    assert.ok(ms < 1_300, `the process lived ${ms} ms after the transfer was added`);
  });
});
