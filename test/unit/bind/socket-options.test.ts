import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type Connection, type SocketInfo, type SocketOptions } from '../../../src/connect/index.js';
import { deviceBinding, getSocketOption, getSocketOptionInt } from '../../../src/bind/index.js';
import { optionNames, socketOptionWords, withFreebind } from '../../../src/bind/socket-options.js';
import { HiperError, type AddressRecord } from '../../../src/shared/index.js';
import type { Resolver } from '../../../src/resolve/types.js';
import { socketFlagOptions } from '../../../src/cli/socket-flags.js';
import { Multi } from '../../../src/multi/index.js';
import { hiperConnector } from '../../../src/adapters/index.js';
import { openFds, fdsSettle } from '../../helpers/fds.js';
import { needs, hasProgram } from '../../helpers/needs.js';
import { runCli } from '../../helpers/cli.js';

/** Linux's numbers for the options read back here. */
const SOL_SOCKET = 1, SO_KEEPALIVE = 9, SO_PRIORITY = 12, SO_RCVBUF = 8;
const IPPROTO_IP = 0, IP_TOS = 1, IP_FREEBIND = 15;
const IPPROTO_IPV6 = 41, IPV6_TCLASS = 67;
const IPPROTO_TCP = 6, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6, TCP_INFO = 11, TCP_USER_TIMEOUT = 18;
const TCP_CLOSE = 7;

const pinned = (...addresses: string[]): Resolver => async () =>
  addresses.map((address): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, source: 'pinned' }));

const fdOf = (socket: net.Socket): number => (socket as unknown as { _handle: { fd: number } })._handle.fd;

function invalid(input: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof HiperError, String(err));
    assert.equal(err.code, 'ERR_INVALID_ARGUMENT');
    assert.equal(err.input, input);
    return true;
  };
}

