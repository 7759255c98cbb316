/**
 * curl --compressed: the Accept-Encoding sent, and the body decoded per Content-Encoding as it streams
 * through node:zlib, with backpressure (a write waits while the decoders or the destination are full),
 * so a body of any size, or one that inflates enormously, takes bounded memory.
 */
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { HiperError } from '../shared/errors.js';
import { drained, type Sink } from './output.js';

type ZlibWithZstd = typeof zlib & { createZstdDecompress?: () => Transform };

const makers: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};
const zstd = (zlib as ZlibWithZstd).createZstdDecompress;
if (zstd !== undefined) makers.zstd = () => zstd.call(zlib);

/** What --compressed asks for: what this Node decodes, in curl's order. */
export function acceptEncoding(): string {
  return ['deflate', 'gzip', 'br', ...(makers.zstd !== undefined ? ['zstd'] : [])].join(', ');
}

/** The codings of a Content-Encoding value, in the order they were applied; `identity` left out. */
export function codings(contentEncoding: string | undefined): string[] {
  if (contentEncoding === undefined) return [];
  return contentEncoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
}

/** Throws ERR_BAD_CONTENT_ENCODING (curl's message) when a coding cannot be decoded here. */
export function checkCodings(list: readonly string[]): void {
  for (const c of list) {
    if (makers[c] === undefined) {
      throw new HiperError('ERR_BAD_CONTENT_ENCODING', `Unrecognized content encoding type. hiper understands ${acceptEncoding()} content encodings.`, { input: c });
    }
  }
}

/**
 * The body of one response on its way to `to`, decoded. Decoders are made at the first byte (an empty
 * body has nothing to decode). `onError` gets a corrupt stream's error once (the transfer is then ended
 * by the caller); writes after it are dropped.
 */
export class BodyDecoder implements Sink {
  private chain: Transform[] = [];
  private first: Transform | undefined;
  private failure: HiperError | undefined;
  private outputDone: Promise<void> = Promise.resolve();
  private held: Promise<void> | undefined;
  private firstBytes: Uint8Array | undefined;

  constructor(private readonly list: readonly string[], private readonly to: Sink, private readonly onError: (error: HiperError) => void) {
    checkCodings(list);
  }

  get error(): HiperError | undefined {
    return this.failure;
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure !== undefined) return undefined;
    if (this.list.length === 0) return this.to.write(chunk);
    if (this.first === undefined) {
      // Raw deflate or zlib is told by the first two bytes: a first chunk of one byte waits for the next.
      const head = this.firstBytes === undefined ? chunk : Buffer.concat([this.firstBytes, chunk]);
      if (head.length < 2 && this.list[this.list.length - 1] === 'deflate') {
        this.firstBytes = head;
        return undefined;
      }
      this.firstBytes = undefined;
      chunk = head;
    }
    const first = this.first ?? this.start(chunk);
    const room = first.write(chunk);
    if (room && this.held === undefined) return undefined;
    const waits: Array<Promise<void>> = [];
    if (!room) waits.push(drained(first));
    if (this.held !== undefined) waits.push(this.held);
    return Promise.all(waits).then(() => undefined);
  }

  /** The body ended: the decoders are flushed and what they give written; settles when all is out (or failed). */
  async end(): Promise<void> {
    if (this.firstBytes !== undefined) this.start(this.firstBytes).write(this.firstBytes);
    this.firstBytes = undefined;
    if (this.first === undefined || this.failure !== undefined) return;
    this.first.end();
    await this.outputDone;
    await this.held;
  }

  /** The body will not end (the transfer failed): the decoders are let go of. */
  close(): void {
    for (const s of this.chain) s.destroy();
  }

  private start(firstChunk: Uint8Array): Transform {
    // Decoded in reverse: the last coding applied comes off first.
    const chain = [...this.list].reverse().map((c, i) => (i === 0 && c === 'deflate' && !zlibWrapped(firstChunk) ? zlib.createInflateRaw() : makers[c]!()));
    for (let i = 0; i + 1 < chain.length; i++) chain[i]!.pipe(chain[i + 1]!);
    for (const s of chain) s.on('error', (err) => this.fail(err));
    this.chain = chain;
    this.first = chain[0]!;
    const last = chain[chain.length - 1]!;
    this.outputDone = new Promise<void>((resolve) => {
      last.on('end', resolve);
      last.on('close', resolve);
    });
    last.on('data', (out: Buffer) => {
      const wait = this.to.write(out);
      if (wait === undefined) return;
      last.pause();
      const held = (this.held = wait.then(() => {
        if (this.held === held) this.held = undefined;
        if (!last.destroyed) last.resume();
      }));
    });
    return this.first;
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = new HiperError('ERR_BAD_CONTENT_ENCODING', `Error while processing content unencoding: ${(err as Error).message}`, { input: this.list.join(', '), cause: err });
    this.close();
    this.onError(this.failure);
  }
}

/** A zlib header (RFC 1950): deflate as the RFC says; without one, raw deflate as some servers send it (curl takes both). */
function zlibWrapped(chunk: Uint8Array): boolean {
  const b0 = chunk[0] ?? 0;
  const b1 = chunk[1] ?? 0;
  return (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
}
