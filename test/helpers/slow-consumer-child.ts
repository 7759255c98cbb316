/**
 * Child process of the memory tests: takes one response body with `stream: true` and reads it slowly
 * (a pause of `pauseMs` every `every` slices), hashing it, and samples its own RSS as it goes. Prints
 * one JSON line: { bytes, sha256, status, ms, samples: [[bytesRead, rss], ...] } (a sample at least
 * every MiB read).
 *
 * Usage: node slow-consumer-child.js URL [every=16] [pauseMs=1] [caPath]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Multi } from '../../src/multi/index.js';

const [url, everyArg, pauseArg, caPath] = process.argv.slice(2);
if (!url) throw new Error('usage: slow-consumer-child.js URL [every] [pauseMs] [caPath]');
const every = Number(everyArg ?? 16);
const pauseMs = Number(pauseArg ?? 1);

const multi = new Multi(caPath ? { tls: { ca: readFileSync(caPath, 'utf8') } } : {});
/**
 * What is reachable (heap and off-heap), after full collections when --expose-gc is given; V8 frees the
 * memory of dead ArrayBuffers on a background thread, so it is collected twice with a pause between.
 */
const reachable = async (): Promise<number> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const reachableBefore = await reachable();
const started = Date.now();
const samples: Array<[number, number]> = [];
const h = createHash('sha256');
let bytes = 0;
let slices = 0;
let nextSample = 0;
const t = multi.add({ url, stream: true });
const r = await t.response;
for await (const chunk of r.body) {
  h.update(chunk);
  bytes += chunk.length;
  if (bytes >= nextSample) {
    samples.push([bytes, process.memoryUsage.rss()]);
    nextSample = bytes + 1024 * 1024;
  }
  if (++slices % every === 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
}
await t.done;
samples.push([bytes, process.memoryUsage.rss()]);
const reachableAfter = await reachable();
await multi.close();
process.stdout.write(`${JSON.stringify({ bytes, sha256: h.digest('hex'), status: r.status, ms: Date.now() - started, slices, samples, reachableBefore, reachableAfter })}\n`);
