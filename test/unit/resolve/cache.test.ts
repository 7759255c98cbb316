import assert from 'node:assert/strict';
import type { AddressRecord } from '../../../src/shared/index.js';
import { HiperError } from '../../../src/shared/index.js';
import { ResolveCache, resolve, type LowerLookup, type LowerLookupRequest } from '../../../src/resolve/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fakeTable } from '../../helpers/fake-table.js';

/** A lower resolver that counts its queries and answers from a script; `hold` keeps answers back until released. */
class FakeLower {
  calls: LowerLookupRequest[] = [];
  answer: (req: LowerLookupRequest) => AddressRecord[] | Error = () => [{ address: '198.51.100.7', family: 4, ttl: 30, source: 'dns' }];
  private held: Array<() => void> = [];
  hold = false;
  readonly lookup: LowerLookup = (req) => {
    this.calls.push(req);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        const a = this.answer(req);
        if (a instanceof Error) reject(a);
        else resolve(a);
      };
      if (this.hold) this.held.push(settle);
      else settle();
    });
  };
  release(): void {
    for (const s of this.held.splice(0)) s();
  }
}

describe('resolve: cache', function () {
  let clock: FakeClock;
  let cache: ResolveCache;
  let lower: FakeLower;
  const opts = (extra: Record<string, unknown> = {}) => ({ cache, lookup: lower.lookup, clock, table: fakeTable(), ...extra });

  beforeEach(() => {
    clock = new FakeClock();
    cache = new ResolveCache({ clock });
    lower = new FakeLower();
  });

  it('a second lookup is answered from the cache, with source "cache" and the TTL left', async () => {
    const first = await resolve('www.hiper.test', opts());
    assert.deepEqual(first, [{ address: '198.51.100.7', family: 4, ttl: 30, source: 'dns' }]);
    clock.advance(10_400);
    assert.deepEqual(await resolve('WWW.hiper.test', opts()), [{ address: '198.51.100.7', family: 4, ttl: 19, source: 'cache' }]);
    assert.equal(lower.calls.length, 1);
  });

  it('an answer expires with its TTL', async () => {
    await resolve('www.hiper.test', opts());
    clock.advance(29_999);
    assert.equal((await resolve('www.hiper.test', opts()))[0]!.source, 'cache');
    clock.advance(1);
    assert.equal((await resolve('www.hiper.test', opts()))[0]!.source, 'dns');
    assert.equal(lower.calls.length, 2);
  });

  it('the TTL is capped (default 60 s, like curl\'s DNS cache timeout)', async () => {
    lower.answer = () => [{ address: '198.51.100.7', family: 4, ttl: 86_400, source: 'dns' }];
    await resolve('long.hiper.test', opts());
    clock.advance(59_999);
    assert.equal((await resolve('long.hiper.test', opts()))[0]!.source, 'cache');
    clock.advance(1);
    assert.equal((await resolve('long.hiper.test', opts()))[0]!.source, 'dns');
  });

  it('the cap is configurable, and 0 keeps nothing', async () => {
    cache = new ResolveCache({ clock, maxTtlMs: 5_000 });
    await resolve('a.hiper.test', opts());
    clock.advance(5_000);
    assert.equal((await resolve('a.hiper.test', opts()))[0]!.source, 'dns');
    cache = new ResolveCache({ clock, maxTtlMs: 0 });
    await resolve('a.hiper.test', opts());
    await resolve('a.hiper.test', opts());
    assert.equal(lower.calls.length, 4);
  });

  it('answers without a TTL (the system resolver) are kept for the cap', async () => {
    lower.answer = () => [{ address: '198.51.100.7', family: 4, source: 'system' }];
    await resolve('sys.hiper.test', opts());
    clock.advance(59_000);
    assert.deepEqual(await resolve('sys.hiper.test', opts()), [{ address: '198.51.100.7', family: 4, source: 'cache' }]);
  });

  it('the smallest TTL of the answer decides; TTL 0 is not cached', async () => {
    lower.answer = () => [{ address: '198.51.100.7', family: 4, ttl: 300, source: 'dns' }, { address: '2001:db8::7', family: 6, ttl: 2, source: 'dns' }];
    await resolve('mixed.hiper.test', opts());
    clock.advance(2_000);
    await resolve('mixed.hiper.test', opts());
    assert.equal(lower.calls.length, 2);
    lower.answer = () => [{ address: '198.51.100.7', family: 4, ttl: 0, source: 'dns' }];
    await resolve('zero.hiper.test', opts());
    await resolve('zero.hiper.test', opts());
    assert.equal(lower.calls.length, 4);
  });

  it('"no such name" is cached briefly (negative caching), then asked again', async () => {
    lower.answer = (r) => new HiperError('ERR_DNS_NOT_FOUND', `${r.name} does not exist (NXDOMAIN)`, { input: r.name });
    await assert.rejects(resolve('nx.hiper.test', opts()), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND' && !(e as HiperError).details.cached);
    clock.advance(4_999);
    await assert.rejects(resolve('nx.hiper.test', opts()), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND' && (e as HiperError).details.cached === true);
    assert.equal(lower.calls.length, 1);
    clock.advance(1);
    await assert.rejects(resolve('nx.hiper.test', opts()), (e: unknown) => (e as HiperError).code === 'ERR_DNS_NOT_FOUND');
    assert.equal(lower.calls.length, 2);
  });

  it('negative caching is configurable; network failures are never cached', async () => {
    cache = new ResolveCache({ clock, negativeTtlMs: 0 });
    lower.answer = () => new HiperError('ERR_DNS_SERVFAIL', 'SERVFAIL');
    await assert.rejects(resolve('sf.hiper.test', opts()));
    await assert.rejects(resolve('sf.hiper.test', opts()));
    assert.equal(lower.calls.length, 2);
    cache = new ResolveCache({ clock });
    lower.answer = () => new HiperError('ERR_DNS_FAILED', 'network down');
    await assert.rejects(resolve('down.hiper.test', opts()));
    await assert.rejects(resolve('down.hiper.test', opts()));
    assert.equal(lower.calls.length, 4);
  });

  it('100 concurrent lookups of one name make one query', async () => {
    lower.hold = true;
    const all = Array.from({ length: 100 }, () => resolve('busy.hiper.test', opts()));
    await new Promise((r) => setImmediate(r));
    assert.equal(lower.calls.length, 1);
    assert.equal(cache.inFlight, 1);
    lower.release();
    const results = await Promise.all(all);
    assert.equal(lower.calls.length, 1);
    assert.equal(cache.queries, 1);
    for (const r of results) assert.deepEqual(r.map((x) => x.address), ['198.51.100.7']);
    assert.equal(cache.inFlight, 0);
  });

  it('a shared failure reaches every waiter', async () => {
    lower.hold = true;
    lower.answer = () => new HiperError('ERR_DNS_SERVFAIL', 'SERVFAIL');
    const all = Array.from({ length: 10 }, () => resolve('fail.hiper.test', opts()).then(() => 'ok', (e: HiperError) => e.code));
    await new Promise((r) => setImmediate(r));
    lower.release();
    assert.deepEqual(new Set(await Promise.all(all)), new Set(['ERR_DNS_SERVFAIL']));
    assert.equal(lower.calls.length, 1);
  });

  it('the key holds the family and the resolver identity', async () => {
    await resolve('k.hiper.test', opts());
    await resolve('k.hiper.test', opts({ family: 4 }));
    const other = new FakeLower();
    await resolve('k.hiper.test', opts({ lookup: other.lookup }));
    assert.equal(lower.calls.length, 2);
    assert.equal(other.calls.length, 1);
    assert.deepEqual(lower.calls.map((c) => c.family), ['any', 4]);
  });

  it('cache: false asks every time', async () => {
    await resolve('n.hiper.test', opts({ cache: false }));
    await resolve('n.hiper.test', opts({ cache: false }));
    assert.equal(lower.calls.length, 2);
  });

  it('a waiter times out on the injected clock; the last to leave stops the query', async () => {
    lower.hold = true;
    const signals: AbortSignal[] = [];
    const inner = lower.lookup;
    const p = resolve('slow.hiper.test', opts({ timeout: 1_000, lookup: (req: LowerLookupRequest) => { signals.push(req.signal); return inner(req); } }));
    await new Promise((r) => setImmediate(r));
    clock.advance(999);
    assert.equal(signals[0]!.aborted, false);
    clock.advance(1);
    await assert.rejects(p, (e: unknown) => (e as HiperError).code === 'ERR_TIMEOUT' && /slow\.hiper\.test.*1000 ms/.test((e as HiperError).message));
    assert.equal(signals[0]!.aborted, true);
    assert.equal(cache.inFlight, 0, 'an abandoned query is not joined again');
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('an aborted caller leaves; the others still get the answer', async () => {
    lower.hold = true;
    const ac = new AbortController();
    const a = resolve('shared.hiper.test', opts({ signal: ac.signal }));
    const b = resolve('shared.hiper.test', opts());
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await assert.rejects(a, (e: unknown) => (e as HiperError).code === 'ERR_ABORTED');
    lower.release();
    assert.equal((await b)[0]!.address, '198.51.100.7');
    assert.equal(lower.calls.length, 1);
    assert.equal(lower.calls[0]!.signal.aborted, false);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    cache = new ResolveCache({ clock, maxEntries: 2 });
    for (const n of ['a', 'b', 'c']) await resolve(`${n}.hiper.test`, opts());
    assert.equal(cache.size, 2);
    await resolve('a.hiper.test', opts());
    assert.equal(lower.calls.length, 4);
  });

  it('answers are ordered (RFC 6724 with the table\'s sources) and interleaved (RFC 8305)', async () => {
    lower.answer = () => ['198.51.100.7', '198.51.100.8', '2001:db8::7', '2001:db8::8', 'fd00::1'].map((address): AddressRecord => ({ address, family: address.includes(':') ? 6 : 4, ttl: 60, source: 'dns' }));
    const fresh = await resolve('dual.hiper.test', opts());
    assert.deepEqual(fresh.map((r) => r.address), ['2001:db8::7', '198.51.100.7', '2001:db8::8', '198.51.100.8', 'fd00::1']);
    const cached = await resolve('dual.hiper.test', opts({ firstFamilyCount: 2 }));
    assert.deepEqual(cached.map((r) => r.address), ['2001:db8::7', '2001:db8::8', '198.51.100.7', 'fd00::1', '198.51.100.8']);
  });

  it('bad cache options are refused', () => {
    for (const o of [{ maxTtlMs: -1 }, { negativeTtlMs: Number.NaN }, { maxEntries: 0 }]) {
      assert.throws(() => new ResolveCache(o), (e: unknown) => (e as HiperError).code === 'ERR_INVALID_ARGUMENT');
    }
  });
});
