/**
 * The contract of hiper's HTTP/1.1 wire code (src/multi/h1): an incremental response parser that reads
 * back-to-back (pipelined) responses, and a request writer. The hot path: no copies of bodies, no
 * per-byte allocations, no regular expressions per byte.
 */

export interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  httpVersion: 10 | 11;
  /** Raw header pairs in arrival order, names as received. */
  headers: Array<[name: string, value: string]>;
  /** Whether the connection may carry another response after this one (version + Connection header). */
  keepAlive: boolean;
  /**
   * Content-Length, if given (also on HEAD, 204 and 304 responses, where it describes a body that is
   * not sent); undefined for chunked or close-delimited bodies.
   */
  contentLength?: number;
  /** Transfer-Encoding ends in chunked (on a HEAD, 204 or 304 response no body follows all the same). */
  chunked: boolean;
}

/** What the parser tells the connection, in order, for each response. */
export interface ResponseHandler {
  /**
   * Called when the first byte of a new response arrives: returns the method of the request it answers
   * (the oldest outstanding one), or undefined when no request is outstanding; the parser then fails
   * with ERR_HTTP_PARSE ("data with no request outstanding").
   */
  onResponseStart(): string | undefined;
  /** A 1xx interim response was skipped (101 is not supported and is a parse error). */
  onInformational?(statusCode: number): void;
  onHead(head: ResponseHead): void;
  /** A slice of the socket's own Buffer: not copied, valid as long as the caller keeps it. */
  onBody(chunk: Buffer): void;
  /** Trailer fields of a chunked body. */
  onTrailers?(trailers: Array<[string, string]>): void;
  /** The response is complete; the next byte starts the next response. */
  onComplete(): void;
}

export interface ParserLimits {
  /**
   * Maximum size of a response head (status line + headers, line ends included), bytes; default 64 KiB.
   * The same limit applies to the trailer section and to one chunk-size line.
   */
  maxHeadSize?: number;
  /** Maximum number of header fields (and, separately, of trailer fields); default 200. */
  maxHeaders?: number;
  /**
   * Refuse a line ended by LF alone ('bare-lf'). Default false: as RFC 9112 §2.2 allows a recipient,
   * a lone LF ends a line of the head, of a chunk-size line, of trailers and after chunk data. A CR
   * that is not followed by LF is always refused ('bare-cr').
   */
  rejectBareLf?: boolean;
  /** Most 1xx (interim) responses before the final one; more is 'too-many-informational'. Default 10. */
  maxInformational?: number;
}

/** details.reason of an ERR_HTTP_PARSE error: a stable token naming what was wrong. */
export type ParseErrorReason =
  | 'bad-status-line'
  | 'bad-version'
  | 'bad-status-code'
  | 'bad-header-name'
  | 'bad-header-value'
  | 'obs-fold'
  | 'bare-cr'
  | 'bare-lf'
  | 'head-too-large'
  | 'too-many-headers'
  | 'bad-content-length'
  | 'conflicting-content-length'
  | 'content-length-with-transfer-encoding'
  | 'bad-transfer-encoding'
  | 'bad-chunk-size'
  | 'bad-chunk-extension'
  | 'bad-chunk-end'
  | 'unexpected-data'
  | 'switching-protocols-unsupported'
  | 'connect-unsupported'
  | 'too-many-informational'
  | 'unsupported-transfer-coding'
  | 'incomplete';

export interface ResponseParserApi {
  /**
   * Feed bytes from the socket. Throws HiperError ERR_HTTP_PARSE (message names what was wrong,
   * details.reason is a ParseErrorReason); after that every call throws the same error.
   * Bytes that follow a response that ended the connection (keepAlive false) are discarded: the
   * connection is done, and requests still outstanding were not answered.
   */
  execute(chunk: Buffer): void;
  /**
   * The socket ended. Completes a close-delimited body; throws ERR_HTTP_PARSE if a response was
   * incomplete (mid-head, mid-chunk, short Content-Length); a no-op between responses.
   */
  finish(): void;
  /** True while between responses (nothing of the next one read yet). */
  readonly idle: boolean;
  /**
   * Stops parsing after the current step (a callback may call it, typically from onBody): the rest of
   * the chunk is held, and so is anything execute() is given until resume().
   */
  pause(): void;
  /** Parses what was held, synchronously (its callbacks run inside); may throw as execute() does. */
  resume(): void;
  readonly isPaused: boolean;
}

/** What a request body may be (see RequestSpec.body). */
export type RequestBody = string | Uint8Array | readonly Uint8Array[] | AsyncIterable<Uint8Array | string>;

export interface RequestSpec {
  method: string;
  /** Origin-form target: "/path?query". */
  path: string;
  /** Host header value: "example.com:8080", "[fe80::1]:8080". */
  host: string;
  headers?: Array<[string, string]> | Record<string, string | string[]>;
  /**
   * A body: Buffers (or Uint8Arrays) are written as given (writev), never concatenated; a string is
   * encoded as UTF-8; both are sent with Content-Length (a given Content-Length header must match it).
   * An async iterable (a Node Readable, a web ReadableStream, a generator) is read as it is sent: with
   * its Content-Length when given or when it is a file stream of a whole file, chunked otherwise.
   */
  body?: RequestBody;
}
