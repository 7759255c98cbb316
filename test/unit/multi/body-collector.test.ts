/**
 * Buffered bodies: with a known length, one allocation of exactly that length, filled in place; with an
 * unknown one, blocks joined once; never a slice of the reads it was given. The slicings are drawn from a
 * seeded generator, and the same holds through a real socket (a node:http server, Content-Length and chunked).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyCollector } from '../../../src/multi/body/collector.js';
import { Multi } from '../../../src/multi/index.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A small seeded generator (mulberry32), so that every run slices the same way. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

/** The body cut into slices of at most `most` bytes, each in a read of its own (as a socket hands them). */
function reads(body: Buffer, most: number, random: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < body.length;) {
    const n = Math.min(body.length - at, 1 + Math.floor(random() * most));
    const read = Buffer.alloc(n + 16);
    body.copy(read, 8, at, at + n);
    out.push(read.subarray(8, 8 + n));
    at += n;
  }
  return out;
}

interface Row {
  why: string;
  bytes: number;
  /** The Content-Length given, or undefined when unknown. */
  announced: 'exact' | 'unknown';
  /** Largest slice. */
  most: number;
}

const ROWS: Row[] = [
  { why: 'empty, known length', bytes: 0, announced: 'exact', most: 1 },
  { why: 'empty, unknown length', bytes: 0, announced: 'unknown', most: 1 },
  { why: '1 KiB in 1-byte slices, known length', bytes: KiB, announced: 'exact', most: 1 },
  { why: '1 MiB in reads up to 64 KiB, known length', bytes: MiB, announced: 'exact', most: 64 * KiB },
  { why: '1 MiB in one read, known length', bytes: MiB, announced: 'exact', most: MiB },
  { why: '100 KiB in reads up to 300 bytes, unknown length', bytes: 100 * KiB, announced: 'unknown', most: 300 },
  { why: '3 MiB in reads up to 64 KiB, unknown length', bytes: 3 * MiB, announced: 'unknown', most: 64 * KiB },
  { why: '40 KiB in one read, unknown length', bytes: 40 * KiB, announced: 'unknown', most: 40 * KiB },
];

describe('buffered bodies (BodyCollector)', () => {
  for (const [i, row] of ROWS.entries()) {
    it(`${row.why}: byte-exact, no read kept`, () => {
      const body = pattern(row.bytes);
      const given = reads(body, row.most, seeded(21 + i));
      const c = new BodyCollector(row.announced === 'exact' ? row.bytes : undefined);
      for (const r of given) c.add(r);
      assert.equal(c.size, row.bytes);
      const whole = c.take();
      assert.ok(whole.equals(body));
      // Nothing of a read is kept: the result shares no memory with them, and a read written over later
      // leaves it as it was.
      for (const r of given) assert.notEqual(whole.buffer, r.buffer);
      for (const r of given) r.fill(0);
      assert.ok(whole.equals(body));
    });
  }

  for (const bytes of [8 * KiB, MiB, 16 * MiB]) {
    it(`a known length of ${bytes / KiB} KiB is one allocation of exactly that length, filled in place`, () => {
      const c = new BodyCollector(bytes);
      for (const r of reads(pattern(bytes), 64 * KiB, seeded(bytes))) c.add(r);
      const whole = c.take();
      assert.equal(whole.length, bytes);
      // Node hands small allocUnsafe() buffers out of its shared pool (below poolSize / 2: 4 KiB up to
      // Node 22, 32 KiB from Node 24); larger ones are allocations of their own.
      if (bytes >= Buffer.poolSize >>> 1) {
        assert.equal(whole.byteOffset, 0);
        assert.equal(whole.buffer.byteLength, bytes);
      }
    });
  }

  it('a length past 64 MiB reserves nothing before its bytes come', () => {
    const c = new BodyCollector(2 ** 31);
    assert.equal(c.size, 0);
    c.add(Buffer.from('abc'));
    assert.equal(c.take().toString(), 'abc');
  });
});

describe('buffered bodies through a socket', function () {
  this.timeout(10_000);
  const bytes = MiB + 17;
  const body = pattern(bytes);
  let server: http.Server;
  let origin: string;

  before(async () => {
    server = http.createServer((req, res) => {
      // /chunked: no Content-Length, so that the length is unknown until the end.
      if (req.url === '/chunked') res.writeHead(200, { 'transfer-encoding': 'chunked' });
      else res.writeHead(200, { 'content-length': bytes });
      for (let at = 0; at < bytes; at += 100 * KiB) res.write(body.subarray(at, Math.min(bytes, at + 100 * KiB)));
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  for (const path of ['/length', '/chunked']) {
    it(`${path}: the body comes whole and byte-exact${path === '/length' ? ', in one allocation of its length' : ''}`, async () => {
      const multi = new Multi();
      try {
        const r = await multi.add({ url: origin + path }).done;
        assert.equal(r.status, 200);
        assert.ok(r.body.equals(body));
        if (path === '/length') {
          assert.equal(r.body.byteOffset, 0);
          assert.equal(r.body.buffer.byteLength, bytes);
        }
      } finally {
        await multi.close();
      }
    });
  }
});
