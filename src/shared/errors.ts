/**
 * hiper's one error family. Every failure that reaches a caller is a HiperError with a stable string
 * `code`, the `input` it is about (the interface spec, the host, the header...) and, where another error
 * caused it, that error as `cause`. Each code is documented once, here, with the libcurl CURLE_* it
 * corresponds to and the CLI exit code derived from it.
 */

export interface ErrorCodeInfo {
  /** What the code means, in one line. */
  readonly meaning: string;
  /** The libcurl result code it corresponds to. */
  readonly curl: string;
  /** curl's numeric exit code for that result (what `hiper` exits with). */
  readonly exit: number;
}

export const ERROR_CODES = {
  ERR_INVALID_ARGUMENT: { meaning: 'an option or argument has the wrong type or value', curl: 'CURLE_BAD_FUNCTION_ARGUMENT', exit: 43 },
  ERR_INVALID_INTERFACE_SPEC: { meaning: 'an interface spec ("if!NAME", "host!HOST", ...) is malformed', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  ERR_INTERFACE_NOT_FOUND: { meaning: 'no interface of that name exists', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  ERR_INTERFACE_NO_ADDRESS: { meaning: 'the interface has no usable address for any remote address', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  ERR_INVALID_ADDRESS: { meaning: 'an IP address (or address with zone id) does not parse', curl: 'CURLE_URL_MALFORMAT', exit: 3 },
  ERR_UNKNOWN_ZONE: { meaning: 'an IPv6 zone id names no interface', curl: 'CURLE_URL_MALFORMAT', exit: 3 },
  ERR_DEVICE_BIND_UNAVAILABLE: { meaning: 'device binding was required (strict) but the addon is not loaded', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  ERR_DEVICE_BIND_FAILED: { meaning: 'the kernel refused to bind a socket to the device or local address', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  ERR_EGRESS_LOST: { meaning: 'the link or local address a connection left through went away (link down or removed, address removed)', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  ERR_LOCAL_PORT_EXHAUSTED: { meaning: 'every port of the local port range is in use', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  // The local end could not be set up as asked, as when SO_BINDTODEVICE is refused (curl: 45).
  ERR_SOCKET_OPTION_FAILED: { meaning: 'the kernel refused a socket option (fwmark, tos, priority, TCP user timeout, keep-alive, freebind, or one a beforeConnect hook set); names the option and the errno (SO_MARK needs CAP_NET_ADMIN)', curl: 'CURLE_INTERFACE_FAILED', exit: 45 },
  // curl's CURLOPT_SOCKOPTFUNCTION returning CURL_SOCKOPT_ERROR ends the same way.
  ERR_BEFORE_CONNECT_FAILED: { meaning: 'the beforeConnect hook threw; the error it threw is the cause', curl: 'CURLE_ABORTED_BY_CALLBACK', exit: 42 },
  // A feature this build lacks (the addon is not loaded, or predates socket options).
  ERR_SOCKET_OPTION_UNAVAILABLE: { meaning: 'socket options (or freebind) were asked for, but the native addon that sets them is not loaded', curl: 'CURLE_NOT_BUILT_IN', exit: 4 },
  ERR_INVALID_RESOLVE_ENTRY: { meaning: 'a --resolve or --connect-to entry is malformed', curl: 'CURLE_BAD_FUNCTION_ARGUMENT', exit: 43 },
  ERR_DNS_NOT_FOUND: { meaning: 'the name does not exist (NXDOMAIN) or has no address of the wanted family', curl: 'CURLE_COULDNT_RESOLVE_HOST', exit: 6 },
  ERR_DNS_SERVFAIL: { meaning: 'the DNS server failed to answer (SERVFAIL)', curl: 'CURLE_COULDNT_RESOLVE_HOST', exit: 6 },
  ERR_DNS_REFUSED: { meaning: 'the DNS server refused the query (REFUSED)', curl: 'CURLE_COULDNT_RESOLVE_HOST', exit: 6 },
  ERR_DNS_FAILED: { meaning: 'the lookup failed for another reason (network, bad reply)', curl: 'CURLE_COULDNT_RESOLVE_HOST', exit: 6 },
  ERR_DOH_BAD_RESPONSE: { meaning: 'a DNS-over-HTTPS answer is malformed, truncated, too large or of the wrong type', curl: 'CURLE_COULDNT_RESOLVE_HOST', exit: 6 },
  ERR_CONNECT_ALL_FAILED: { meaning: 'every connection attempt failed; the error carries each attempt', curl: 'CURLE_COULDNT_CONNECT', exit: 7 },
  ERR_TIMEOUT: { meaning: 'an operation took longer than its time limit', curl: 'CURLE_OPERATION_TIMEDOUT', exit: 28 },
  ERR_TLS: { meaning: 'the TLS handshake failed or the peer certificate was refused', curl: 'CURLE_SSL_CONNECT_ERROR', exit: 35 },
  ERR_HTTP_PARSE: { meaning: 'the server sent a malformed HTTP response', curl: 'CURLE_WEIRD_SERVER_REPLY', exit: 8 },
  ERR_INVALID_HEADER: { meaning: 'a request header name or value is not allowed (CR, LF, bad token)', curl: 'CURLE_BAD_FUNCTION_ARGUMENT', exit: 43 },
  ERR_INVALID_URL: { meaning: 'a URL does not parse or has an unsupported scheme', curl: 'CURLE_URL_MALFORMAT', exit: 3 },
  ERR_PIPELINE_ABORTED: { meaning: 'the connection closed before the response and the one retry also failed', curl: 'CURLE_GOT_NOTHING', exit: 52 },
  ERR_CONNECTION_CLOSED: { meaning: 'the connection closed before the response was complete', curl: 'CURLE_RECV_ERROR', exit: 56 },
  ERR_RESUME_FAILED: { meaning: 'a body cut off after part of it was delivered could not be resumed: the range request got something other than the rest of the same representation', curl: 'CURLE_RANGE_ERROR', exit: 33 },
  ERR_HTTP2: { meaning: 'an HTTP/2 stream or session error (GOAWAY, RST_STREAM, refused stream)', curl: 'CURLE_HTTP2_STREAM', exit: 92 },
  ERR_BODY_TOO_LARGE: { meaning: 'the response body is larger than maxBodySize (curl --max-filesize) or than one Buffer can hold', curl: 'CURLE_FILESIZE_EXCEEDED', exit: 63 },
  ERR_READ_BODY: { meaning: 'the request body source failed, or gave a different number of bytes than announced', curl: 'CURLE_READ_ERROR', exit: 26 },
  ERR_READ_CONFIG: { meaning: 'a config file (curl -K) could not be read', curl: 'CURLE_READ_ERROR', exit: 26 },
  ERR_WRITE_OUTPUT: { meaning: 'output could not be written (an -o or --waterfall file, or a closed stdout)', curl: 'CURLE_WRITE_ERROR', exit: 23 },
  ERR_TOO_MANY_REDIRECTS: { meaning: 'a redirect came after the most redirects allowed were followed (curl --max-redirs)', curl: 'CURLE_TOO_MANY_REDIRECTS', exit: 47 },
  ERR_REWIND_FAILED: { meaning: 'a redirect asks for the request body again, and a streamed body cannot be sent twice', curl: 'CURLE_SEND_FAIL_REWIND', exit: 65 },
  ERR_BAD_CONTENT_ENCODING: { meaning: 'the response body has a Content-Encoding that cannot be decoded (unknown, or a corrupt stream)', curl: 'CURLE_BAD_CONTENT_ENCODING', exit: 61 },
  ERR_RANGE_NOT_SUPPORTED: { meaning: 'a resumed download (curl -C) got the whole body (200) instead of the rest (206)', curl: 'CURLE_RANGE_ERROR', exit: 33 },
  ERR_ABORTED: { meaning: 'the transfer was removed or the multi handle closed before it ended', curl: 'CURLE_ABORTED_BY_CALLBACK', exit: 42 },
  ERR_WORKER_LOST: { meaning: 'the worker thread running the transfer (ShardedMulti) ended before it did; a new worker takes its place', curl: 'CURLE_RECV_ERROR', exit: 56 },
} as const satisfies Record<string, ErrorCodeInfo>;

export type HiperErrorCode = keyof typeof ERROR_CODES;

export interface HiperErrorOptions {
  /** The input the error is about: a spec, a host, an entry, a header. */
  input?: unknown;
  cause?: unknown;
  /** Structured detail: attempts, skips, errno... */
  details?: Record<string, unknown>;
}

export class HiperError extends Error {
  readonly code: HiperErrorCode;
  readonly input: unknown;
  readonly details: Record<string, unknown>;

  constructor(code: HiperErrorCode, message: string, options: HiperErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HiperError';
    this.code = code;
    this.input = options.input;
    this.details = options.details ?? {};
  }

  /** curl's exit code for this error (used by the CLI). */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

export function isHiperError(err: unknown, code?: HiperErrorCode): err is HiperError {
  return err instanceof HiperError && (code === undefined || err.code === code);
}

/** The errno-style code of a Node system error ("ECONNREFUSED"), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
