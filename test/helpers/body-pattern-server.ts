/**
 * A server in a child process for bodies too large to write and check on the test's own thread: GET
 * /pattern/N answers N bytes of the test pattern with Content-Length, written with backpressure, while
 * a worker thread hashes the same bytes (so the writes never wait for the hash). Prints { port } once
 * listening, then { path, bytes, sha256 } per response finished. Exits when its stdin closes.
 */
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { patternSlices } from './pattern.js';

/** patternSha256(n), computed on a worker thread. */
function sha256Elsewhere(n: number): Promise<string> {
  const pattern = new URL('./pattern.js', import.meta.url).href;
  const code = `import { workerData, parentPort } from 'node:worker_threads';
    const { patternSha256 } = await import(${JSON.stringify(pattern)});
    parentPort.postMessage(patternSha256(workerData));`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: n });
  return once(worker, 'message').then(([sha]) => sha as string);
}

/** true on 'drain', false on 'close', leaving no listener behind. */
function drainOrClose(res: http.ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (drained: boolean): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(drained);
    };
    const onDrain = (): void => settle(true);
    const onClose = (): void => settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

const server = http.createServer(async (req, res) => {
  const m = /^\/pattern\/(\d+)$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404);
    res.end();
    return;
  }
  const n = Number(m[1]);
  const hashed = sha256Elsewhere(n);
  let bytes = 0;
  res.writeHead(200, { 'content-length': n });
  for (const slice of patternSlices(n)) {
    bytes += slice.length;
    if (!res.write(slice) && !(await drainOrClose(res))) return;
  }
  res.end();
  process.stdout.write(`${JSON.stringify({ path: req.url, bytes, sha256: await hashed })}\n`);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  server.closeAllConnections();
  server.close();
});
