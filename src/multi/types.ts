/**
 * The contract of src/multi: many transfers on one thread, over pooled connections, with HTTP/1.1
 * pipelining and leader queueing. The CLI, the benchmarks and the adapters build on these shapes.
 */
import type { BindMethod, Clock } from '../shared/index.js';
import type { ConnectTrace, Connector, TlsConnectOptions } from '../connect/types.js';
import type { EgressOptions } from '../connect/egress-options.js';
import type { Resolver } from '../resolve/types.js';
import type { ParserLimits, RequestBody } from './h1/types.js';
import type { ResponseBody } from './body/stream.js';
import type { RetryEvent, RetryOptions, RetryReason } from './curl-retry.js';

export type { RequestBody, ResponseBody, RetryEvent, RetryOptions, RetryReason };

/** Where a transfer's connection leaves from (connect's one egress vocabulary): part of the pool key, so never shared across egresses. */
export type { EgressOptions };

export interface TransferOptions extends EgressOptions {
  /** http:// or https://; IPv6 zone ids as in "http://[fe80::1%25eth0]:8080/". */
  url: string | URL;
  /** Default GET. */
  method?: string;
  headers?: Array<[string, string]> | Record<string, string | string[]>;
  /**
   * The request body. Given whole (string, Buffer, Uint8Array, an array of them): written as given
   * (writev), never concatenated, with Content-Length. Streamed (a Node Readable such as a file stream,
   * a web ReadableStream, any async iterable of bytes): read as it is sent, with backpressure, never
   * gathered; with Content-Length when a Content-Length header is given or the stream reads a whole
   * file, chunked otherwise (HTTP/1.1). A streamed body is never sent twice, so never retried.
   */
  body?: RequestBody;
  /** Time limit for connecting, ms (resolve + attempts + TLS); default the Multi's. */
  connectTimeout?: number;
  /** Time limit for the whole transfer, ms; default the Multi's (none). */
  timeout?: number;
  /** Low-speed limit (curl --speed-limit / --speed-time): fewer than `bytes` per second for `seconds`. */
  lowSpeed?: { bytes: number; seconds: number };
  /** TLS options for https (CA, verification, ALPN); SNI is the URL's host name. */
  tls?: Omit<TlsConnectOptions, 'servername'>;
  /**
   * HTTP version: the Multi's default unless given. '1.0' (curl --http1.0) sends an HTTP/1.0 request
   * line over HTTP/1.1 connections (https offers only http/1.1 in ALPN).
   */
  httpVersion?: HttpVersionChoice | '1.0';
  /**
   * Body slices as they arrive (the socket's own Buffers, not copies). When given, the result's body is
   * empty. A promise returned holds the connection (it reads nothing more) until it settles, and `done`
   * waits for it; a rejection ends the transfer with ERR_ABORTED.
   */
  onData?: ((chunk: Buffer) => void) | ((chunk: Buffer) => PromiseLike<unknown>);
  /**
   * Take the body as a stream: `transfer.response` resolves with the head and a body that is an async
   * iterable of Buffers (and has stream() for a web ReadableStream), read with backpressure. `done`
   * still settles, with an empty body, when the whole response has arrived.
   *
   * A GET taken as a stream (this or onData) whose body is cut off after part of it was delivered is
   * resumed when the server allows it (a 200 or 206 with Accept-Ranges: bytes and a strong ETag or a
   * Last-Modified): the rest is asked for with Range and If-Range on a new connection and goes on to the
   * same reader, seamless. If the server cannot continue the same body, the transfer ends with
   * ERR_RESUME_FAILED after the bytes already delivered. Bounded by MultiOptions.maxTries sends, each
   * resume having brought new bytes.
   */
  stream?: boolean;
  /**
   * This PUT or DELETE may be sent again after a broken connection (RFC 9110 §9.2.2). GET, HEAD and
   * OPTIONS always may; other methods never, whatever this says.
   */
  idempotent?: boolean;
  /**
   * Largest response body taken, bytes (curl --max-filesize): a larger announced Content-Length ends
   * the transfer with ERR_BODY_TOO_LARGE at the head, a body without one as soon as it passes the limit.
   * Default: the Multi's (none); a buffered body is always limited to what one Buffer holds.
   */
  maxBodySize?: number;
  /** The response head, before any body. */
  onHeaders?: (response: ResponseHead) => void;
  /**
   * curl's --retry: a run that ends with a transient error (a timeout, a failed lookup, a connection or
   * HTTP/2 stream broken under it; with `connRefused` a refused connect; with `allErrors` any error but
   * the caller's own) or with status 408, 429, 500, 502, 503 or 504 is run again after a delay (see
   * curl-retry.ts), on a new or pooled connection. Nothing of a run that is retried reaches the caller
   * (no head, no byte); an error after something reached it is not retried, and neither is a transfer
   * with a streamed body (it cannot be sent twice). When the retries are used up, the last response is
   * the result. `timeout` bounds all runs together; `info.retries` counts the runs after the first.
   */
  retry?: RetryOptions;
}

