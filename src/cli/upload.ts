/**
 * What `hiper get` sends: -d / --data-binary / --data-raw / --data-urlencode / --json (curl's POST data) and -T / --upload-file (curl's PUT of
 * a file), as request bodies. A file is streamed, never read whole, and sent with its size as
 * Content-Length; stdin given to -T is streamed chunked, its length being unknown.
 */
import { createReadStream, fstatSync, openSync, closeSync, readFileSync, statSync, type ReadStream } from 'node:fs';
import { basename } from 'node:path';
import { HiperError } from '../shared/errors.js';
import type { TransferOptions } from '../multi/index.js';
import { usageError } from './args.js';
import { urlencodeArg } from './data-urlencode.js';

export type Body = NonNullable<TransferOptions['body']>;

/**
 * One piece of request data, as given: -d/--data-ascii ('ascii': a file's CR and LF removed, as curl
 * does), --data-binary ('binary': a file's bytes exactly), --data-raw ('raw': no @file meaning),
 * --data-urlencode ('urlencode'), --json ('json': a file's bytes exactly, joined to what comes before
 * it with no '&').
 */
export interface DataPart {
  kind: 'ascii' | 'binary' | 'raw' | 'urlencode' | 'json';
  value: string;
}

/** The flag names whose values are request data, and the kind of each. */
export const DATA_FLAGS: Readonly<Record<string, DataPart['kind']>> = {
  data: 'ascii', 'data-ascii': 'ascii', 'data-binary': 'binary', 'data-raw': 'raw', 'data-urlencode': 'urlencode', json: 'json',
};

/** The data body of every transfer: a fresh body for each, and its size (sent as Content-Length). */
export interface DataBody {
  body: () => Body;
  size: number;
  /** Its Content-Type when the data sets one (-F's multipart type); else -d's form type. */
  contentType?: string;
}

const AMP = Buffer.from('&');

/**
 * The body of every transfer for the data given, joined with '&' in command-line order as curl joins
 * them (a --json part with nothing); undefined without any. A single --data-binary or --json @FILE is
 * streamed from the file for each transfer; anything else (several parts, -d @FILE whose line ends
 * must be removed, stdin) is small form data by nature and read whole here, once.
 */
export function dataBody(parts: readonly DataPart[], readStdin: () => Buffer = () => readFileSync(0)): DataBody | undefined {
  if (parts.length === 0) return undefined;
  const only = parts.length === 1 ? parts[0]! : undefined;
  if (only && (only.kind === 'binary' || only.kind === 'json') && only.value.startsWith('@') && only.value !== '@-') {
    const path = only.value.slice(1);
    const size = readableSize(only.value, path);
    return { body: () => createReadStream(path), size };
  }
  const whole = joinData(parts, readStdin);
  return { body: () => whole, size: whole.length };
}

/** The data given, joined as curl joins it (for a body, or for the query of -G). */
export function joinData(parts: readonly DataPart[], readStdin: () => Buffer = () => readFileSync(0)): Buffer {
  const pieces: Buffer[] = [];
  for (const [i, p] of parts.entries()) {
    if (i > 0 && p.kind !== 'json') pieces.push(AMP);
    pieces.push(dataBytes(p, readStdin));
  }
  return Buffer.concat(pieces);
}

function readWhole(input: string, path: string, readStdin: () => Buffer): Buffer {
  if (path === '-') return readStdin();
  try {
    return readFileSync(path);
  } catch (err) {
    throw usageError(input, `cannot read ${path}: ${(err as Error).message}`);
  }
}

function dataBytes(p: DataPart, readStdin: () => Buffer): Buffer {
  if (p.kind === 'urlencode') return Buffer.from(urlencodeArg(p.value, (path) => readWhole(p.value, path, readStdin)), 'latin1');
  if (p.kind === 'raw' || !p.value.startsWith('@')) return Buffer.from(p.value, 'utf8');
  const bytes = readWhole(p.value, p.value.slice(1), readStdin);
  return p.kind === 'ascii' ? stripLineEnds(bytes) : bytes;
}

/** curl's -d @FILE: carriage returns and newlines are not sent. */
function stripLineEnds(b: Buffer): Buffer {
  if (!b.includes(0x0a) && !b.includes(0x0d)) return b;
  const out = Buffer.allocUnsafe(b.length);
  let n = 0;
  for (const byte of b) if (byte !== 0x0a && byte !== 0x0d) out[n++] = byte;
  return out.subarray(0, n);
}

/** The size of a file read for every transfer; a usage error naming the flag value when it cannot be. */
export function readableSize(input: string, path: string): number {
  let why: string;
  try {
    const st = statSync(path);
    if (!st.isDirectory()) return st.size;
    why = 'it is a directory';
  } catch (err) {
    why = (err as Error).message;
  }
  throw usageError(input, `cannot read ${path}: ${why}`);
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
