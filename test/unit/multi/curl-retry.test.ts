import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import http2 from 'node:http2';
import { makeCert } from '../../helpers/cert.js';
import { Multi } from '../../../src/multi/index.js';
import { backoff, retryAfterMs, retryPlan, type RetryClock, type RetryEvent, type RetryOptions, type RetryPlan, type RunEnd } from '../../../src/multi/curl-retry.js';
import { HiperError } from '../../../src/shared/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const refused = { code: 'ERR_CONNECT_ALL_FAILED', details: { attempts: [{ outcome: 'failed', error: 'ECONNREFUSED' }, { outcome: 'failed', error: 'ECONNREFUSED' }] } };
const unreachable = { code: 'ERR_CONNECT_ALL_FAILED', details: { attempts: [{ outcome: 'failed', error: 'ECONNREFUSED' }, { outcome: 'failed', error: 'EHOSTUNREACH' }] } };

interface Row {
  why: string;
  o?: Partial<RetryOptions>;
  end: RunEnd;
  at?: Partial<RetryClock>;
  plan: RetryPlan | undefined;
}

const http503 = (headers: Array<[string, string]> = []): RunEnd => ({ status: 503, headers });

const ROWS: Row[] = [
  { why: '503, first retry: 1 s', end: http503(), plan: { reason: 'http', delay: 1000, left: 3 } },
  { why: '503, second retry: 2 s (doubled)', end: http503(), at: { retries: 1 }, plan: { reason: 'http', delay: 2000, left: 2 } },
  { why: '503, third retry: 4 s', end: http503(), at: { retries: 2 }, plan: { reason: 'http', delay: 4000, left: 1 } },
  { why: '503, count used up: the response stands', end: http503(), at: { retries: 3 }, plan: undefined },
  { why: 'count 0: nothing is retried', o: { count: 0 }, end: http503(), plan: undefined },
  { why: 'backoff stops at 10 minutes', o: { count: 50 }, end: http503(), at: { retries: 20 }, plan: { reason: 'http', delay: 600_000, left: 30 } },
  { why: 'delay given: the same each time', o: { delay: 250 }, end: http503(), at: { retries: 2 }, plan: { reason: 'http', delay: 250, left: 1 } },
  { why: 'delay 0: at once', o: { delay: 0 }, end: http503(), plan: { reason: 'http', delay: 0, left: 3 } },
  ...[408, 429, 500, 502, 504].map((status): Row => ({ why: `${status}: retried`, end: { status }, plan: { reason: 'http', delay: 1000, left: 3 } })),
  ...[200, 204, 301, 400, 404, 501, 505].map((status): Row => ({ why: `${status}: not retried`, end: { status }, plan: undefined })),
  { why: 'Retry-After: 3 replaces the backoff', end: http503([['Retry-After', '3']]), plan: { reason: 'http', delay: 3000, left: 3 } },
  { why: 'Retry-After shorter than the backoff replaces it too (curl 7.88)', end: http503([['retry-after', '1']]), at: { retries: 2 }, plan: { reason: 'http', delay: 1000, left: 1 } },
  { why: 'Retry-After on a 429', end: { status: 429, headers: [['Retry-After', '7']] }, plan: { reason: 'http', delay: 7000, left: 3 } },
  { why: 'Retry-After as an HTTP-date 90 s ahead', end: http503([['Retry-After', new Date(NOW + 90_000).toUTCString()]]), plan: { reason: 'http', delay: 90_000, left: 3 } },
  { why: 'Retry-After as a date in the past: the backoff', end: http503([['Retry-After', new Date(NOW - 5000).toUTCString()]]), plan: { reason: 'http', delay: 1000, left: 3 } },
  { why: 'Retry-After: 0: the backoff', end: http503([['Retry-After', '0']]), plan: { reason: 'http', delay: 1000, left: 3 } },
  { why: 'Retry-After unreadable: the backoff', end: http503([['Retry-After', 'soon']]), plan: { reason: 'http', delay: 1000, left: 3 } },
  { why: 'Retry-After past maxTime: no retry (curl gives up)', o: { maxTime: 10_000 }, end: http503([['Retry-After', '30']]), at: { elapsed: 1000 }, plan: undefined },
  { why: 'Retry-After within maxTime: retried', o: { maxTime: 10_000 }, end: http503([['Retry-After', '5']]), at: { elapsed: 1000 }, plan: { reason: 'http', delay: 5000, left: 3 } },
  { why: 'maxTime reached: no retry', o: { maxTime: 3000 }, end: http503(), at: { elapsed: 3000, retries: 1 }, plan: undefined },
  { why: 'maxTime not reached: retried, even if the delay ends past it (curl)', o: { maxTime: 3000 }, end: http503(), at: { elapsed: 2999, retries: 1 }, plan: { reason: 'http', delay: 2000, left: 2 } },
  { why: 'ERR_TIMEOUT: retried', end: { error: { code: 'ERR_TIMEOUT' } }, plan: { reason: 'timeout', delay: 1000, left: 3 } },
  { why: 'ERR_DNS_SERVFAIL: retried', end: { error: { code: 'ERR_DNS_SERVFAIL' } }, plan: { reason: 'timeout', delay: 1000, left: 3 } },
  { why: 'ERR_DNS_FAILED: retried', end: { error: { code: 'ERR_DNS_FAILED' } }, plan: { reason: 'timeout', delay: 1000, left: 3 } },
  { why: 'ERR_DNS_NOT_FOUND: not retried', end: { error: { code: 'ERR_DNS_NOT_FOUND' } }, plan: undefined },
  { why: 'ERR_CONNECTION_CLOSED: retried', end: { error: { code: 'ERR_CONNECTION_CLOSED' } }, plan: { reason: 'transient', delay: 1000, left: 3 } },
  { why: 'ERR_PIPELINE_ABORTED: retried', end: { error: { code: 'ERR_PIPELINE_ABORTED' } }, plan: { reason: 'transient', delay: 1000, left: 3 } },
  { why: 'ERR_HTTP2: retried', end: { error: { code: 'ERR_HTTP2' } }, plan: { reason: 'transient', delay: 1000, left: 3 } },
  { why: 'refused, without connRefused: not retried', end: { error: refused }, plan: undefined },
  { why: 'refused, with connRefused: retried', o: { connRefused: true }, end: { error: refused }, plan: { reason: 'connrefused', delay: 1000, left: 3 } },
  { why: 'one attempt refused, one unreachable, with connRefused: not retried', o: { connRefused: true }, end: { error: unreachable }, plan: undefined },
  { why: 'unreachable with allErrors: retried as any error', o: { allErrors: true, connRefused: true }, end: { error: unreachable }, plan: { reason: 'all', delay: 1000, left: 3 } },
  { why: 'ERR_TLS: not retried', end: { error: { code: 'ERR_TLS' } }, plan: undefined },
  { why: 'ERR_TLS with allErrors: retried', o: { allErrors: true }, end: { error: { code: 'ERR_TLS' } }, plan: { reason: 'all', delay: 1000, left: 3 } },
  { why: 'ERR_HTTP_PARSE with allErrors: retried', o: { allErrors: true }, end: { error: { code: 'ERR_HTTP_PARSE' } }, plan: { reason: 'all', delay: 1000, left: 3 } },
  { why: 'ERR_TIMEOUT with allErrors: still named a timeout', o: { allErrors: true }, end: { error: { code: 'ERR_TIMEOUT' } }, plan: { reason: 'timeout', delay: 1000, left: 3 } },
  ...['ERR_ABORTED', 'ERR_INVALID_ARGUMENT', 'ERR_INVALID_URL', 'ERR_INVALID_HEADER', 'ERR_BODY_TOO_LARGE', 'ERR_WRITE_OUTPUT'].map((code): Row => ({
    why: `${code} with allErrors: never retried`, o: { allErrors: true }, end: { error: { code } }, plan: undefined,
  })),
  { why: 'an error past its count: not retried', end: { error: { code: 'ERR_TIMEOUT' } }, at: { retries: 3 }, plan: undefined },
];

