/**
 * Socket options in the mark bed: SO_MARK decides the route (ip rule fwmark 7 -> table 100 -> mk2,
 * where the main table says mk1), proven by the packets the peer counts on each link; a refused
 * option is a typed error and nothing leaves.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import type { Socket } from 'node:net';
import { connect, type SocketOptions } from '../../src/connect/index.js';
import { deviceBinding, getSocketOptionInt, openBoundSocket } from '../../src/bind/index.js';
import { withFreebind } from '../../src/bind/socket-options.js';
import { HiperError } from '../../src/shared/index.js';
import { MarkBed, MARK_BED as B } from '../helpers/mark-bed.js';
import { CLI, runCli } from '../helpers/cli.js';
import { needs } from '../helpers/needs.js';

const SOL_SOCKET = 1, SO_MARK = 36, IPPROTO_IP = 0, IP_FREEBIND = 15;
const URL_ = `http://${B.service}:8080/`;

/** One HTTP/1.0 GET over a connected socket: the body (the source address the peer saw). */
async function whoami(socket: Socket): Promise<string> {
  socket.write(`GET / HTTP/1.0\r\nHost: ${B.service}\r\n\r\n`);
  let text = '';
  for await (const chunk of socket) text += String(chunk);
  return text.split('\r\n\r\n')[1] ?? '';
}

describe('socket options in the mark bed (SO_MARK and ip rule)', function () {
  this.timeout(30_000);
  let bed: MarkBed;

  before(async () => {
    bed = await MarkBed.create();
    await bed.whoamiHttp();
  });
  after(() => bed?.close());
  beforeEach(function () {
    needs(this, deviceBinding().available, `the native addon is unavailable: ${deviceBinding().reason}`);
  });

  /** Runs `go` and says which links' counters moved at the peer. */
  async function linksUsed(go: () => Promise<void>): Promise<{ mkp1: boolean; mkp2: boolean }> {
    const before = await bed.peerRxQuiet();
    await go();
    const after = await bed.peerRxQuiet();
    return { mkp1: after.mkp1 > before.mkp1, mkp2: after.mkp2 > before.mkp2 };
  }

  const library: Array<[string, SocketOptions | undefined, 'mk1' | 'mk2']> = [
    ['without a mark: the main table, mk1', undefined, 'mk1'],
    ['fwmark 7: table 100, mk2', { fwmark: B.mark }, 'mk2'],
    ['fwmark 8 (no rule): the main table, mk1', { fwmark: 8 }, 'mk1'],
    ['a beforeConnect that sets SO_MARK 7 itself: mk2', { beforeConnect: (info) => info.setsockopt(SOL_SOCKET, SO_MARK, B.mark) }, 'mk2'],
  ];
  for (const [name, socketOptions, link] of library) {
    it(`connect() ${name}`, async () => {
      let seen = '';
      const used = await linksUsed(async () => {
        const c = await connect({ host: B.service, port: 8080, ...(socketOptions ? { socketOptions } : {}) });
        if (socketOptions) assert.equal(getSocketOptionInt((c.socket as unknown as { _handle: { fd: number } })._handle.fd, SOL_SOCKET, SO_MARK), socketOptions.fwmark ?? B.mark);
        // The trace's route lookup carries the mark; one a hook set itself it cannot know.
        if (socketOptions?.beforeConnect === undefined) assert.equal(c.trace.egressInterface, link, 'the kernel route of the connected socket');
        seen = await whoami(c.socket);
      });
      assert.equal(seen, link === 'mk1' ? B.mk1 : B.mk2);
      assert.deepEqual(used, { mkp1: link === 'mk1', mkp2: link === 'mk2' });
    });
  }

  for (const [args, link] of [[['--fwmark', '7'], 'mk2'], [['--fwmark', '0x7', '--ip-tos', '0x10', '--keepalive-time', '30'], 'mk2'], [[], 'mk1']] as const) {
    it(`hiper get ${[...args].join(' ') || '(no mark)'}: leaves through ${link}`, async () => {
      let out = '';
      const used = await linksUsed(async () => {
        const r = await runCli(['get', ...args, URL_]);
        assert.equal(r.code, 0, r.err);
        out = r.out;
      });
      assert.equal(out, link === 'mk1' ? B.mk1 : B.mk2);
      assert.deepEqual(used, { mkp1: link === 'mk1', mkp2: link === 'mk2' });
    });
  }

  it('hiper get --fwmark 7 without CAP_NET_ADMIN (unshare -U): exit 45 naming fwmark, EPERM and CAP_NET_ADMIN; no packet sent', async function () {
    needs(this, spawnSync('unshare', ['-U', 'true']).status === 0, 'unshare -U (a nested user namespace) is unavailable');
    let r: SpawnSyncReturns<string> | undefined;
    const used = await linksUsed(async () => {
      r = spawnSync('unshare', ['-U', process.execPath, CLI, 'get', '--fwmark', '7', URL_], { encoding: 'utf8', timeout: 20_000 });
    });
    assert.equal(r!.status, 45, r!.stderr);
    assert.match(r!.stderr, /fwmark 7.*EPERM|EPERM.*fwmark 7/);
    assert.match(r!.stderr, /CAP_NET_ADMIN/);
    assert.deepEqual(used, { mkp1: false, mkp2: false });
  });

  it('a beforeConnect setsockopt the kernel refuses is ERR_SOCKET_OPTION_FAILED naming level, name and errno; nothing is sent', async () => {
    const used = await linksUsed(async () => {
      await assert.rejects(connect({ host: B.service, port: 8080, socketOptions: { beforeConnect: (info) => info.setsockopt(SOL_SOCKET, 12345, 1) } }), (err: unknown) => {
        assert.ok(err instanceof HiperError, String(err));
        assert.equal(err.code, 'ERR_SOCKET_OPTION_FAILED');
        assert.equal(err.input, 'level 1 name 12345');
        assert.match(err.message, /ENOPROTOOPT/);
        return true;
      });
    });
    assert.deepEqual(used, { mkp1: false, mkp2: false });
  });

  for (const [family, address] of [[4, B.freebindSource], [6, '2001:db8:77::99']] as const) {
    it(`IP_FREEBIND is set before the bind: ${address}, which this host lacks, binds with it, not without`, () => {
      assert.throws(() => openBoundSocket({ family, localAddress: address }), (err: unknown) => (err as HiperError).details?.errno === 'EADDRNOTAVAIL');
      const socket = openBoundSocket({ family, localAddress: address, socketOptions: withFreebind(undefined) });
      try {
        assert.equal(getSocketOptionInt((socket as unknown as { _handle: { fd: number } })._handle.fd, IPPROTO_IP, IP_FREEBIND), 1);
      } finally {
        socket.destroy();
      }
    });
  }
});
