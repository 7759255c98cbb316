/**
 * Incremental HTTP/1.1 response parser (RFC 9112). Reads back-to-back (pipelined) responses from a
 * connection's byte stream split anywhere. Head lines are parsed in place from the socket's Buffer;
 * only a line cut by a chunk boundary is copied (into one reusable line buffer). Bodies are handed on
 * as subarray slices, never copied.
 */
import { HiperError } from '../../shared/errors.js';
import { CR, HTAB, LF, SP, FIELD_VALUE, HEX, TOKEN, ascii, equalsLower, excerpt } from './chars.js';
import { Latin1Cache, hashStep, latin1 } from './strings.js';
import type { ParseErrorReason, ParserLimits, ResponseHandler, ResponseHead, ResponseParserApi } from './types.js';

// Parser states. Line states (STATUS, HEADERS, CHUNK_SIZE, TRAILERS) read whole lines.
const IDLE = 0;
const STATUS = 1;
const HEADERS = 2;
const BODY_LENGTH = 3;
const BODY_EOF = 4;
const CHUNK_SIZE = 5;
const CHUNK_DATA = 6;
const CHUNK_CR = 7;
const CHUNK_LF = 8;
const TRAILERS = 9;
/** The connection carries no more responses (keepAlive false, or finish() was called). */
const CLOSED = 10;

const DEFAULT_MAX_HEAD_SIZE = 64 * 1024;
const DEFAULT_MAX_HEADERS = 200;
const DEFAULT_MAX_INFORMATIONAL = 10;
/** Chunk sizes at or above 2^52 are refused: the product would leave the safe integer range. */
const CHUNK_SIZE_LIMIT = 2 ** 48;

const CONTENT_LENGTH = ascii('content-length');
const TRANSFER_ENCODING = ascii('transfer-encoding');
const CONNECTION = ascii('connection');
const CHUNKED = ascii('chunked');
const CLOSE = ascii('close');
const KEEP_ALIVE = ascii('keep-alive');
const COLON = 0x3a;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

/**
 * Header names and values seen before, shared by every connection: a cache per connection would cost
 * each idle keep-alive connection its slots and strings.
 */
const NAMES = new Latin1Cache(256);
const VALUES = new Latin1Cache(1024);
/** What an idle parser holds: nothing of its own (a line buffer is allocated when a line is first cut). */
const NO_BYTES = Buffer.alloc(0);
const NO_FIELDS = Object.freeze([]) as unknown as Array<[string, string]>;

/**
 * The index of the first LF in buf[pos, end), or -1. A plain loop: head lines are short, and
 * Buffer#indexOf is a call into C++ that costs more than scanning a few dozen bytes here.
 */
function indexOfLf(buf: Buffer, pos: number, end: number): number {
  for (let i = pos; i < end; i++) if (buf[i] === LF) return i;
  return -1;
}

function isOws(b: number | undefined): boolean {
  return b === SP || b === HTAB;
}

function positiveLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `parser limit ${name} must be a positive integer, not ${String(value)}`, { input: value });
  }
  return value;
}

/**
 * One parser per connection. Callbacks run synchronously inside execute()/finish(); an exception thrown
 * by a callback propagates to the caller and leaves the parser in an unspecified state (drop the
 * connection). Leading empty lines before a status line are not skipped: they are 'bad-status-line'.
 */
export class ResponseParser implements ResponseParserApi {
  private readonly handler: ResponseHandler;
  private readonly maxHeadSize: number;
  private readonly maxHeaders: number;
  private readonly rejectBareLf: boolean;
  private readonly maxInformational: number;

  private state = IDLE;
  /** pause() was called: execute() stops at the next step and keeps the rest of its chunk. */
  private paused = false;
  /** Inside execute(): a resume() from a callback only clears `paused`. */
  private running = false;
  /** The unread rest of a chunk, kept while paused. */
  private held: Buffer | undefined;
  /** 1xx responses before the final one of the response being read. */
  private informational = 0;
  private failure: HiperError | undefined;
  /** Responses completed on this connection (for error details). */
  private responses = 0;

  /** A line cut by a chunk boundary: its first part, until the rest arrives. */
  private line: Buffer = NO_BYTES;
  private lineLen = 0;
  /** Bytes still allowed in the current head, trailer section or chunk-size line. */
  private budget = 0;