describe('curl --retry decision (curl-retry.ts)', () => {
  for (const row of ROWS) {
    it(row.why, () => {
      const o: RetryOptions = { count: 3, ...row.o };
      assert.deepEqual(retryPlan(o, row.end, { retries: 0, elapsed: 0, now: NOW, ...row.at }), row.plan);
    });
  }

  it('backoff: 1, 2, 4 ... s, then 10 minutes for good', () => {
    assert.deepEqual([0, 1, 2, 3, 9, 10, 100].map((n) => backoff({ count: 1 }, n)), [1000, 2000, 4000, 8000, 512_000, 600_000, 600_000]);
  });

  it('Retry-After values', () => {
    const cases: Array<[string | undefined, number | undefined]> = [
      [undefined, undefined], ['120', 120_000], [' 2 ', 2000], ['0', undefined], ['-1', undefined], ['1.5', undefined],
      [new Date(NOW + 2000).toUTCString(), 2000], ['Thu, 01 Jan 2026 11:59:00 GMT', undefined], ['Thu, 01 Jan 2026 12:01:00 GMT', 60_000], ['later', undefined],
    ];
    for (const [value, ms] of cases) assert.equal(retryAfterMs(value, NOW), ms, String(value));
  });

  it('bad retry options are refused, naming retry', () => {
    const multi = new Multi();
    try {
      for (const retry of [{ count: -1 }, { count: 1.5 }, { count: 1, delay: -5 }, { count: 1, maxTime: Infinity }, { count: 1, allErrors: 'yes' }, { count: 1, whenever: true }, 3, null]) {
        assert.throws(() => multi.add({ url: 'http://127.0.0.1:9/', retry: retry as unknown as RetryOptions }), (e: unknown) => {
          assert.ok(e instanceof HiperError && e.code === 'ERR_INVALID_ARGUMENT' && e.input === 'retry', String(e));
          return true;
        });
      }
    } finally {
      void multi.close();
    }
  });
});

