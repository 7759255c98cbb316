/**
 * Child process of the memory tests (run with --expose-gc), so that what it measures is hiper's own
 * memory and not the test process's. Prints one JSON line.
 *
 *   buffered URL WARMUP_URL   takes a buffered body (after one warm-up transfer of WARMUP_URL) and
 *                             reports memoryUsage() before it, right after it (body held) and after a
 *                             gc, the peak RSS sampled meanwhile, the body's length and SHA-256
 *   upload URL FILE           sends FILE with a file stream (after a small warm-up upload) and reports
 *                             the RSS before it and the RSS sampled every few ms while it went
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Multi } from '../../src/multi/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function settle(): void {
  gc!();
  gc!();
}

function usage(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Samples RSS every `ms` until stopped; returns the peak. */
function sampler(ms: number): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, ms);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

const [mode, url, arg] = process.argv.slice(2);
const multi = new Multi();

if (mode === 'buffered') {
  await multi.add({ url: arg! }).done;
  settle();
  const before = usage();
  const s = sampler(2);
  const started = Date.now();
  const r = await multi.add({ url: url! }).done;
  const ms = Date.now() - started;
  const peakRss = s.stop();
  const after = usage();
  settle();
  const afterGc = usage();
  const sha256 = createHash('sha256').update(r.body).digest('hex');
  process.stdout.write(`${JSON.stringify({ bytes: r.body.length, sha256, ms, before, after, afterGc, peakRss })}\n`);
} else if (mode === 'upload') {
  await multi.add({ url: url!, method: 'PUT', body: 'warm-up' }).done;
  settle();
  const before = usage();
  const s = sampler(5);
  const started = Date.now();
  const r = await multi.add({ url: url!, method: 'PUT', body: createReadStream(arg!) }).done;
  const ms = Date.now() - started;
  const peakRss = s.stop();
  process.stdout.write(`${JSON.stringify({ status: r.status, answer: String(r.body), sizeUpload: r.info.sizeUpload, ms, before, peakRss })}\n`);
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
await multi.close();