  // The response being read.
  private method = '';
  private httpVersion: 10 | 11 = 11;
  private statusCode = 0;
  private statusMessage = '';
  private headers: Array<[string, string]> = NO_FIELDS;
  private trailers: Array<[string, string]> = NO_FIELDS;
  private contentLength = -1;
  private teSeen = false;
  private teChunkedLast = false;
  private teChunkedEarlier = false;
  /** A transfer coding other than chunked (gzip, deflate...) was listed. */
  private teOther = false;
  private connClose = false;
  private connKeepAlive = false;
  private keepAlive = true;
  /** Body bytes (BODY_LENGTH) or chunk bytes (CHUNK_DATA) still to come. */
  private remaining = 0;

  constructor(handler: ResponseHandler, limits: ParserLimits = {}) {
    this.handler = handler;
    this.maxHeadSize = positiveLimit('maxHeadSize', limits.maxHeadSize, DEFAULT_MAX_HEAD_SIZE);
    this.maxHeaders = positiveLimit('maxHeaders', limits.maxHeaders, DEFAULT_MAX_HEADERS);
    this.rejectBareLf = limits.rejectBareLf ?? false;
    this.maxInformational = limits.maxInformational ?? DEFAULT_MAX_INFORMATIONAL;
    if (!Number.isSafeInteger(this.maxInformational) || this.maxInformational < 0) {
      throw new HiperError('ERR_INVALID_ARGUMENT', `parser limit maxInformational must be an integer >= 0, not ${String(limits.maxInformational)}`, { input: limits.maxInformational });
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes of a chunk read from the socket and not yet parsed (held while paused). */
  get heldBytes(): number {
    return this.held?.length ?? 0;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.running) return;
    const rest = this.held;
    if (rest === undefined) return;
    this.held = undefined;
    this.execute(rest);
  }

  get idle(): boolean {
    return this.failure === undefined && this.held === undefined && (this.state === IDLE || this.state === CLOSED);
  }

  execute(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    if (this.held !== undefined) {
      // Bytes arrived while paused (the socket had them already): they queue behind the held ones.
      this.held = Buffer.concat([this.held, chunk]);
      if (this.paused) return;
      chunk = this.held;
      this.held = undefined;
    }
    if (this.paused) {
      this.held = chunk;
      return;
    }
    this.running = true;
    try {
      this.run(chunk);
    } finally {
      this.running = false;
    }
  }

  private run(chunk: Buffer): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.paused) {
        this.held = chunk.subarray(pos);
        return;
      }
      switch (this.state) {
        case IDLE:
          this.startResponse(chunk, pos);
          pos = this.readLines(chunk, pos);
          break;
        case STATUS:
        case HEADERS:
        case CHUNK_SIZE:
        case TRAILERS:
          pos = this.readLines(chunk, pos);
          break;
        case BODY_LENGTH:
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, end - pos);
          this.handler.onBody(pos === 0 && n === end ? chunk : chunk.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === BODY_LENGTH) this.complete();
            else this.state = CHUNK_CR;
          }
          break;
        }
        case CHUNK_CR:
          pos = this.chunkEnd(chunk, pos);
          break;
        case CHUNK_LF:
          if (chunk[pos] !== LF) {
            const text = excerpt(chunk, pos, end, 20);
            this.fail('bare-cr', `CR without LF after chunk data: "\\r${text}"`, text);
          }
          this.nextChunk();
          pos++;
          break;
        case BODY_EOF:
          this.handler.onBody(pos === 0 ? chunk : chunk.subarray(pos));
          pos = end;
          break;
        default: // CLOSED: what follows a response that ended the connection is not read.
          return;
      }
    }
  }

  finish(): void {
    if (this.failure) throw this.failure;
    if (this.held !== undefined) throw new HiperError('ERR_INVALID_ARGUMENT', 'finish() while paused with bytes held: resume() first', { input: 'finish' });
    switch (this.state) {
      case IDLE:
      case CLOSED:
        this.state = CLOSED;
        return;
      case BODY_EOF:
        this.complete();
        return;
      case STATUS:
      case HEADERS:
        return this.fail('incomplete', 'connection closed in the middle of a response head');
      case BODY_LENGTH:
        return this.fail(
          'incomplete',
          `connection closed after ${this.contentLength - this.remaining} of ${this.contentLength} body bytes`,
        );
      case TRAILERS:
        return this.fail('incomplete', 'connection closed in the trailers of a chunked body');
      default:
        return this.fail('incomplete', 'connection closed in the middle of a chunked body');
    }
  }

  private startResponse(chunk: Buffer, pos: number): void {
    const method = this.handler.onResponseStart();
    if (method === undefined) {
      this.fail('unexpected-data', 'data with no request outstanding', excerpt(chunk, pos, chunk.length, 40));
    }
    if (chunk[pos] !== 0x48 /* H */) {
      this.fail('bad-status-line', 'response does not start with "HTTP/"', excerpt(chunk, pos, chunk.length, 40));
    }
    this.method = method;
    this.informational = 0;
    this.beginHead();
  }

  private beginHead(): void {
    this.state = STATUS;
    this.budget = this.maxHeadSize;
    this.headers = [];
    this.contentLength = -1;
    this.teSeen = false;
    this.teChunkedLast = false;
    this.teChunkedEarlier = false;
    this.teOther = false;
    this.connClose = false;
    this.connKeepAlive = false;
  }

  /**
   * Reads lines while in a line state; returns where the line part ended. A callback that paused (in
   * onResponseStart, onInformational) stops it before the next line, as at any other step.
   */
  private readLines(chunk: Buffer, pos: number): number {
    const end = chunk.length;
    while (pos < end && !this.paused) {
      if (this.state === HEADERS && this.lineLen === 0) {
        const next = this.headerLine(chunk, pos, end);
        if (next >= 0) {
          pos = next;
          if (this.state !== HEADERS) break;
          continue;
        }
      }
      const lf = indexOfLf(chunk, pos, end);
      if (lf < 0) {
        this.spend(end - pos, chunk, pos);
        this.keepPartial(chunk, pos, end);
        return end;
      }
      this.spend(lf + 1 - pos, chunk, pos);
      if (this.lineLen === 0) {
        this.onLine(chunk, pos, lf);
      } else {
        this.keepPartial(chunk, pos, lf);
        const n = this.lineLen;
        this.lineLen = 0;
        this.onLine(this.line, 0, n);
      }
      pos = lf + 1;
      const s = this.state;
      if (s !== STATUS && s !== HEADERS && s !== CHUNK_SIZE && s !== TRAILERS) break;
    }
    return pos;
  }

  /**
   * The common header line, whole in this chunk, in one pass: "name:" OWS value CRLF, the value's
   * validation also finding the line's end. Returns where the next line starts, or -1 to leave the
   * line to the general path (cut by the chunk's end, bare LF, trailing OWS, anything wrong), which
   * reads it again from `s` and reports any error exactly as always.
   */
  private headerLine(buf: Buffer, s: number, end: number): number {
    let i = s;
    let c = buf[i]!;
    if (c === CR) {
      if (i + 1 >= end || buf[i + 1] !== LF || this.budget < 2) return -1;
      this.budget -= 2;
      this.endHead();
      return i + 2;
    }
    let nameHash = 0;
    while (TOKEN[c] === 1) {
      nameHash = hashStep(nameHash, c);
      if (++i === end) return -1;
      c = buf[i]!;
    }
    if (c !== COLON || i === s) return -1;
    const ne = i++;
    while (i < end && isOws(buf[i])) i++;
    const vs = i;
    let valueHash = 0;
    for (; i < end; i++) {
      c = buf[i]!;
      if (FIELD_VALUE[c] === 0) break;
      valueHash = hashStep(valueHash, c);
    }
    // CR and LF are not field-value bytes: the loop stopped at the line's end, or at a byte the general path reports.
    if (i + 1 >= end || buf[i] !== CR || buf[i + 1] !== LF) return -1;
    if ((i > vs && isOws(buf[i - 1])) || i + 2 - s > this.budget || this.headers.length >= this.maxHeaders) return -1;
    this.budget -= i + 2 - s;
    this.headers.push([NAMES.get(buf, s, ne, nameHash), VALUES.get(buf, vs, i, valueHash)]);
    this.noteFraming(buf, s, ne, vs, i);
    return i + 2;
  }

  private spend(n: number, chunk: Buffer, pos: number): void {
    if (n <= this.budget) {
      this.budget -= n;
      return;
    }
    const at = excerpt(chunk, pos, chunk.length, 40);
    if (this.state === CHUNK_SIZE) this.fail('bad-chunk-size', `chunk-size line longer than ${this.maxHeadSize} bytes`, at);
    const what = this.state === TRAILERS ? 'trailer section' : 'response head';
    this.fail('head-too-large', `${what} larger than ${this.maxHeadSize} bytes`, at);
  }

  private keepPartial(chunk: Buffer, start: number, end: number): void {
    const need = this.lineLen + end - start;
    if (need > this.line.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.line.length * 2, 256));
      this.line.copy(grown, 0, 0, this.lineLen);
      this.line = grown;
    }
    chunk.copy(this.line, this.lineLen, start, end);
    this.lineLen = need;
  }

  /** One line, buf[s, lf) (lf is the LF's index). */
  private onLine(buf: Buffer, s: number, lf: number): void {
    let e = lf;
    if (e > s && buf[e - 1] === CR) e--;
    else if (this.rejectBareLf) this.fail('bare-lf', 'line ended by LF without CR', excerpt(buf, s, lf));
    switch (this.state) {
      case STATUS:
        return this.parseStatusLine(buf, s, e);
      case HEADERS:
        return e === s ? this.endHead() : this.parseField(buf, s, e, this.headers);
      case CHUNK_SIZE:
        return this.parseChunkSize(buf, s, e);
      default: // TRAILERS
        return e === s ? this.endTrailers() : this.parseField(buf, s, e, this.trailers);
    }
  }

  private parseStatusLine(buf: Buffer, s: number, e: number): void {
    if (e - s < 5 || buf[s] !== 0x48 || buf[s + 1] !== 0x54 || buf[s + 2] !== 0x54 || buf[s + 3] !== 0x50 || buf[s + 4] !== 0x2f) {
      this.lineFail('bad-status-line', 'bad status line', buf, s, e);
    }
    let sp = s + 5;
    while (sp < e && buf[sp] !== SP) sp++;
    const minor = buf[s + 7]!;
    if (sp - s !== 8 || buf[s + 5] !== 0x31 || buf[s + 6] !== 0x2e || minor < 0x30 || minor > 0x39) {
      this.lineFail('bad-version', `unsupported HTTP version "${excerpt(buf, s, sp)}"`, buf, s, e);
    }
    const c = sp + 1;
    const d0 = buf[c]! - 0x30;
    const d1 = buf[c + 1]! - 0x30;
    const d2 = buf[c + 2]! - 0x30;
    if (
      c + 3 > e || d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 ||
      (c + 3 < e && buf[c + 3] !== SP)
    ) {
      this.lineFail('bad-status-code', 'bad status code', buf, s, e);
    }
    for (let i = c + 4; i < e; i++) {
      if (FIELD_VALUE[buf[i]!] === 0) this.lineFail('bad-status-line', 'invalid character in reason phrase', buf, s, e);
    }
    this.httpVersion = minor === 0x30 ? 10 : 11;
    this.statusCode = d0 * 100 + d1 * 10 + d2;
    this.statusMessage = c + 4 < e ? latin1(buf, c + 4, e) : '';
    this.state = HEADERS;
  }

  private parseField(buf: Buffer, s: number, e: number, list: Array<[string, string]>): void {
    const first = buf[s];
    if (first === SP || first === HTAB) {
      this.lineFail('obs-fold', 'header continuation line (obs-fold)', buf, s, e);
    }
    let i = s;
    let nameHash = 0;
    for (let c = buf[i]!; i < e && TOKEN[c] === 1; c = buf[++i]!) nameHash = hashStep(nameHash, c);
    if (i === e) this.lineFail('bad-header-name', 'header line without a colon', buf, s, e);
    if (buf[i] !== COLON || i === s) this.lineFail('bad-header-name', 'invalid header name', buf, s, e);
    if (list.length >= this.maxHeaders) {
      const what = list === this.trailers ? 'trailer' : 'header';
      this.fail('too-many-headers', `more than ${this.maxHeaders} ${what} fields`, excerpt(buf, s, e));
    }
    let vs = i + 1;
    while (vs < e && isOws(buf[vs])) vs++;
    let ve = e;
    while (ve > vs && isOws(buf[ve - 1])) ve--;
    let valueHash = 0;
    for (let j = vs; j < ve; j++) {
      const c = buf[j]!;
      if (FIELD_VALUE[c] === 0) {
        this.lineFail('bad-header-value', `invalid character 0x${c.toString(16).padStart(2, '0')} in header value`, buf, s, e);
      }
      valueHash = hashStep(valueHash, c);
    }
    list.push([NAMES.get(buf, s, i, nameHash), VALUES.get(buf, vs, ve, valueHash)]);
    if (list === this.headers) this.noteFraming(buf, s, i, vs, ve);
  }

  /** Content-Length, Transfer-Encoding and Connection decide framing and reuse. */
  private noteFraming(buf: Buffer, ns: number, ne: number, vs: number, ve: number): void {
    switch (ne - ns) {
      case 14:
        if (equalsLower(buf, ns, ne, CONTENT_LENGTH)) this.noteContentLength(buf, vs, ve);
        return;
      case 17:
        if (equalsLower(buf, ns, ne, TRANSFER_ENCODING)) {
          this.teSeen = true;
          this.forEachElement(buf, vs, ve, (a, b) => {
            if (this.teChunkedLast) this.teChunkedEarlier = true;
            this.teChunkedLast = equalsLower(buf, a, b, CHUNKED);
            if (!this.teChunkedLast) this.teOther = true;
          });
        }
        return;
      case 10:
        if (equalsLower(buf, ns, ne, CONNECTION)) {
          this.forEachElement(buf, vs, ve, (a, b) => {
            if (equalsLower(buf, a, b, CLOSE)) this.connClose = true;
            else if (equalsLower(buf, a, b, KEEP_ALIVE)) this.connKeepAlive = true;
          });
        }
        return;
    }
  }

  /** Calls visit(start, end) for each non-empty element of a comma-separated list, OWS trimmed. */
  private forEachElement(buf: Buffer, vs: number, ve: number, visit: (a: number, b: number) => void): void {
    let i = vs;
    while (i < ve) {
      let j = i;
      while (j < ve && buf[j] !== COMMA) j++;
      let a = i;
      let b = j;
      while (a < b && isOws(buf[a])) a++;
      while (b > a && isOws(buf[b - 1])) b--;
      if (b > a) visit(a, b);
      i = j + 1;
    }
  }

  /** A Content-Length value: digits, or a list of equal values ("5, 5") as RFC 9110 §8.6 lets a recipient accept. */
  private noteContentLength(buf: Buffer, vs: number, ve: number): void {
    let value = -1;
    let i = vs;
    for (;;) {
      const start = i;
      let n = 0;
      while (i < ve && buf[i]! >= 0x30 && buf[i]! <= 0x39) {
        n = n * 10 + buf[i]! - 0x30;
        if (n > Number.MAX_SAFE_INTEGER) this.valueFail('bad-content-length', 'is too large', buf, vs, ve);
        i++;
      }
      if (i === start) this.valueFail('bad-content-length', 'is not a number', buf, vs, ve);
      if (value >= 0 && n !== value) this.valueFail('conflicting-content-length', 'lists conflicting values', buf, vs, ve);
      value = n;
      while (i < ve && isOws(buf[i])) i++;
      if (i === ve) break;
      if (buf[i] !== COMMA) this.valueFail('bad-content-length', 'is not a number', buf, vs, ve);
      i++;
      while (i < ve && isOws(buf[i])) i++;
    }
    if (this.contentLength >= 0 && this.contentLength !== value) {
      this.fail('conflicting-content-length', `conflicting Content-Length values ${this.contentLength} and ${value}`, String(value));
    }
    this.contentLength = value;
  }

  private valueFail(reason: ParseErrorReason, problem: string, buf: Buffer, vs: number, ve: number): never {
    const text = excerpt(buf, vs, ve);
    return this.fail(reason, `Content-Length "${text}" ${problem}`, text);
  }

  private endHead(): void {
    const status = this.statusCode;
    if (status < 200) {
      if (status === 101) this.fail('switching-protocols-unsupported', '101 Switching Protocols is not supported', '101');
      if (++this.informational > this.maxInformational) {
        this.fail('too-many-informational', `more than ${this.maxInformational} 1xx responses before the final one`, String(status));
      }
      this.handler.onInformational?.(status);
      this.beginHead();
      return;
    }
    if (this.teSeen) {
      if (this.contentLength >= 0) {
        const te = this.headerValues(TRANSFER_ENCODING);
        this.fail('content-length-with-transfer-encoding', `both Content-Length and Transfer-Encoding "${te}"`, te);
      }
      if (!this.teChunkedLast || this.teChunkedEarlier) {
        const te = this.headerValues(TRANSFER_ENCODING);
        this.fail('bad-transfer-encoding', `Transfer-Encoding "${te}" does not end in a single chunked`, te);
      }
    }
    if (this.teOther && this.method !== 'HEAD' && status !== 204 && status !== 304) {
      // Never hand coded bytes on as if they were the body.
      const te = this.headerValues(TRANSFER_ENCODING);
      this.fail('unsupported-transfer-coding', `Transfer-Encoding "${te}": hiper decodes no transfer coding but chunked`, te);
    }
    if (this.method === 'CONNECT' && status < 300) this.fail('connect-unsupported', 'CONNECT tunnels are not supported', 'CONNECT');
    const noBody = this.method === 'HEAD' || status === 204 || status === 304;
    const closeDelimited = !noBody && !this.teSeen && this.contentLength < 0;
    this.keepAlive =
      !closeDelimited && !this.connClose && (this.httpVersion === 11 || this.connKeepAlive);
    const head: ResponseHead = {
      statusCode: status,
      statusMessage: this.statusMessage,
      httpVersion: this.httpVersion,
      headers: this.headers,
      keepAlive: this.keepAlive,
      contentLength: this.contentLength >= 0 ? this.contentLength : undefined,
      chunked: this.teSeen,
    };
    if (noBody) {
      this.handler.onHead(head);
      this.complete();
    } else if (this.teSeen) {
      this.nextChunk();
      this.handler.onHead(head);
    } else if (this.contentLength >= 0) {
      this.remaining = this.contentLength;
      this.state = BODY_LENGTH;
      this.handler.onHead(head);
      if (this.remaining === 0) this.complete();
    } else {
      this.state = BODY_EOF;
      this.handler.onHead(head);
    }
  }

  private headerValues(lowerName: Uint8Array): string {
    const name = Buffer.from(lowerName).toString('latin1');
    return this.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v).join(', ');
  }

  private parseChunkSize(buf: Buffer, s: number, e: number): void {
    let i = s;
    let size = 0;
    while (i < e) {
      const h = HEX[buf[i]!]!;
      if (h === 0xff) break;
      if (size >= CHUNK_SIZE_LIMIT) this.lineFail('bad-chunk-size', 'chunk size overflows', buf, s, e);
      size = size * 16 + h;
      i++;
    }
    if (i === s) this.lineFail('bad-chunk-size', 'bad chunk size', buf, s, e);
    while (i < e && isOws(buf[i])) i++;
    if (i < e) {
      if (buf[i] !== SEMICOLON) this.lineFail('bad-chunk-size', 'bad chunk size', buf, s, e);
      for (let j = i + 1; j < e; j++) {
        if (FIELD_VALUE[buf[j]!] === 0) this.lineFail('bad-chunk-extension', 'invalid character in chunk extension', buf, s, e);
      }
    }
    if (size === 0) {
      this.state = TRAILERS;
      this.budget = this.maxHeadSize;
      this.trailers = [];
    } else {
      this.remaining = size;
      this.state = CHUNK_DATA;
    }
  }

  /** The CRLF after chunk data (or a lone LF, unless rejectBareLf). */
  private chunkEnd(chunk: Buffer, pos: number): number {
    const b = chunk[pos];
    if (b === CR) {
      this.state = CHUNK_LF;
    } else if (b === LF && !this.rejectBareLf) {
      this.nextChunk();
    } else {
      const reason = b === LF ? 'bare-lf' : 'bad-chunk-end';
      const text = excerpt(chunk, pos, chunk.length, 20);
      this.fail(reason, `chunk data not followed by CRLF: "${text}"`, text);
    }
    return pos + 1;
  }

  private nextChunk(): void {
    this.state = CHUNK_SIZE;
    this.budget = this.maxHeadSize;
  }

  private endTrailers(): void {
    if (this.trailers.length > 0) this.handler.onTrailers?.(this.trailers);
    this.complete();
  }

  private complete(): void {
    // The handler has them; an idle connection keeps no reference.
    this.headers = NO_FIELDS;
    this.trailers = NO_FIELDS;
    this.responses++;
    this.state = this.keepAlive ? IDLE : CLOSED;
    this.handler.onComplete();
  }

  /** Fails on a line; a CR inside it is named first, as it is the likelier cause. */
  private lineFail(reason: ParseErrorReason, message: string, buf: Buffer, s: number, e: number): never {
    const text = excerpt(buf, s, e);
    const cr = buf.indexOf(CR, s);
    if (cr >= 0 && cr < e) this.fail('bare-cr', `CR not followed by LF in "${text}"`, text);
    return this.fail(reason, `${message}: "${text}"`, text);
  }

  private fail(reason: ParseErrorReason, message: string, input?: string): never {
    this.failure = new HiperError('ERR_HTTP_PARSE', `HTTP response ${this.responses + 1}: ${message}`, {
      input,
      details: { reason, response: this.responses + 1 },
    });
    throw this.failure;
  }
}