describe('socket options: what the library takes', () => {
  const good: Array<[string, SocketOptions, string[], number[]]> = [
    // name, options, the options set, the words after the flags word
    ['nothing', {}, [], []],
    ['a hook alone sets no word', { beforeConnect: () => {} }, [], []],
    ['fwmark at the top of its range', { fwmark: 0xffff_ffff }, ['fwmark'], [-1, 0, 0, 0, 0, 0, 0]],
    ['fwmark 0 is still set', { fwmark: 0 }, ['fwmark'], [0, 0, 0, 0, 0, 0, 0]],
    ['tos with the DSCP bits only', { tos: 0xb8 }, ['tos'], [0, 0xb8, 0, 0, 0, 0, 0]],
    ['priority above 6 (the kernel asks for CAP_NET_ADMIN)', { priority: 7 }, ['priority'], [0, 0, 7, 0, 0, 0, 0]],
    ['tcpUserTimeout 0 (the kernel default)', { tcpUserTimeout: 0 }, ['tcpUserTimeout'], [0, 0, 0, 0, 0, 0, 0]],
    ['keep-alive times rounded up to seconds', { keepAlive: { idle: 1001, interval: 1, count: 127 } }, ['keepAlive'], [0, 0, 0, 0, 2, 1, 127]],
    ['keep-alive with the kernel defaults', { keepAlive: {} }, ['keepAlive'], [0, 0, 0, 0, 0, 0, 0]],
    ['all of them', { fwmark: 7, tos: 0x10, priority: 3, tcpUserTimeout: 5000, keepAlive: { idle: 30_000 } }, ['fwmark', 'tos', 'priority', 'tcpUserTimeout', 'keepAlive'], [7, 0x10, 3, 5000, 30, 0, 0]],
  ];
  for (const [name, options, names, rest] of good) {
    it(`takes ${name}`, () => {
      const words = socketOptionWords(options);
      if (names.length === 0) return assert.equal(words, undefined);
      assert.deepEqual(optionNames(words!), names);
      assert.deepEqual([...words!.subarray(1)], rest);
    });
  }

  const bad: Array<[string, unknown, string]> = [
    ['not an object', 7, 'socketOptions'],
    ['an unknown option', { fwMark: 7 }, 'socketOptions.fwMark'],
    ['fwmark below 0', { fwmark: -1 }, 'socketOptions.fwmark'],
    ['fwmark above 2^32-1', { fwmark: 2 ** 32 }, 'socketOptions.fwmark'],
    ['fwmark as a string', { fwmark: '7' }, 'socketOptions.fwmark'],
    ['tos above 255', { tos: 256 }, 'socketOptions.tos'],
    ['tos with ECN bits', { tos: 0x11 }, 'socketOptions.tos'],
    ['a fractional priority', { priority: 1.5 }, 'socketOptions.priority'],
    ['a negative tcpUserTimeout', { tcpUserTimeout: -1 }, 'socketOptions.tcpUserTimeout'],
    ['a fractional tcpUserTimeout', { tcpUserTimeout: 0.5 }, 'socketOptions.tcpUserTimeout'],
    ['keepAlive true', { keepAlive: true }, 'socketOptions.keepAlive'],
    ['keepAlive.idle 0', { keepAlive: { idle: 0 } }, 'socketOptions.keepAlive.idle'],
    ['keepAlive.interval over the kernel limit', { keepAlive: { interval: 32_768_000 } }, 'socketOptions.keepAlive.interval'],
    ['keepAlive.count 0', { keepAlive: { count: 0 } }, 'socketOptions.keepAlive.count'],
    ['keepAlive.count 128', { keepAlive: { count: 128 } }, 'socketOptions.keepAlive.count'],
    ['an unknown keepAlive field', { keepAlive: { time: 5 } }, 'socketOptions.keepAlive.time'],
    ['beforeConnect not a function', { beforeConnect: 'x' }, 'socketOptions.beforeConnect'],
  ];
  for (const [name, options, input] of bad) {
    it(`refuses ${name}, naming it`, () => assert.throws(() => socketOptionWords(options), invalid(input)));
  }

  it('freebind alone or beside other options', () => {
    assert.deepEqual(optionNames(withFreebind(undefined)), ['freebind']);
    const words = socketOptionWords({ tos: 0x10 })!;
    assert.deepEqual(optionNames(withFreebind(words)), ['tos', 'freebind']);
    assert.deepEqual(optionNames(words), ['tos'], 'the shared words are left as they were');
  });

  it('Multi.add and the adapters refuse bad socket options at once', async () => {
    const multi = new Multi();
    try {
      assert.throws(() => multi.add({ url: 'http://127.0.0.1:9/', socketOptions: { tos: 300 } }), invalid('socketOptions.tos'));
    } finally {
      await multi.close();
    }
    assert.throws(() => hiperConnector({ socketOptions: { keepAlive: { count: 0 } } }), invalid('socketOptions.keepAlive.count'));
  });
});

describe('socket options: the command-line flags', () => {
  const good: Array<[string[], SocketOptions | undefined]> = [
    [[], undefined],
    [['--fwmark', '7'], { fwmark: 7 }],
    [['--fwmark', '0xff00'], { fwmark: 0xff00 }],
    [['--fwmark', '4294967295'], { fwmark: 0xffff_ffff }],
    [['--ip-tos', '0x10'], { tos: 0x10 }],
    [['--ip-tos', '184'], { tos: 184 }],
    [['--vlan-priority', '7'], { priority: 7 }],
    [['--tcp-user-timeout', '3000'], { tcpUserTimeout: 3000 }],
    // curl's --keepalive-time sets the idle time and the interval.
    [['--keepalive-time', '20'], { keepAlive: { idle: 20_000, interval: 20_000 } }],
    [['--keepalive-time', '20', '--keepalive-cnt', '3'], { keepAlive: { idle: 20_000, interval: 20_000, count: 3 } }],
    [['--keepalive-cnt', '3'], { keepAlive: { count: 3 } }],
  ];
  const values = (args: string[]): Record<string, string> => {
    const v: Record<string, string> = {};
    for (let i = 0; i < args.length; i += 2) v[args[i]!.slice(2)] = args[i + 1]!;
    return v;
  };
  for (const [args, want] of good) {
    it(`${args.join(' ') || 'no flag'}`, () => assert.deepEqual(socketFlagOptions(values(args)).socketOptions, want));
  }

  const bad: Array<[string[], string]> = [
    [['--fwmark', '-1'], '--fwmark'],
    [['--fwmark', '4294967296'], '--fwmark'],
    [['--fwmark', 'seven'], '--fwmark'],
    [['--fwmark', '1e3'], '--fwmark'],
    [['--ip-tos', '256'], '--ip-tos'],
    [['--ip-tos', '0x11'], '--ip-tos'],
    [['--vlan-priority', '8'], '--vlan-priority'],
    [['--vlan-priority', '0x3'], '--vlan-priority'],
    [['--tcp-user-timeout', '1.5'], '--tcp-user-timeout'],
    [['--keepalive-time', '0'], '--keepalive-time'],
    [['--keepalive-time', '32768'], '--keepalive-time'],
    [['--keepalive-cnt', '128'], '--keepalive-cnt'],
  ];
  for (const [args, flag] of bad) {
    it(`refuses ${args.join(' ')} as a usage error naming ${flag}`, () => {
      assert.throws(() => socketFlagOptions(values(args)), (err: unknown) => {
        assert.ok(err instanceof HiperError);
        assert.equal(err.input, flag);
        assert.equal(err.details.usage, true);
        return true;
      });
    });
  }

  it('hiper connect --vlan-priority 9 exits 2 naming the flag', async () => {
    const r = await runCli(['connect', '127.0.0.1', '9', '--vlan-priority', '9']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--vlan-priority/);
  });
});

