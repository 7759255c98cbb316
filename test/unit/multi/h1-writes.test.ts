/**
 * How HTTP/1.1 requests reach the socket: the requests sent on one connection within a tick leave in
 * one write (joined, or one writev), and a body given whole leaves with its head. Writes are counted
 * where a net.Socket hands its data to the kernel (_write for one chunk, _writev for a corked batch), on
 * real sockets against a real server.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { Multi } from '../../../src/multi/index.js';
import { connect } from '../../../src/connect/index.js';

/** A server answering every request (head, and the body its Content-Length announces) with "ok", recording what it read. */
async function echoServer(): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    let buffered = '';
    s.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        requests.push(buffered.slice(0, end + 4 + length));
        buffered = buffered.slice(end + 4 + length);
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A Multi whose sockets count their writes to the kernel. */
function countingMulti(options: { pipelining: boolean; maxPipelineLength?: number }): { multi: Multi; writes: () => number } {
  let writes = 0;
  const multi = new Multi({
    ...options,
    connector: async (o) => {
      const c = await connect(o);
      const s = c.socket as net.Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
      const write = s._write.bind(s);
      const writev = s._writev.bind(s);
      s._write = (...a) => { writes++; write(...a); };
      s._writev = (...a) => { writes++; writev(...a); };
      return c;
    },
  });
  return { multi, writes: () => writes };
}

describe('HTTP/1.1 writes', function () {
  this.timeout(10_000);
  let server: Awaited<ReturnType<typeof echoServer>>;
  let base: string;
  before(async () => {
    server = await echoServer();
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  const cases: Array<{ name: string; requests: number; writes: number }> = [
    { name: '1 GET: one write', requests: 1, writes: 1 },
    { name: '10 GETs in one tick on an idle connection: one write', requests: 10, writes: 1 },
    { name: '50 GETs in one tick on an idle connection: one write', requests: 50, writes: 1 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { multi, writes } = countingMulti({ pipelining: true, maxPipelineLength: 100 });
      // A connection that has answered once (pipelinable), idle.
      await multi.add({ url: `${base}/warm` }).done;
      const before = writes();
      const results = await Promise.all(Array.from({ length: c.requests }, (_, i) => multi.add({ url: `${base}/r${i}` }).done));
      assert.deepEqual(results.map((r) => [r.status, r.body.toString()]), results.map(() => [200, 'ok']));
      assert.equal(multi.stats().connectionsOpened, 1);
      assert.equal(writes() - before, c.writes);
      await multi.close();
    });
  }

  it('GETs added in separate ticks go out as they come (nothing waits for later requests)', async () => {
    const { multi, writes } = countingMulti({ pipelining: true, maxPipelineLength: 10 });
    await multi.add({ url: `${base}/warm` }).done;
    const before = writes();
    const first = multi.add({ url: `${base}/a` });
    await new Promise<void>((resolve) => setImmediate(resolve));
    const second = multi.add({ url: `${base}/b` });
    await Promise.all([first.done, second.done]);
    assert.equal(writes() - before, 2);
    await multi.close();
  });

  const bodies: Array<{ name: string; body: Buffer | string }> = [
    { name: 'a small Buffer body', body: Buffer.from('hello') },
    { name: 'a string body', body: 'x'.repeat(1000) },
    { name: 'a 100 KiB Buffer body (a writev, not a copy)', body: Buffer.alloc(100 * 1024, 7) },
  ];
  for (const b of bodies) {
    it(`a POST with ${b.name} leaves with its head in one write`, async () => {
      const { multi, writes } = countingMulti({ pipelining: false });
      const at = server.requests.length;
      const r = await multi.add({ url: `${base}/post`, method: 'POST', body: b.body }).done;
      assert.equal(r.status, 200);
      assert.equal(writes(), 1);
      const seen = server.requests[at]!;
      assert.ok(seen.startsWith('POST /post HTTP/1.1\r\n'));
      assert.equal(seen.slice(seen.indexOf('\r\n\r\n') + 4), Buffer.from(b.body).toString('latin1'));
      await multi.close();
    });
  }
});
