/**
 * --compressed's decoding (decode.ts): each coding node:zlib knows, several in order, identity left
 * out, an unknown or corrupt one refused with ERR_BAD_CONTENT_ENCODING, and a body that inflates
 * enormously decoded with backpressure: nothing is decoded while the destination is full.
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { acceptEncoding, BodyDecoder, codings } from '../../../src/cli/decode.js';
import type { HiperError } from '../../../src/shared/errors.js';

const text = Buffer.from('hello decoded world\n'.repeat(50));

/** Feeds `body` in chunks of `size` through a decoder for `encoding`, waiting as it asks; what came out and the error. */
async function decode(encoding: string, body: Buffer, size = 7): Promise<{ out: Buffer; error?: HiperError }> {
  const out: Buffer[] = [];
  let error: HiperError | undefined;
  const decoder = new BodyDecoder(codings(encoding), { write: (c) => void out.push(Buffer.from(c)) }, (e) => (error = e));
  for (let i = 0; i < body.length && error === undefined; i += size) await decoder.write(body.subarray(i, i + size));
  await decoder.end();
  return { out: Buffer.concat(out), ...(error !== undefined ? { error } : {}) };
}

describe('--compressed decoding', () => {
  it('asks for what this Node decodes, in curl\'s order', () => {
    const want = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function' ? 'deflate, gzip, br, zstd' : 'deflate, gzip, br';
    assert.equal(acceptEncoding(), want);
  });

  const cases: Array<[string, string, Buffer]> = [
    ['gzip', 'gzip', zlib.gzipSync(text)],
    ['x-gzip', 'x-gzip', zlib.gzipSync(text)],
    ['deflate (zlib wrapped, as RFC 9110 says)', 'deflate', zlib.deflateSync(text)],
    ['deflate sent raw', 'deflate', zlib.deflateRawSync(text)],
    ['br', 'br', zlib.brotliCompressSync(text)],
    ['two codings, the last applied decoded first', 'deflate, gzip', zlib.gzipSync(zlib.deflateSync(text))],
    ['identity is no coding', 'identity, gzip', zlib.gzipSync(text)],
    ['case and spaces', ' GZIP ', zlib.gzipSync(text)],
    ['no coding at all', '', text],
  ];
  for (const [name, encoding, body] of cases) {
    for (const size of [1, 7, 1 << 16]) {
      it(`${name}, in chunks of ${size}`, async () => {
        const { out, error } = await decode(encoding, body, size);
        assert.equal(error, undefined);
        assert.ok(out.equals(text));
      });
    }
  }

  it('an unknown coding is refused at once, with curl\'s words', () => {
    assert.throws(() => new BodyDecoder(codings('gzip, foo'), { write: () => undefined }, () => {}),
      (e: unknown) => (e as HiperError).code === 'ERR_BAD_CONTENT_ENCODING' && /Unrecognized content encoding type/.test((e as Error).message) && (e as HiperError).input === 'foo');
  });

  const corrupt: Array<[string, string, Buffer]> = [
    ['not gzip at all', 'gzip', Buffer.from('plain text, no gzip header')],
    ['gzip cut short', 'gzip', zlib.gzipSync(text).subarray(0, 30)],
    ['not brotli', 'br', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ];
  for (const [name, encoding, body] of corrupt) {
    it(`${name}: ERR_BAD_CONTENT_ENCODING`, async () => {
      const { error } = await decode(encoding, body);
      assert.equal(error?.code, 'ERR_BAD_CONTENT_ENCODING');
      assert.match(error!.message, /^Error while processing content unencoding: /);
    });
  }

  it('an empty body with a Content-Encoding is an empty body', async () => {
    const { out, error } = await decode('gzip', Buffer.alloc(0));
    assert.equal(error, undefined);
    assert.equal(out.length, 0);
  });

  it('a 64 MiB body from 64 KiB of gzip: nothing is decoded while the destination is full', async () => {
    const total = 64 * 1024 * 1024;
    const body = zlib.gzipSync(Buffer.alloc(total));
    let received = 0;
    let release: (() => void) | undefined;
    let writesWhileFull = 0;
    const sink = {
      write(c: Uint8Array): Promise<void> | undefined {
        if (release !== undefined) writesWhileFull++;
        received += c.length;
        // Full after every write: the destination decides when the next chunk may come.
        return new Promise<void>((resolve) => (release = () => {
          release = undefined;
          resolve();
        }));
      },
    };
    const decoder = new BodyDecoder(['gzip'], sink, (e) => assert.fail(e));
    const feed = (async () => {
      for (let i = 0; i < body.length; i += 16384) await decoder.write(body.subarray(i, i + 16384));
      await decoder.end();
    })();
    let done = false;
    void feed.then(() => (done = true));
    // The destination takes one chunk per turn; a bounded loop (each turn takes at most 64 KiB of output).
    for (let turn = 0; turn < 100_000 && !done; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      release?.();
    }
    await feed;
    assert.equal(received, total);
    assert.equal(writesWhileFull, 0);
  });
});