describe('socket options on loopback sockets', function () {
  let server: net.Server;
  let port: number;
  const open: net.Socket[] = [];
  before(async () => {
    server = net.createServer((s) => {
      open.push(s);
      s.on('error', () => {});
    });
    server.listen(0, '::');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    for (const s of open) s.destroy();
    server.close();
  });
  beforeEach(function () {
    needs(this, deviceBinding().available, `the native addon is unavailable: ${deviceBinding().reason}`);
  });

  async function connected(host: string, socketOptions: SocketOptions, extra: object = {}): Promise<Connection> {
    return connect({ host, port, socketOptions, ...extra });
  }

  for (const [host, tosLevel, tosName] of [['127.0.0.1', IPPROTO_IP, IP_TOS], ['::1', IPPROTO_IPV6, IPV6_TCLASS]] as const) {
    it(`sets tos, priority, TCP user timeout and keep-alive before connect, without other binding (${host})`, async () => {
      const c = await connected(host, { tos: 0x10, priority: 5, tcpUserTimeout: 3000, keepAlive: { idle: 1500, interval: 1000, count: 4 } });
      try {
        assert.equal(c.trace.bindMethod, 'none');
        const fd = fdOf(c.socket);
        const read: Array<[string, number, number, number]> = [
          ['tos', tosLevel, tosName, 0x10],
          ['priority', SOL_SOCKET, SO_PRIORITY, 5],
          ['tcpUserTimeout', IPPROTO_TCP, TCP_USER_TIMEOUT, 3000],
          ['SO_KEEPALIVE', SOL_SOCKET, SO_KEEPALIVE, 1],
          ['keepAlive.idle (1500 ms, rounded up)', IPPROTO_TCP, TCP_KEEPIDLE, 2],
          ['keepAlive.interval', IPPROTO_TCP, TCP_KEEPINTVL, 1],
          ['keepAlive.count', IPPROTO_TCP, TCP_KEEPCNT, 4],
        ];
        for (const [what, level, name, want] of read) assert.equal(getSocketOptionInt(fd, level, name), want, what);
      } finally {
        c.socket.destroy();
      }
    });
  }

  it('leaves a socket without options as Node makes it', async () => {
    const c = await connect({ host: '127.0.0.1', port });
    try {
      const fd = fdOf(c.socket);
      assert.equal(getSocketOptionInt(fd, IPPROTO_IP, IP_TOS), 0);
      assert.equal(getSocketOptionInt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
      assert.equal(getSocketOptionInt(fd, IPPROTO_IP, IP_FREEBIND), 0);
    } finally {
      c.socket.destroy();
    }
  });

  it('sets options on a socket bound to a device and a local address too', async () => {
    const c = await connected('127.0.0.1', { tos: 0x20 }, { interface: 'ifhost!lo!127.0.0.5' });
    try {
      assert.equal(c.trace.bindMethod, 'device');
      assert.equal(c.trace.local.address, '127.0.0.5');
      assert.equal(getSocketOptionInt(fdOf(c.socket), IPPROTO_IP, IP_TOS), 0x20);
    } finally {
      c.socket.destroy();
    }
  });

  it('runs beforeConnect on the bound, unconnected socket; its setsockopt goes through the addon', async () => {
    const seen: Array<Omit<SocketInfo, 'setsockopt'> & { state: number | undefined }> = [];
    const c = await connected('127.0.0.1', {
      beforeConnect: (info) => {
        // tcpi_state, the first byte of TCP_INFO: TCP_CLOSE (7) until connect() is called.
        const state = getSocketOption(info.fd, IPPROTO_TCP, TCP_INFO, 8)[0];
        const { fd, family, remote, localAddress } = info;
        seen.push({ fd, family, remote, localAddress, state });
        info.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536);
      },
    }, { localAddress: '127.0.0.6' });
    try {
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0], { fd: fdOf(c.socket), family: 4, remote: { address: '127.0.0.1', port }, localAddress: '127.0.0.6', state: TCP_CLOSE });
      assert.equal(getSocketOptionInt(fdOf(c.socket), SOL_SOCKET, SO_RCVBUF), 2 * 65536, 'the kernel doubles SO_RCVBUF');
      assert.equal(c.trace.local.address, '127.0.0.6');
    } finally {
      c.socket.destroy();
    }
  });

  it('a beforeConnect that throws fails that attempt (cause kept, fd closed) and the next candidate connects', async () => {
    const before = openFds();
    const boom = new Error('no IPv6 here');
    const c = await connect({
      host: 'dual.test', port, resolver: pinned('::1', '127.0.0.1'), happyEyeballsDelay: 10_000,
      socketOptions: { beforeConnect: (info) => { if (info.family === 6) throw boom; } },
    });
    try {
      assert.equal(c.trace.remote.address, '127.0.0.1');
      assert.deepEqual(c.trace.attempts.map((a) => [a.remote.address, a.outcome, a.error ?? '', a.failedAt ?? '']), [
        ['::1', 'failed', 'ERR_BEFORE_CONNECT_FAILED', 'bind'],
        ['127.0.0.1', 'connected', '', ''],
      ]);
    } finally {
      c.socket.destroy();
    }
    assert.equal(await fdsSettle(before), before);
  });

  const hookFailures: Array<[string, SocketOptions['beforeConnect'], string, RegExp, (err: HiperError) => void]> = [
    ['throws an Error', () => { throw new Error('refused by policy'); }, 'ERR_BEFORE_CONNECT_FAILED', /beforeConnect failed.*refused by policy/,
      (err) => assert.equal((err.cause as HiperError).cause instanceof Error && ((err.cause as HiperError).cause as Error).message, 'refused by policy')],
    ['returns a promise', async () => {}, 'ERR_BEFORE_CONNECT_FAILED', /synchronously/, () => {}],
    ['sets an option the kernel does not know', (info) => info.setsockopt(SOL_SOCKET, 9999, 1), 'ERR_SOCKET_OPTION_FAILED', /level 1 name 9999.*ENOPROTOOPT/,
      (err) => assert.deepEqual([err.input, (err.cause as HiperError).details.errno], ['level 1 name 9999', 'ENOPROTOOPT'])],
  ];
  for (const [what, hook, code, message, check] of hookFailures) {
    it(`a beforeConnect that ${what} fails the connect with ${code}`, async () => {
      await assert.rejects(connect({ host: '127.0.0.1', port, socketOptions: { beforeConnect: hook } }), (err: unknown) => {
        assert.ok(err instanceof HiperError, String(err));
        assert.equal(err.code, code);
        assert.match(err.message, message);
        check(err);
        return true;
      });
    });
  }

  it('a Multi transfer and the undici connector pass socket options on; undici does not overwrite the keep-alive', async () => {
    const http = await import('node:http');
    const web = http.createServer((_, res) => res.end('ok'));
    web.listen(0, '127.0.0.1');
    await once(web, 'listening');
    const webPort = (web.address() as net.AddressInfo).port;
    try {
      const calls: number[] = [];
      const multi = new Multi();
      try {
        const r = await multi.add({ url: `http://127.0.0.1:${webPort}/`, socketOptions: { tos: 0x10, beforeConnect: (info) => calls.push(info.remote.port) } }).done;
        assert.equal(r.status, 200);
        assert.deepEqual(calls, [webPort]);
      } finally {
        await multi.close();
      }
      const viaUndici = (options: Parameters<typeof hiperConnector>[0]): Promise<net.Socket> => new Promise((resolve, reject) =>
        hiperConnector(options)({ hostname: '127.0.0.1', protocol: 'http:', port: String(webPort) } as never, (err, socket) => (err ? reject(err) : resolve(socket as net.Socket))));
      for (const [options, idle] of [[{ socketOptions: { keepAlive: { idle: 5000 } } }, 5], [{}, 60]] as const) {
        const socket = await viaUndici(options);
        try {
          assert.equal(getSocketOptionInt(fdOf(socket), IPPROTO_TCP, TCP_KEEPIDLE), idle);
        } finally {
          socket.destroy();
        }
      }
    } finally {
      web.close();
    }
  });

  /** A node program under `unshare -U`: root of a new user namespace, without CAP_NET_ADMIN over this network namespace. */
  function withoutNetAdmin(source: string): { status: number | null; out: string; err: string } {
    const r = spawnSync('unshare', ['-U', process.execPath, '--input-type=module', '-e', source], { encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, out: r.stdout, err: r.stderr };
  }
  const connectModule = fileURLToPath(new URL('../../../src/connect/index.js', import.meta.url));

  for (const [options, option] of [[{ fwmark: 7 }, 'fwmark'], [{ priority: 7 }, 'priority']] as const) {
    it(`${option} refused with EPERM is ERR_SOCKET_OPTION_FAILED naming it and CAP_NET_ADMIN`, function () {
      needs(this, hasProgram('unshare') && spawnSync('unshare', ['-U', 'true']).status === 0, 'unshare -U (a user namespace) is unavailable');
      const r = withoutNetAdmin(`
        import { connect } from ${JSON.stringify(connectModule)};
        connect({ host: '127.0.0.1', port: ${port}, socketOptions: ${JSON.stringify(options)} }).then(
          (c) => { c.socket.destroy(); console.log('connected'); },
          (e) => console.log(JSON.stringify({ code: e.code, input: e.input, message: e.message, errno: e.cause?.details?.errno })));`);
      assert.equal(r.status, 0, r.err);
      const got = JSON.parse(r.out) as { code: string; input: string; message: string; errno: string };
      assert.equal(got.code, 'ERR_SOCKET_OPTION_FAILED');
      assert.equal(got.input, option);
      assert.equal(got.errno, 'EPERM');
      assert.match(got.message, new RegExp(`${option} 7.*CAP_NET_ADMIN`));
    });
  }

  it('hiper connect --fwmark 7 without CAP_NET_ADMIN exits 45 and says why', async function () {
    needs(this, hasProgram('unshare') && spawnSync('unshare', ['-U', 'true']).status === 0, 'unshare -U (a user namespace) is unavailable');
    const cli = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
    const r = spawnSync('unshare', ['-U', process.execPath, cli, 'connect', '127.0.0.1', String(port), '--fwmark', '7'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 45, r.stderr);
    assert.match(r.stderr, /ERR_SOCKET_OPTION_FAILED.*fwmark.*CAP_NET_ADMIN/s);
  });

  it('without the addon, socket options are ERR_SOCKET_OPTION_UNAVAILABLE naming them (hiper connect exits 4)', async () => {
    const r = await runCli(['connect', '127.0.0.1', String(port), '--fwmark', '7', '--keepalive-cnt', '3'], { env: { HIPER_DEVICE_BINDING: 'off' } });
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /ERR_SOCKET_OPTION_UNAVAILABLE.*fwmark, keepAlive.*HIPER_DEVICE_BINDING=off/s);
  });
});
