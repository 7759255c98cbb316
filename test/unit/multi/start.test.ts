import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hiperAddon } from '../../../src/bind/addon.js';

const child = join(dirname(fileURLToPath(import.meta.url)), '../../helpers/start-child.js');

interface Seen { status: number; tableRead: boolean; addonMapped: boolean }

async function firstTransfer(url: string, egress: object): Promise<Seen> {
  const p = spawn(process.execPath, [child, url, JSON.stringify(egress)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
  const [code] = (await once(p, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, `start-child exited with ${code}: ${err}`);
  return JSON.parse(out.trim().split('\n').pop()!) as Seen;
}

describe('start: what the first transfer of a process reads', function () {
  this.timeout(20_000);
  let server: http.Server;
  let url: string;
  before(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  const addon = hiperAddon().addon !== undefined;
  const cases: Array<[string, object, { tableRead: boolean; addonMapped: boolean }]> = [
    ['no egress options: no interface table, no addon', {}, { tableRead: false, addonMapped: false }],
    ['an interface: the table is read (over netlink where the addon is)', { interface: 'lo' }, { tableRead: true, addonMapped: addon }],
  ];
  for (const [name, egress, want] of cases) {
    it(name, async () => {
      const seen = await firstTransfer(url, egress);
      assert.deepEqual(seen, { status: 200, ...want });
    });
  }
});
