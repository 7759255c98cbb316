/**
 * resolve's hot paths: a cache hit and an address literal (both on the connect path), in ns per call,
 * beside dns.lookup('localhost') for scale; and in-flight sharing: queries made for N concurrent
 * lookups of one name, with and without the cache.
 */
import { promises as dnsPromises } from 'node:dns';
import { ResolveCache, resolve, type LowerLookup } from '../src/resolve/index.js';
import { figure, fmt, isMain, timedCalls, type Figure } from './stats.js';

export interface ResolveBench {
  nsPerCall: Array<{ name: string; ns: Figure; calls: number }>;
  dedup: Array<{ concurrent: number; queriesWithCache: number; queriesWithoutCache: number }>;
}

/** ns per call of `count` sequential awaited calls, stopping early at `maxMs`. */
const nsPerCall = (fn: () => Promise<unknown>, count: number, maxMs: number): Promise<{ ns: number; calls: number }> => timedCalls(fn, count, maxMs, 1024);

function countingLookup(): { lookup: LowerLookup; count: () => number } {
  let n = 0;
  const lookup: LowerLookup = () => {
    n++;
    return new Promise((r) => setImmediate(() => r([
      { address: '2001:db8::10', family: 6, ttl: 300, source: 'dns' },
      { address: '198.51.100.10', family: 4, ttl: 300, source: 'dns' },
    ])));
  };
  return { lookup, count: () => n };
}

export async function benchResolve(opts: { quick: boolean }): Promise<ResolveBench> {
  const rounds = opts.quick ? 3 : 7;
  const count = opts.quick ? 20_000 : 200_000;
  const cache = new ResolveCache();
  const { lookup } = countingLookup();
  await resolve('www.hiper.test', { cache, lookup });

  const variants: Array<[string, () => Promise<unknown>, number]> = [
    ['resolve, cache hit (2 addresses)', () => resolve('www.hiper.test', { cache, lookup }), count],
    ['resolve, IPv4 literal', () => resolve('198.51.100.10'), count],
    ['resolve, IPv6 literal', () => resolve('2001:db8::10'), count],
    ['dns.lookup("localhost") (getaddrinfo, for scale)', () => dnsPromises.lookup('localhost', { all: true }), Math.ceil(count / 50)],
  ];
  const samples = variants.map(() => [] as number[]);
  const calls = variants.map(() => 0);
  for (const [, fn, n] of variants) await nsPerCall(fn, Math.ceil(n / 10), 1_000); // warm-up, not counted
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < variants.length; v++) {
      const [, fn, n] = variants[v]!;
      const m = await nsPerCall(fn, n, 5_000);
      samples[v]!.push(m.ns);
      calls[v] = m.calls;
    }
  }

  const dedup: ResolveBench['dedup'] = [];
  for (const concurrent of opts.quick ? [100, 1_000] : [100, 1_000, 10_000]) {
    const shared = countingLookup();
    const c = new ResolveCache();
    await Promise.all(Array.from({ length: concurrent }, () => resolve('busy.hiper.test', { cache: c, lookup: shared.lookup })));
    const uncached = countingLookup();
    await Promise.all(Array.from({ length: concurrent }, () => resolve('busy.hiper.test', { cache: false, lookup: uncached.lookup })));
    dedup.push({ concurrent, queriesWithCache: shared.count(), queriesWithoutCache: uncached.count() });
  }

  return {
    nsPerCall: variants.map(([name], i) => ({ name, ns: figure(samples[i]!), calls: calls[i]! })),
    dedup,
  };
}

export function printResolve(r: ResolveBench): void {
  console.log('resolve, sequential awaited calls, ns per call: median (min–max) of runs');
  for (const v of r.nsPerCall) console.log(`  ${v.name.padEnd(50)} ${fmt(v.ns, 0).padEnd(22)} (${v.calls} calls per run)`);
  console.log('resolve, N concurrent lookups of one name: queries made');
  for (const d of r.dedup) console.log(`  N=${String(d.concurrent).padEnd(6)} with the cache: ${d.queriesWithCache}   with cache: false: ${d.queriesWithoutCache}`);
}

if (isMain(import.meta.url)) {
  printResolve(await benchResolve({ quick: process.argv.includes('--quick') }));
}