export interface ResponseHead {
  status: number;
  statusMessage: string;
  /** '1.0', '1.1' or '2'. */
  httpVersion: string;
  /** Raw pairs in arrival order. */
  headers: Array<[string, string]>;
}

/** The response of a transfer added with `stream: true`, once its head arrived. */
export interface StreamedResponse extends ResponseHead {
  body: ResponseBody;
}

export interface TransferResult extends ResponseHead {
  body: Buffer;
  trailers: Array<[string, string]>;
  info: TransferInfo;
}

/** Like CURLINFO_*: what happened to one transfer. Times in ms. */
export interface TransferInfo {
  id: number;
  url: string;
  method: string;
  /** Clock time the transfer was added (the Multi's clock); every phase below is relative to it. */
  startTime: number;
  timings: {
    /** Name resolved (0 on a reused connection). */
    namelookup: number;
    /** TCP connected (0 on a reused connection). */
    connect: number;
    /** TLS done (0 for plain http and reused connections). */
    appconnect: number;
    /** Request written to the socket. */
    pretransfer: number;
    /** First response byte. */
    starttransfer: number;
    /** Done (or failed). */
    total: number;
  };
  /** The connection that carried the (last try of the) transfer; unset if none was reached. */
  connectionId?: number;
  /** The transfer went on a connection that existed before it. */
  reused: boolean;
  /** New connections this transfer opened (curl's num_connects). */
  numConnects: number;
  /** Requests ahead of this one on its connection when it was written (0: first in line). */
  pipelinePosition: number;
  /** Times the request was sent: 1, more after retries on new connections (MultiOptions.maxTries) and TransferOptions.retry. */
  tries: number;
  /** Runs after the first, by TransferOptions.retry (curl's num_retries); set on every transfer's info (optional for infos made elsewhere). */
  retries?: number;
  /**
   * Times a streamed GET cut off in the middle of its body was resumed with a range request (each one
   * also counted in tries); absent when none was.
   */
  resumes?: number;
  httpVersion?: string;
  status?: number;
  local?: { address: string; port: number };
  remote?: { address: string; port: number };
  interface?: string;
  /** The link the packets really leave through (see ConnectTrace.egressInterface), when an egress was asked for. */
  egressInterface?: string;
  bindMethod?: BindMethod;
  /** ALPN protocol and TLS version, on https. */
  alpn?: string;
  tlsVersion?: string;
  sizeUpload: number;
  sizeDownload: number;
  /** The trace of the connection's connect(), for transfers that opened it. */
  connectTrace?: ConnectTrace;
  /** The error code, if the transfer failed. */
  error?: string;
}

/** What a connection chooser sees of one candidate connection. */
export interface ConnectionView {
  id: number;
  /** Requests written and not yet answered. */
  depth: number;
  /** Body bytes still expected on the response being received (Infinity when not known). */
  bytesOutstanding: number;
  /** ms since the connection was made. */
  ageMs: number;
  remote: { address: string; port: number };
}

/**
 * Decides where a pipelinable transfer goes when every pipeline already has requests in it: a
 * candidate's id, 'new' for a new connection (honoured within the limits), or 'wait'.
 * `canOpen` says whether the limits allow a new connection now. A chooser that throws, or answers an id
 * that is no candidate's, ends that transfer with ERR_INVALID_ARGUMENT (input 'chooseConnection' when it threw).
 */
