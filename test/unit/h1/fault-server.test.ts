import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { ResponseParser, writeRequest } from '../../../src/multi/h1/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { expectedBody, expectedStatus, startFaultServer, type FaultServer } from '../../helpers/fault-server.js';
import { mulberry32 } from '../../helpers/prng.js';
import { Recorder } from './recorder.js';

interface Req {
  method: string;
  path: string;
}

interface Exchange {
  recorder: Recorder;
  error?: HiperError;
  dataEvents: number;
}

/** Sends the requests pipelined on one connection and reads until the connection closes. */
async function exchange(server: FaultServer, requests: Req[]): Promise<Exchange> {
  const socket = net.connect(server.port, server.host);
  await once(socket, 'connect');
  const recorder = new Recorder(requests.map((r) => r.method));
  const parser = new ResponseParser(recorder);
  const result: Exchange = { recorder, dataEvents: 0 };
  const completed = (): number => recorder.responses.filter((r) => r.complete).length;
  for (const r of requests) writeRequest(socket, { method: r.method, path: r.path, host: `${server.host}:${server.port}` });
  socket.on('data', (d: Buffer) => {
    result.dataEvents++;
    try {
      parser.execute(d);
    } catch (err) {
      result.error = err as HiperError;
      socket.destroy();
    }
    if (completed() === requests.length) socket.end();
  });
  socket.on('end', () => {
    try {
      parser.finish();
    } catch (err) {
      result.error ??= err as HiperError;
    }
  });
  socket.on('error', () => {});
  await once(socket, 'close');
  return result;
}

/** Every complete response has the status and body its path asks for. */
function checkBodies(requests: Req[], { recorder }: Exchange): number {
  const done = recorder.responses.filter((r) => r.complete);
  done.forEach((r, i) => {
    const req = requests[i]!;
    assert.equal(r.head.statusCode, expectedStatus(req.path), `status of ${req.method} ${req.path}`);
    const want = req.method === 'HEAD' ? Buffer.alloc(0) : expectedBody(req.path);
    assert.ok(r.body.equals(want), `body of ${req.method} ${req.path}: ${r.body.length} bytes, expected ${want.length}`);
  });
  return done.length;
}

const mixed: Req[] = [
  { method: 'GET', path: '/size/10' },
  { method: 'HEAD', path: '/size/500' },
  { method: 'GET', path: '/body/7/300' },
  { method: 'GET', path: '/status/204' },
  { method: 'GET', path: '/body/8/0' },
  { method: 'GET', path: '/status/500' },
  { method: 'GET', path: '/nowhere' },
  { method: 'GET', path: '/size/2000' },
];

describe('fault server (test helper)', () => {
  let server: FaultServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('expectedBody is deterministic', () => {
    assert.equal(expectedBody('/size/5').toString(), 'abcde');
    assert.equal(expectedBody('/size/40').toString(), 'abcdefghijklmnopqrstuvwxyz0123456789abcd');
    assert.deepEqual(expectedBody('/body/3/64'), expectedBody('/body/3/64'));
    assert.notDeepEqual(expectedBody('/body/3/64'), expectedBody('/body/4/64'));
    assert.deepEqual(expectedBody('/body/3/64'), mulberry32(3).bytes(64));
    assert.equal(expectedStatus('/x'), 404);
    assert.equal(expectedBody('/status/304').length, 0);
  });

  for (const split of ['whole', 'bytes', 'random'] as const) {
    it(`answers pipelined GET/HEAD with correct bodies, Content-Length and chunked mixed (split: ${split})`, async () => {
      const s = (server = await startFaultServer({ seed: 42, split, chunkedRate: 0.5 }));
      const result = await exchange(s, mixed);
      assert.equal(result.error, undefined, result.error?.message);
      assert.equal(checkBodies(mixed, result), mixed.length);
      const framings = new Set(s.stats.log.map((e) => e.framing));
      assert.ok(framings.has('chunked') && framings.has('length'), `framings used: ${[...framings]}`);
      if (split === 'bytes') assert.ok(result.dataEvents > 500, `bytes arrived in ${result.dataEvents} reads`);
      if (split === 'random') assert.ok(result.dataEvents > 30, `bytes arrived in ${result.dataEvents} reads`);
    });
  }

  it('closes after a random number of responses', async () => {
    const s = (server = await startFaultServer({ seed: 7, closeAfter: [1, 4], split: 'random' }));
    for (let i = 0; i < 4; i++) {
      const result = await exchange(s, mixed);
      assert.equal(result.error, undefined);
      const n = checkBodies(mixed, result);
      const log = s.stats.log.filter((e) => e.connection === i);
      assert.equal(n, log.length, 'every response the server sent was read');
      assert.ok(n >= 1 && n <= 4);
      assert.equal(log.at(-1)!.fault, 'close-after');
    }
    assert.equal(s.stats.closes, 4);
  });

  it('sends Connection: close mid-pipeline and closes', async () => {
    const s = (server = await startFaultServer({ seed: 3, connectionCloseRate: 0.4, split: 'random' }));
    let closedEarly = 0;
    for (let i = 0; i < 5; i++) {
      const result = await exchange(s, mixed);
      assert.equal(result.error, undefined);
      const n = checkBodies(mixed, result);
      const last = result.recorder.responses.at(-1)!;
      if (n < mixed.length) {
        closedEarly++;
        assert.equal(last.head.keepAlive, false);
        assert.ok(last.head.headers.some(([k, v]) => k === 'Connection' && v === 'close'));
      }
    }
    assert.ok(closedEarly > 0, 'some connections were closed mid-pipeline');
  });

  it('sends close-delimited bodies, completed by EOF', async () => {
    const s = (server = await startFaultServer({ seed: 5, closeDelimitedRate: 1, split: 'bytes' }));
    const reqs = [{ method: 'GET', path: '/body/1/100' }, { method: 'GET', path: '/size/1' }];
    const result = await exchange(s, reqs);
    assert.equal(result.error, undefined);
    assert.equal(checkBodies(reqs, result), 1);
    assert.equal(result.recorder.responses[0]!.head.keepAlive, false);
    assert.equal(s.stats.log[0]!.framing, 'close');
  });

  it('cuts a response short; the parser reports it incomplete', async () => {
    const s = (server = await startFaultServer({ seed: 9, truncateRate: 1, split: 'random' }));
    const reqs = [{ method: 'GET', path: '/size/1000' }, { method: 'GET', path: '/size/1' }];
    const result = await exchange(s, reqs);
    assert.equal(checkBodies(reqs, result), 0);
    assert.equal(result.error?.code, 'ERR_HTTP_PARSE');
    assert.equal(result.error?.details.reason, 'incomplete');
    assert.equal(s.stats.truncated, 1);
    assert.equal(s.stats.responses, 0);
  });

  it('sends 100 Continue before responses when asked', async () => {
    const s = (server = await startFaultServer({ seed: 11, informationalRate: 1 }));
    const reqs = mixed.slice(0, 3);
    const result = await exchange(s, reqs);
    assert.equal(checkBodies(reqs, result), 3);
    for (const r of result.recorder.responses) assert.deepEqual(r.informational, [100]);
  });

  it('is reproducible: the same seed gives the same faults', async () => {
    const run = async (): Promise<unknown> => {
      const s = await startFaultServer({ seed: 1234, closeAfter: [2, 6], connectionCloseRate: 0.2, chunkedRate: 0.5 });
      try {
        await exchange(s, mixed);
        await exchange(s, mixed);
        return s.stats.log;
      } finally {
        await s.close();
      }
    };
    assert.deepEqual(await run(), await run());
  });
});
