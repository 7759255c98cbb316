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
    server = http.createServer((req, res) => {
      // /trickle: 10 slices of 10 000 bytes over about 3 s, its size announced (or not: /trickle?chunked).
      if (req.url!.startsWith('/trickle')) {
        if (!req.url!.includes('chunked')) res.setHeader('content-length', '100000');
        let sent = 0;
        const timer = setInterval(() => {
          res.write(Buffer.alloc(10_000, 't'));
          if (++sent === 10) {
            clearInterval(timer);
            res.end();
          }
        }, 300);
        res.on('close', () => clearInterval(timer));
        return;
      }
      res.end(Buffer.alloc(64 * 1024, 'p'));
    });
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

  /** A command run in a tmux pane, its screen read with capture-pane while it runs and after it ended. */
  async function inPane(command: string, seenWhileRunning: RegExp): Promise<{ during: string; after: string }> {
    const session = `hiper-meter-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const tmux = (...args: string[]): string => {
      const r = spawnSync('tmux', ['-L', session, ...args], { encoding: 'utf8', timeout: 20_000 });
      if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '20', 'sh');
    try {
      const waiting = spawn('tmux', ['-L', session, 'wait-for', 'done'], { stdio: 'ignore' });
      const exited = once(waiting, 'exit');
      let ended = false;
      void exited.then(() => (ended = true));
      tmux('send-keys', '-t', session, `clear; ${command} >/dev/null; tmux -L ${session} wait-for -S done`, 'Enter');
      const timer = setTimeout(() => waiting.kill(), 20_000);
      // The screen while the transfer runs: polled until the display is on it, bounded.
      let during = '';
      for (let i = 0; i < 200 && !ended; i++) {
        during = tmux('capture-pane', '-p', '-t', session);
        if (seenWhileRunning.test(during)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await exited;
      clearTimeout(timer);
      return { during, after: tmux('capture-pane', '-p', '-t', session) };
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-server']);
    }
  }

  const screens: Array<{ what: string; args: (b: string) => string; during: RegExp; gone: RegExp }> = [
    { what: 'curl\'s meter for one URL: the table and a line that updates', args: (b) => `get -o /dev/null ${b}/trickle`,
      during: /% Total +% Received % Xferd +Average Speed +Time +Time +Time +Current\n +Dload +Upload +Total +Spent +Left +Speed\n +\d+ +97k +\d+ +\d+k? +0 +0 +\d+k? +0 /,
      gone: /% Total|Dload|97k/ },
    { what: '-# : curl\'s bar with the percentage', args: (b) => `get -# -o /dev/null ${b}/trickle`, during: /#{5,} +\d+\.\d%/, gone: /##|\d+\.\d%/ },
    { what: '-# with no size: the -=O=- that goes to and fro', args: (b) => `get -# -o /dev/null ${b}/trickle?chunked`, during: /-=O=-/, gone: /-=O=-/ },
    { what: '-Z with several URLs: one line, done / total', args: (b) => `get -Z -o /dev/null ${b}/trickle -o /dev/null ${b}/trickle?chunked -o /dev/null ${b}/x`,
      during: /\d\/3 transfers {2}[\d.]+ [KM]?i?B {2}[\d.]+ [KM]?i?B\/s/, gone: /transfers/ },
  ];
  for (const c of screens) {
    it(`${c.what}: on the screen while it runs, gone after`, async function () {
      needs(this, hasProgram('tmux'), 'tmux is not installed (apt-get install tmux)');
      const { during, after } = await inPane(`${process.execPath} ${CLI} ${c.args(base)}`, c.during);
      assert.match(during, c.during, `while running:\n${during}`);
      assert.doesNotMatch(after, c.gone, `after the end:\n${after}`);
    });
  }

  it('is absent when stderr is a pipe', async () => {
    const r = await runCli(['get', '--parallel', '-o', '/dev/null', `${base}/a`, '-o', '/dev/null', `${base}/b`]);
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
  });
});
