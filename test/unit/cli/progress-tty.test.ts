/**
 * The progress line in a real pseudo-terminal (tmux): drawn on stderr while transfers run, cleared at
 * the end; and absent when stderr is a pipe.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../../helpers/cli.js';
import { hasProgram, needs } from '../../helpers/needs.js';

const PROGRESS = /\r\x1b\[2K(\d+)\/(\d+) transfers/;

describe('hiper get progress in a terminal', function () {
  this.timeout(30_000);
  let server: http.Server;
  let base: string;
  let dir: string;
  before(async () => {
    server = http.createServer((_req, res) => res.end(Buffer.alloc(64 * 1024, 'p')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'hiper-tty-'));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws transfers done / total, bytes and rate in a tmux pane, and clears it', async function () {
    needs(this, hasProgram('tmux'), 'tmux is not installed (apt-get install tmux)');
    const session = `hiper-progress-${process.pid}`;
    const log = join(dir, 'pane.log');
    const urls = Array.from({ length: 20 }, (_, i) => `${base}/${i}`);
    const tmux = (...args: string[]): string => {
      const r = spawnSync('tmux', ['-L', session, ...args], { encoding: 'utf8', timeout: 20_000 });
      if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '20', 'sh');
    try {
      tmux('pipe-pane', '-t', session, '-o', `cat > ${log}`);
      // stdout to /dev/null (the bodies); stderr stays the terminal. wait-for tells when it has exited.
      const command = `${process.execPath} ${CLI} get --parallel -o /dev/null ${urls.map((u, i) => (i === 0 ? u : `-o /dev/null ${u}`)).join(' ')} >/dev/null; tmux -L ${session} wait-for -S done`;
      // Waited for without blocking: the server answering the transfers runs in this process.
      const waiting = spawn('tmux', ['-L', session, 'wait-for', 'done'], { stdio: 'ignore' });
      const exited = once(waiting, 'exit');
      tmux('send-keys', '-t', session, command, 'Enter');
      const timer = setTimeout(() => waiting.kill(), 20_000);
      await exited;
      clearTimeout(timer);
      // The pane's bytes reach the log through tmux and cat a moment later: poll, bounded.
      for (let i = 0; i < 100 && !/20\/20 transfers[^]*\r\x1b\[2K/.test(readFileSync(log, 'latin1')); i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-server']);
    }
    const seen = readFileSync(log, 'latin1');
    const draws = [...seen.matchAll(new RegExp(PROGRESS, 'g'))];
    assert.ok(draws.length >= 1, `a progress line was drawn: ${JSON.stringify(seen.slice(-400))}`);
    const last = draws.at(-1)!;
    assert.equal(last[2], '20');
    assert.equal(last[1], '20', 'the last draw shows every transfer done');
    assert.match(seen, /20\/20 transfers {2}1\.3 MiB {2}[\d.]+ [KMG]?i?B\/s/);
    assert.ok(seen.lastIndexOf('\r\x1b[2K') > last.index!, 'cleared after the last draw');
  });

  it('is absent when stderr is a pipe', async () => {
    const r = await runCli(['get', '--parallel', '-o', '/dev/null', `${base}/a`, '-o', '/dev/null', `${base}/b`]);
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
  });
});
