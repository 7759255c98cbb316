/**
 * Many transfers on one thread: a Multi with pipelining, a progress count on stderr while they run (on
 * a terminal), and what each transfer's info tells (its connection, place in the pipeline, reuse,
 * timings). Without a URL it serves itself on loopback.
 *
 *   node dist-test/examples/many-transfers.js [URL] [COUNT] [--interface SPEC]
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Multi } from '../src/multi/index.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { interface: { type: 'string' } } });
const count = Number(positionals[1] ?? 30);

let server: http.Server | undefined;
let url = positionals[0];
if (url === undefined) {
  server = http.createServer((req, res) => res.end(`you asked for ${req.url}\n`)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const multi = new Multi({ pipelining: true, maxPipelineLength: 10, maxConnectionsPerHost: 4 });
const transfers = Array.from({ length: count }, (_, i) => multi.add({ url: new URL(`?n=${i}`, url).href, ...(values.interface ? { interface: values.interface } : {}) }));
let done = 0;
let bytes = 0;
for (const t of transfers) {
  void t.done.then((r) => {
    done++;
    bytes += r.body.length;
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${count} done, ${bytes} bytes${done === count ? '\n' : ''}`);
  }, () => void done++);
}
for (const t of transfers) {
  try {
    const { status, info } = await t.done;
    console.log(`#${info.id} ${status} conn ${info.connectionId} pos ${info.pipelinePosition} ${info.reused ? 'reused' : 'new   '} from ${info.local?.address}:${info.local?.port} (${info.bindMethod}) in ${info.timings.total.toFixed(1)} ms`);
  } catch (err) {
    console.log(`#${t.id} failed: ${(err as Error).message}`);
  }
}
console.log(multi.stats());
await multi.close();
server?.close();
