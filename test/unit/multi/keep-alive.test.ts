/**
 * The server's Keep-Alive hint: a connection is not used past the idle timeout the server announced
 * (`Keep-Alive: timeout=N`, less a second's margin), nor after `Connection: close`; without a hint,
 * the Multi's maxIdleTime rules. Driven by an injected clock.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { Multi } from '../../../src/multi/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** Answers every request with `extra` header lines; counts connections. */
async function server(extra: string): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const s = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (d) => {
      buffered += String(d);
      let end;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        buffered = buffered.slice(end + 4);
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${extra}\r\nok`);
      }
    });
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    port: (s.address() as net.AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      s.close();
    },
  };
}

const CASES: Array<{ why: string; header: string; idleMs: number; reused: boolean }> = [
  { why: 'timeout=5: reused after 3.9 s idle', header: 'Keep-Alive: timeout=5\r\n', idleMs: 3900, reused: true },
  { why: 'timeout=5: not reused after 4 s idle (a second before the server closes)', header: 'Keep-Alive: timeout=5\r\n', idleMs: 4000, reused: false },
  { why: 'timeout=5, max=100 in any case: the timeout is read', header: 'keep-alive: Max=100, TIMEOUT=5\r\n', idleMs: 4000, reused: false },
  { why: 'timeout=1: not reused once idle at all', header: 'Keep-Alive: timeout=1\r\n', idleMs: 1, reused: false },
  { why: 'no hint: the Multi\'s maxIdleTime (10 s here) rules', header: '', idleMs: 9000, reused: true },
  { why: 'no hint: past maxIdleTime, closed', header: '', idleMs: 10_000, reused: false },
  { why: 'a hint longer than maxIdleTime: maxIdleTime rules', header: 'Keep-Alive: timeout=60\r\n', idleMs: 10_000, reused: false },
  { why: 'Connection: close: never reused', header: 'Connection: close\r\n', idleMs: 0, reused: false },
];

describe('the server\'s Keep-Alive hint bounds reuse of an idle connection', () => {
  for (const c of CASES) {
    it(c.why, async () => {
      const s = await server(c.header);
      const clock = new FakeClock();
      const multi = new Multi({ clock, maxIdleTime: 10_000 });
      try {
        const first = await multi.add({ url: `http://127.0.0.1:${s.port}/1` }).done;
        clock.advance(c.idleMs);
        const second = await multi.add({ url: `http://127.0.0.1:${s.port}/2` }).done;
        assert.equal(second.info.reused, c.reused);
        assert.equal(second.info.connectionId === first.info.connectionId, c.reused);
        assert.equal(s.connections(), c.reused ? 1 : 2);
      } finally {
        await multi.close();
        await s.close();
      }
    });
  }
});
