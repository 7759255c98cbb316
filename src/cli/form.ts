/**
 * -F/--form and --form-string: a multipart/form-data body laid out as curl 7.88 lays it out. Files are
 * streamed, each in turn, when the body is sent; the body's size is known beforehand (Content-Length).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { HiperError } from '../shared/errors.js';
import { usageError } from './args.js';
import type { DataBody } from './upload.js';

/** One form field: text, the contents of a file as text (`name=<file`), or a file upload (`name=@file`). */
export interface FormField {
  name: string;
  /** Text; or the path of the file for 'file' and 'contents'. */
  value: string;
  source: 'text' | 'file' | 'contents';
  type?: string;
  filename?: string;
}

/** The flag value a field came from, for error messages. */
const FLAG = '-F';

/**
 * Parses one -F value: `name=value`, `name=@file`, `name=<file`, each optionally followed by
 * `;type=T` and (for files) `;filename=F`; a value in double quotes may hold ';' (with \" and \\).
 * --form-string (`literal`) takes the value as it is.
 */
export function parseFormArg(arg: string, literal = false): FormField {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw usageError(FLAG, `-F expects name=value, name=@file or name=<file, got ${JSON.stringify(arg)}`);
  const name = arg.slice(0, eq);
  const rest = arg.slice(eq + 1);
  if (literal) return { name, value: rest, source: 'text' };
  const source = rest.startsWith('@') ? 'file' : rest.startsWith('<') ? 'contents' : 'text';
  const [value, params] = splitParams(source === 'text' ? rest : rest.slice(1), source === 'text');
  const field: FormField = { name, value, source };
  for (const [key, v] of params) {
    if (key === 'type') field.type = v;
    else if (key === 'filename') field.filename = v;
    else throw usageError(FLAG, `-F ${JSON.stringify(arg)}: unknown field parameter "${key}" (hiper knows type= and filename=)`);
  }
  return field;
}

const PARAM = /^;\s*(type|filename|headers|encoder)=/i;

/**
 * The value and its ;key=value parameters. A text value keeps a ';' that does not start a parameter
 * curl knows; a file name ends at the first ';'.
 */
function splitParams(s: string, text: boolean): [string, Array<[string, string]>] {
  let value = '';
  let i = 0;
  if (s.startsWith('"')) {
    [value, i] = quoted(s, 0);
  } else {
    while (i < s.length && !(s[i] === ';' && (!text || PARAM.test(s.slice(i))))) value += s[i++];
  }
  const params: Array<[string, string]> = [];
  while (i < s.length) {
    // s[i] is ';'
    i++;
    while (s[i] === ' ') i++;
    const eq = s.indexOf('=', i);
    if (eq < 0) throw usageError(FLAG, `-F: parameter without a value in ${JSON.stringify(s)}`);
    const key = s.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let v = '';
    if (s[i] === '"') [v, i] = quoted(s, i);
    else while (i < s.length && s[i] !== ';') v += s[i++];
    params.push([key, v]);
  }
  return [value, params];
}

/** A double-quoted string at s[start]: its text and the index after the closing quote. */
function quoted(s: string, start: number): [string, number] {
  let v = '';
  let i = start + 1;
  for (; i < s.length && s[i] !== '"'; i++) {
    if (s[i] === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) i++;
    v += s[i];
  }
  if (i >= s.length) throw usageError(FLAG, `-F: unterminated quoted value in ${JSON.stringify(s)}`);
  return [v, i + 1];
}

/** curl's content type by file name extension (its short built-in list); else application/octet-stream. */
const TYPES: Record<string, string> = {
  '.gif': 'image/gif', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.txt': 'text/plain', '.htm': 'text/html', '.html': 'text/html', '.pdf': 'application/pdf', '.xml': 'application/xml',
};

export function guessType(filename: string): string {
  return TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream';
}

/** curl 7.88's boundary: 24 dashes and 16 hex digits. */
export function newBoundary(): string {
  return '-'.repeat(24) + randomBytes(8).toString('hex');
}

/** A name or file name in a Content-Disposition, escaped as curl 7.88 escapes it. */
function escapeName(s: string): string {
  return s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** One part of the laid-out body: bytes, or a file streamed in its place. */
export type FormPiece = { bytes: Buffer } | { path: string; size: number };

/** The multipart body as pieces, in order (pure but for reading `<file` contents and file sizes). */
export function formLayout(
  fields: readonly FormField[], boundary: string, readText: (path: string) => Buffer = (p) => readFileSync(p), disposition = 'form-data',
): FormPiece[] {
  const pieces: FormPiece[] = [];
  for (const f of fields) {
    let head = `--${boundary}\r\nContent-Disposition: ${disposition}; name="${escapeName(f.name)}"`;
    if (f.source === 'file') {
      const filename = f.filename ?? basename(f.value);
      head += `; filename="${escapeName(filename)}"\r\nContent-Type: ${f.type ?? guessType(f.value)}\r\n`;
    } else {
      if (f.filename !== undefined) head += `; filename="${escapeName(f.filename)}"`;
      head += '\r\n';
      if (f.type !== undefined) head += `Content-Type: ${f.type}\r\n`;
    }
    pieces.push({ bytes: Buffer.from(head + '\r\n', 'utf8') });
    if (f.source === 'file') pieces.push({ path: f.value, size: fileSize(f) });
    else if (f.source === 'contents') pieces.push({ bytes: readFileOrFail(f, readText) });
    else pieces.push({ bytes: Buffer.from(f.value, 'utf8') });
    pieces.push({ bytes: Buffer.from('\r\n') });
  }
  pieces.push({ bytes: Buffer.from(`--${boundary}--\r\n`) });
  return pieces;
}

/** A -F file that cannot be read is curl's exit 26, before anything is sent. */
function readError(f: FormField, cause: unknown): HiperError {
  return new HiperError('ERR_READ_BODY', `-F ${f.name}: cannot read ${f.value}: ${(cause as Error).message}`, { input: f.value, cause });
}

function readFileOrFail(f: FormField, readText: (path: string) => Buffer): Buffer {
  try {
    return readText(f.value);
  } catch (err) {
    throw readError(f, err);
  }
}

function fileSize(f: FormField): number {
  let st;
  try {
    st = statSync(f.value);
  } catch (err) {
    throw readError(f, err);
  }
  if (st.isDirectory()) throw readError(f, new Error('it is a directory'));
  return st.size;
}

/**
 * The multipart body of -F: a fresh streamed body per transfer, its size and its Content-Type. `type`
 * is a Content-Type -H gave (curl adds the boundary to it, and parts of a type other than
 * multipart/form-data are "attachment"s).
 */
export function formBody(fields: readonly FormField[], type = 'multipart/form-data', boundary = newBoundary()): DataBody & { contentType: string } {
  const disposition = /^multipart\/form-data\b/i.test(type) ? 'form-data' : 'attachment';
  const pieces = formLayout(fields, boundary, undefined, disposition);
  let size = 0;
  for (const p of pieces) size += 'bytes' in p ? p.bytes.length : p.size;
  const contentType = /;\s*boundary=/i.test(type) ? type : `${type}; boundary=${boundary}`;
  return { body: () => streamPieces(pieces), size, contentType };
}

async function* streamPieces(pieces: readonly FormPiece[]): AsyncGenerator<Buffer> {
  for (const p of pieces) {
    if ('bytes' in p) yield p.bytes;
    else for await (const chunk of createReadStream(p.path)) yield chunk as Buffer;
  }
}
