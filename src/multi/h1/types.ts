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
  /** Content-Length, if given; undefined for chunked or close-delimited bodies. */
  contentLength?: number;
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
  /** Maximum size of a response head (status line + headers), bytes; default 64 KiB. */
  maxHeadSize?: number;
  /** Maximum number of header fields; default 200. */
  maxHeaders?: number;
}

export interface ResponseParserApi {
  /** Feed bytes from the socket. Throws HiperError ERR_HTTP_PARSE (message names what was wrong). */
  execute(chunk: Buffer): void;
  /**
   * The socket ended. Completes a close-delimited body; throws ERR_HTTP_PARSE if a response was
   * incomplete (mid-head, mid-chunk, short Content-Length); a no-op between responses.
   */
  finish(): void;
  /** True while between responses (nothing of the next one read yet). */
  readonly idle: boolean;
}

export interface RequestSpec {
  method: string;
  /** Origin-form target: "/path?query". */
  path: string;
  /** Host header value: "example.com:8080", "[fe80::1]:8080". */
  host: string;
  headers?: Array<[string, string]> | Record<string, string | string[]>;
  /** A body: Buffers are written as given (writev), never concatenated. */
  body?: Buffer | Buffer[] | string;
}