export type ConnectionChooser = (candidates: readonly ConnectionView[], canOpen: boolean) => number | 'new' | 'wait';

/**
 * Which HTTP versions https transfers offer in ALPN. 'auto' (the default) and '2' (curl --http2) offer
 * h2 and http/1.1 and take what the server picks; '1.1' (curl --http1.1) offers only http/1.1, and
 * such connections are pooled apart. Plain http is always HTTP/1.1 (hiper does no h2c).
 */
export type HttpVersionChoice = 'auto' | '1.1' | '2';

export interface MultiOptions {
  /** Default 'auto'. */
  httpVersion?: HttpVersionChoice;
  /** HTTP/1.1 pipelining of GET and HEAD (libcurl's CURLMOPT_PIPELINING); default false. */
  pipelining?: boolean;
  /** Requests in flight on one connection; default 5 (libcurl's CURLMOPT_MAX_PIPELINE_LENGTH). */
  maxPipelineLength?: number;
  /** Connections in all; default unlimited. */
  maxConnections?: number;
  /** Connections per host (scheme, host, port, egress); default 6. */
  maxConnectionsPerHost?: number;
  /** Idle connections older than this are closed, ms; default 118000 (libcurl's connection max age). */
  maxIdleTime?: number;
  /**
   * A connection receiving a body larger than this many bytes is not chosen for more pipelined requests
   * (libcurl's content-length penalty); default 1 MiB.
   */
  pipelinePenaltySize?: number;
  chooseConnection?: ConnectionChooser;
  /** Defaults for every transfer. */
  connectTimeout?: number;
  timeout?: number;
  /** Default maxBodySize of every transfer (curl --max-filesize); none unless given. */
  maxBodySize?: number;
  /**
   * Most times a request is sent when connections break before answering it (retry.ts): once more in any
   * case, and again while its host keeps answering other requests; default 5. Also bounds the sends of a
   * streamed body resumed after cut-offs (1: never resumed).
   */
  maxTries?: number;
  tls?: Omit<TlsConnectOptions, 'servername'>;
  /** Limits on response heads and trailers (HTTP/1.1 and HTTP/2), and on 1xx responses before the final one. */
  parserLimits?: ParserLimits;
  connector?: Connector;
  resolver?: Resolver;
  clock?: Clock;
}

/** Counters of a Multi, like curl_multi_info / the stats of an undici Pool. */
export interface MultiStats {
  transfersRunning: number;
  transfersQueued: number;
  connections: number;
  connectionsIdle: number;
  connectionsOpened: number;
  connectionsClosedIdle: number;
  retries: number;
}

/** One transfer added to a Multi. */
export interface Transfer {
  readonly id: number;
  /** Settles exactly once: the response, or a HiperError (ERR_ABORTED after remove()). */
  readonly done: Promise<TransferResult>;
  /** Live info; final once done settles. */
  readonly info: TransferInfo;
  /**
   * With `stream: true`: settles when the final head arrives (or the transfer fails first), with the
   * body to read. Reading it takes over error handling: `done` is then marked handled. Without
   * `stream: true`, reading this throws ERR_INVALID_ARGUMENT.
   */
  readonly response: Promise<StreamedResponse>;
}

/** The Multi's public face (src/multi/multi.ts implements it). */
export interface MultiApi {
  /**
   * Adds a transfer. Bad input throws a HiperError naming it, before anything is sent. Like libcurl's
   * curl_multi_add_handle it starts nothing itself: the transfers added together (in one callback, or
   * in promise reactions queued together) are placed on connections together, in a promise reaction
   * queued by the first of them.
   */
  add(options: TransferOptions): Transfer;
  /** Ends a transfer at any time (ERR_ABORTED); its connection stays usable where the protocol allows. */
  remove(transfer: Transfer): boolean;
  /** ms until the next timer expiry (curl_multi_timeout), -1 when none is set. */
  timeout(): number;
  stats(): MultiStats;
  /** Ends every transfer still running (ERR_ABORTED) and closes every connection. */
  close(): Promise<void>;
}