/** A server whose answers are scripted per request number (0-based, across connections). */
async function scripted(answer: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(n++, req, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/r`,
    requests: () => n,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const busy = (res: http.ServerResponse, headers: Record<string, string> = {}): void => {
  res.writeHead(503, headers);
  res.end('busy, try later');
};

/** Events of onRetry, awaited one by one. */
function retryEvents(): { onRetry: (e: RetryEvent) => void; next: () => Promise<RetryEvent>; all: RetryEvent[] } {
  const all: RetryEvent[] = [];
  const waiting: Array<(e: RetryEvent) => void> = [];
  let taken = 0;
  return {
    all,
    onRetry: (e) => {
      all.push(e);
      waiting.shift()?.(e);
    },
    next: () => {
      const i = taken++;
      return i < all.length ? Promise.resolve(all[i]!) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

const tick = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Multi with TransferOptions.retry (curl --retry)', function () {
  this.timeout(10_000);

  it('503, 503, 200: one transfer ends 200 after waiting 1 s then 2 s, info.retries 2', async () => {
    const s = await scripted((n, _req, res) => (n < 2 ? busy(res) : res.end('fine')));
    const clock = new FakeClock();
    const multi = new Multi({ clock });
    try {
      const ev = retryEvents();
      const t = multi.add({ url: s.url, retry: { count: 5, onRetry: ev.onRetry } });
      const first = await ev.next();
      assert.deepEqual([first.reason, first.delay, first.left, first.status], ['http', 1000, 5, 503]);
      clock.advance(999);
      await tick();
      assert.equal(s.requests(), 1, 'nothing before the delay is over');
      clock.advance(1);
      const second = await ev.next();
      assert.deepEqual([second.delay, second.left], [2000, 4]);
      clock.advance(2000);
      const r = await t.done;
      assert.deepEqual([r.status, r.body.toString(), r.info.retries, r.info.tries, s.requests()], [200, 'fine', 2, 3, 3]);
      assert.equal(r.info.startTime, 0);
      assert.equal(r.info.timings.total, 3000);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('Retry-After: 3 is honoured', async () => {
    const s = await scripted((n, _req, res) => (n === 0 ? busy(res, { 'Retry-After': '3' }) : res.end('fine')));
    const clock = new FakeClock();
    const multi = new Multi({ clock });
    try {
      const ev = retryEvents();
      const t = multi.add({ url: s.url, retry: { count: 2, onRetry: ev.onRetry } });
      assert.equal((await ev.next()).delay, 3000);
      clock.advance(2999);
      await tick();
      assert.equal(s.requests(), 1);
      clock.advance(1);
      const r = await t.done;
      assert.deepEqual([r.status, r.info.retries], [200, 1]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('count used up: the last 503 is the result, its body whole', async () => {
    const s = await scripted((n, _req, res) => {
      res.writeHead(503);
      res.end(`busy ${n}`);
    });
    const multi = new Multi();
    try {
      const r = await multi.add({ url: s.url, retry: { count: 2, delay: 0 } }).done;
      assert.deepEqual([r.status, r.body.toString(), r.info.retries, s.requests()], [503, 'busy 2', 2, 3]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('maxTime: no retry starts once it has passed (the last may start after it, as curl)', async () => {
    const s = await scripted((_n, _req, res) => busy(res));
    const clock = new FakeClock();
    const multi = new Multi({ clock });
    try {
      const ev = retryEvents();
      const t = multi.add({ url: s.url, retry: { count: 10, maxTime: 2500, onRetry: ev.onRetry } });
      assert.equal((await ev.next()).delay, 1000);
      clock.advance(1000);
      assert.equal((await ev.next()).delay, 2000);
      clock.advance(2000);
      const r = await t.done;
      assert.deepEqual([r.status, r.info.retries, s.requests()], [503, 2, 3]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('the transfer timeout bounds all runs together', async () => {
    const s = await scripted((_n, _req, res) => busy(res));
    const clock = new FakeClock();
    const multi = new Multi({ clock });
    try {
      const ev = retryEvents();
      const t = multi.add({ url: s.url, timeout: 1500, retry: { count: 10, onRetry: ev.onRetry } });
      await ev.next();
      clock.advance(1000);
      await ev.next();
      clock.advance(500);
      await assert.rejects(t.done, (e: HiperError) => e.code === 'ERR_TIMEOUT');
      assert.equal(t.info.retries, 2);
      clock.advance(5000);
      await tick();
      assert.equal(s.requests(), 2, 'no run after the timeout');
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('a refused connect: retried only with connRefused', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const multi = new Multi();
    try {
      const plain = multi.add({ url: `http://127.0.0.1:${port}/`, retry: { count: 2, delay: 5 } });
      await assert.rejects(plain.done, (e: HiperError) => e.code === 'ERR_CONNECT_ALL_FAILED');
      assert.equal(plain.info.retries, 0);
      const ev = retryEvents();
      const asked = multi.add({ url: `http://127.0.0.1:${port}/`, retry: { count: 2, delay: 5, connRefused: true, onRetry: ev.onRetry } });
      await assert.rejects(asked.done, (e: HiperError) => e.code === 'ERR_CONNECT_ALL_FAILED');
      assert.deepEqual(ev.all.map((e) => [e.reason, e.left, e.error?.code]), [['connrefused', 2, 'ERR_CONNECT_ALL_FAILED'], ['connrefused', 1, 'ERR_CONNECT_ALL_FAILED']]);
      assert.deepEqual([asked.info.retries, asked.info.numConnects], [2, 3]);
    } finally {
      await multi.close();
    }
  });

  it('a streamed request body is never retried; the same body given whole is', async () => {
    const s = await scripted((n, _req, res) => (n < 1 || n === 1 ? busy(res) : res.end('fine')));
    const multi = new Multi();
    try {
      const streamed = await multi.add({ url: s.url, method: 'PUT', body: Readable.from([Buffer.from('abc')]), retry: { count: 3, delay: 0 } }).done;
      assert.deepEqual([streamed.status, streamed.info.retries], [503, 0]);
      const whole = await multi.add({ url: s.url, method: 'PUT', body: 'abc', retry: { count: 3, delay: 0 } }).done;
      assert.deepEqual([whole.status, whole.body.toString(), whole.info.retries], [200, 'fine', 1]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('stream mode: response resolves only with the 200, its body alone', async () => {
    const s = await scripted((n, _req, res) => (n < 2 ? busy(res) : res.end('the real body')));
    const multi = new Multi();
    try {
      const t = multi.add({ url: s.url, stream: true, retry: { count: 3, delay: 0 } });
      const r = await t.response;
      assert.equal(r.status, 200);
      const parts: Buffer[] = [];
      for await (const c of r.body) parts.push(c);
      assert.equal(Buffer.concat(parts).toString(), 'the real body');
      assert.equal((await t.done).info.retries, 2);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('onData and onHeaders: only the final response reaches them', async () => {
    const s = await scripted((n, _req, res) => (n < 2 ? busy(res) : res.end('the real body')));
    const multi = new Multi();
    try {
      const heads: number[] = [];
      const parts: Buffer[] = [];
      const r = await multi.add({ url: s.url, onHeaders: (h) => heads.push(h.status), onData: (c) => void parts.push(c), retry: { count: 3, delay: 0 } }).done;
      assert.deepEqual([r.status, heads, Buffer.concat(parts).toString(), r.info.retries], [200, [200], 'the real body', 2]);
    } finally {
      await multi.close();
      await s.close();
    }
  });

  it('HTTP/2: 503, 503, 200 at once on the same session, nothing of the 503s shown', async () => {
    const cert = makeCert(['127.0.0.1']);
    let n = 0;
    const server = http2.createSecureServer({ key: cert.key, cert: cert.cert });
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      if (n++ < 2) {
        stream.respond({ ':status': 503 });
        stream.end('busy');
      } else {
        stream.respond({ ':status': 200 });
        stream.end('fine');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const multi = new Multi({ tls: { ca: cert.cert } });
    try {
      const heads: number[] = [];
      const t = multi.add({ url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, stream: true, onHeaders: (h) => heads.push(h.status), retry: { count: 3, delay: 0 } });
      const r = await t.response;
      const parts: Buffer[] = [];
      for await (const c of r.body) parts.push(c);
      const done = await t.done;
      assert.deepEqual([r.status, r.httpVersion, Buffer.concat(parts).toString(), heads, done.info.retries, done.info.numConnects], [200, '2', 'fine', [200], 2, 1]);
    } finally {
      await multi.close();
      server.close();
      cert.cleanup();
    }
  });

  it('a cut-off after bytes reached the caller is not retried', async () => {
    const s = await scripted((_n, _req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
      setTimeout(() => res.destroy(), 20);
    });
    const multi = new Multi();
    try {
      const parts: Buffer[] = [];
      const t = multi.add({ url: s.url, onData: (c) => void parts.push(c), retry: { count: 3, delay: 0, allErrors: true } });
      await assert.rejects(t.done, (e: HiperError) => e.code === 'ERR_CONNECTION_CLOSED');
      assert.deepEqual([Buffer.concat(parts).toString(), t.info.retries, s.requests()], ['partial', 0, 1]);
    } finally {
      await multi.close();
      await s.close();
    }
  });
});
