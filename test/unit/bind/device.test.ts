import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { connectBoundSocket, deviceBinding, openBoundSocket } from '../../../src/bind/index.js';
import { openFds, fdsSettle } from '../../helpers/fds.js';
import { HiperError } from '../../../src/shared/index.js';
import { needs } from '../../helpers/needs.js';

describe('device binding on loopback', function () {
  let server: net.Server;
  let port: number;
  before(async () => {
    server = net.createServer((s) => s.on('error', () => {}).end(`${s.remoteAddress}:${s.remotePort}`));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());
  beforeEach(function () {
    needs(this, deviceBinding().available, `device binding addon unavailable: ${deviceBinding().reason}`);
  });

  async function talk(socket: net.Socket): Promise<string> {
    socket.connect(port, '127.0.0.1');
    let text = '';
    for await (const chunk of socket) text += String(chunk);
    return text;
  }

  it('connects a socket bound to lo', async () => {
    assert.match(await talk(openBoundSocket({ family: 4, device: 'lo' })), /^127\.0\.0\.1:\d+$/);
  });

  it('binds a local address and port', async () => {
    const probe = net.createServer().listen(0, '127.0.0.2');
    await once(probe, 'listening');
    const free = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    assert.equal(await talk(openBoundSocket({ family: 4, localAddress: '127.0.0.2', localPort: free })), `127.0.0.2:${free}`);
  });

  const refusals: Array<[string, Parameters<typeof openBoundSocket>[0], string]> = [
    ['a device that does not exist', { family: 4, device: 'nosuch0' }, 'ENODEV'],
    ['an address this host does not have', { family: 4, localAddress: '198.51.100.77' }, 'EADDRNOTAVAIL'],
    ['a port that is taken', { family: 4, localAddress: '127.0.0.1', localPort: -1 }, 'EADDRINUSE'],
    ['an address of the other family', { family: 6, localAddress: '127.0.0.1' }, 'EINVAL'],
  ];
  for (const [what, options, errno] of refusals) {
    it(`refuses ${what} with ERR_DEVICE_BIND_FAILED (${errno})`, () => {
      const opts = { ...options, ...(options.localPort === -1 ? { localPort: port } : {}) };
      assert.throws(() => openBoundSocket(opts), (err: unknown) => {
        assert.ok(err instanceof HiperError);
        assert.equal(err.code, 'ERR_DEVICE_BIND_FAILED');
        assert.equal(err.details.errno, errno);
        assert.equal(err.input, opts.device ?? opts.localAddress);
        return true;
      });
    });
  }

  async function readAll(socket: net.Socket): Promise<string> {
    let text = '';
    for await (const chunk of socket) text += String(chunk);
    return text;
  }

  it('connectBoundSocket: connects bound to lo and a local address, as the peer sees it', async () => {
    assert.match(await readAll(connectBoundSocket({ family: 4, device: 'lo', localAddress: '127.0.0.3' }, port, '127.0.0.1')), /^127\.0\.0\.3:\d+$/);
    assert.match(await readAll(connectBoundSocket({ family: 4, device: 'lo' }, port, '127.0.0.1')), /^127\.0\.0\.1:\d+$/);
  });

  it('connectBoundSocket: a connection refused is an error event, and the fd is released', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const dead = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const before = openFds();
    const socket = connectBoundSocket({ family: 4, device: 'lo', localAddress: '127.0.0.1' }, dead, '127.0.0.1');
    const [err] = await once(socket, 'error') as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(await fdsSettle(before), before);
  });

  it('connectBoundSocket takes only an address literal of the socket\'s family', () => {
    const before = openFds();
    for (const host of ['localhost', '::1']) {
      assert.throws(() => connectBoundSocket({ family: 4, device: 'lo' }, port, host), (err: unknown) => err instanceof HiperError && err.code === 'ERR_INVALID_ARGUMENT');
    }
    assert.equal(openFds(), before);
  });

  const connectRefusals: Array<[string, Parameters<typeof connectBoundSocket>[0], string]> = [
    ['a device that does not exist', { family: 4, device: 'nosuch0' }, 'ENODEV'],
    ['an address this host does not have', { family: 4, device: 'lo', localAddress: '198.51.100.77' }, 'EADDRNOTAVAIL'],
    ['a port that is taken', { family: 4, device: 'lo', localAddress: '127.0.0.1', localPort: -1 }, 'EADDRINUSE'],
  ];
  for (const [what, options, errno] of connectRefusals) {
    it(`connectBoundSocket refuses ${what} at once (${errno}), leaving no fd and sending nothing`, () => {
      const opts = { ...options, ...(options.localPort === -1 ? { localPort: port } : {}) };
      const before = openFds();
      assert.throws(() => connectBoundSocket(opts, port, '127.0.0.1'), (err: unknown) => {
        assert.ok(err instanceof HiperError);
        assert.equal(err.code, 'ERR_DEVICE_BIND_FAILED');
        assert.equal(err.details.errno, errno);
        return true;
      });
      assert.equal(openFds(), before);
    });
  }

  it('reports where the addon came from', () => {
    assert.equal(deviceBinding().available, true);
    const b = deviceBinding();
    assert.ok(b.addon === 'prebuilt' || b.addon === 'built', b.addon);
    assert.match(b.path ?? '', b.addon === 'prebuilt' ? /prebuilds\/linux-[a-z0-9]+\/hiper\.glibc\.node$/ : /build\/Release\/hiper_bind\.node$/);
  });
});
