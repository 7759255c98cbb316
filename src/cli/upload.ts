/**
 * What `hiper get` sends: -d / --data-binary (curl's POST data) and -T / --upload-file (curl's PUT of
 * a file), as request bodies. A file is streamed, never read whole, and sent with its size as
 * Content-Length; stdin given to -T is streamed chunked, its length being unknown.
 */
import { createReadStream, fstatSync, openSync, closeSync, readFileSync, statSync, type ReadStream } from 'node:fs';
import { basename } from 'node:path';
import { HiperError } from '../shared/errors.js';
import type { TransferOptions } from '../multi/index.js';
import { usageError } from './args.js';

export type Body = NonNullable<TransferOptions['body']>;

/** One -d or --data-binary, as given. */
export interface DataPart {
  /** --data-binary: a file's bytes exactly; -d: a file's CR and LF removed, as curl does. */
  binary: boolean;
  value: string;
}

const AMP = Buffer.from('&');

/**
 * The body of every transfer for the -d / --data-binary given, joined with '&' in command-line order as
 * curl joins them; undefined without any. A single --data-binary @FILE is streamed from the file for
 * each transfer (Content-Length: its size); anything else (several parts, -d @FILE whose line ends
 * must be removed, stdin) is small form data by nature and read whole here, once.
 */
export function dataBody(parts: readonly DataPart[], readStdin: () => Buffer = () => readFileSync(0)): (() => Body) | undefined {
  if (parts.length === 0) return undefined;
  const only = parts.length === 1 ? parts[0]! : undefined;
  if (only?.binary && only.value.startsWith('@') && only.value !== '@-') {
    const path = only.value.slice(1);
    checkReadable(only.value, path);
    return () => createReadStream(path);
  }
  const pieces: Buffer[] = [];
  for (const [i, p] of parts.entries()) {
    if (i > 0) pieces.push(AMP);
    pieces.push(dataBytes(p, readStdin));
  }
  const whole = Buffer.concat(pieces);
  return () => whole;
}

function dataBytes(p: DataPart, readStdin: () => Buffer): Buffer {
  if (!p.value.startsWith('@')) return Buffer.from(p.value, 'utf8');
  const path = p.value.slice(1);
  let bytes: Buffer;
  if (path === '-') bytes = readStdin();
  else {
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw usageError(p.value, `cannot read ${path}: ${(err as Error).message}`);
    }
  }
  return p.binary ? bytes : stripLineEnds(bytes);
}

/** curl's -d @FILE: carriage returns and newlines are not sent. */
function stripLineEnds(b: Buffer): Buffer {
  if (!b.includes(0x0a) && !b.includes(0x0d)) return b;
  const out = Buffer.allocUnsafe(b.length);
  let n = 0;
  for (const byte of b) if (byte !== 0x0a && byte !== 0x0d) out[n++] = byte;
  return out.subarray(0, n);
}

function checkReadable(input: string, path: string): void {
  let why: string | undefined;
  try {
    if (statSync(path).isDirectory()) why = 'it is a directory';
  } catch (err) {
    why = (err as Error).message;
  }
  if (why !== undefined) throw usageError(input, `cannot read ${path}: ${why}`);
}

/**
 * -T FILE to a URL whose path ends with '/' (or has none) goes to that folder under the file's own
 * name, as curl does; -T - (stdin) has no name to add. A URL that does not parse is left for the
 * transfer to refuse.
 */
export function uploadUrl(url: string, file: string): string {
  if (file === '-') return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (!u.pathname.endsWith('/')) return url;
  u.pathname += encodeURIComponent(basename(file));
  return u.href;
}

/** An -T source for one transfer; close() lets go of it if the transfer did not read it to the end. */
export interface UploadSource {
  body: Body;
  close(): void;
}

/**
 * Opens what -T names when its transfer starts: stdin for "-", else the file. A file that cannot be
 * opened (or is a directory) fails the transfer before anything is sent: ERR_READ_BODY, curl's exit 26.
 */
export function uploadSource(file: string, stdin: () => AsyncIterable<Uint8Array | string>): UploadSource {
  if (file === '-') {
    const body = stdin();
    return { body, close: () => (body as Partial<ReadStream>).destroy?.() };
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw readError(file, err);
  }
  try {
    if (fstatSync(fd).isDirectory()) throw new Error('it is a directory');
  } catch (err) {
    throw readError(file, err);
  } finally {
    closeSync(fd);
  }
  // A stream of the whole file by its path: for a regular file the transfer sends its size as
  // Content-Length (a pipe or a device goes chunked).
  const stream = createReadStream(file);
  return { body: stream, close: () => stream.destroy() };
}

function readError(file: string, cause: unknown): HiperError {
  return new HiperError('ERR_READ_BODY', `cannot open ${file} to upload: ${(cause as Error)?.message ?? String(cause)}`, { input: file, cause });
}
