/**
 * Whether a transfer that a closed connection handed back unanswered is sent again, on a new
 * connection, or fails, and with which error. Pure: the Multi applies the verdict.
 *
 * RFC 9112 §9.3.2: a request that got no answer may be sent again when it is idempotent (RFC 9110
 * §9.2.2): GET, HEAD and OPTIONS, and PUT or DELETE when the caller says so. RFC 9113 §8.7: a stream the
 * server did not process (above its GOAWAY's last stream id, or refused) may be sent again whatever its
 * method. Either way only when nothing of its response reached the caller, and only when its body can
 * be sent again (a streamed body was read as it was sent).
 *
 * How often: once; and again while the server keeps making progress (its host answered some request
 * since this one's previous try, as a server's keepalive_requests does), up to `maxTries` sends in all.
 * So a request fails only after two tries in a row with no answer to anyone between them.
 */

/** What the decision looks at. */
export interface HandedBack {
  /** May be sent again after a broken connection (isIdempotent). */
  idempotent: boolean;
  /** Its body can be sent again: false for a streamed body. */
  replayable: boolean;
  /** Something of its response (the head, a body byte) reached the caller: sending again would repeat it. */
  handedOut: boolean;
  /** Times the request was sent so far (1 after its first try). */
  tries: number;
  /** Most sends in all. */
  maxTries: number;
  /** Its connection was an HTTP/2 session. */
  multiplexed: boolean;
  /** The connection marked it unprocessed (only sessions do). */
  unprocessed: boolean;
  /** Its host answered some request since this one's previous try (the send before the last). */
  progress: boolean;
}

/**
 * 'retry'; ERR_PIPELINE_ABORTED for an idempotent request whose tries are used up;
 * ERR_CONNECTION_CLOSED for one that may not be sent again.
 */
export type RetryVerdict = 'retry' | 'ERR_PIPELINE_ABORTED' | 'ERR_CONNECTION_CLOSED';

export function retryVerdict(h: HandedBack): RetryVerdict {
  const unprocessed = h.multiplexed && h.unprocessed;
  if (!h.replayable || h.handedOut || !(h.idempotent || unprocessed)) return 'ERR_CONNECTION_CLOSED';
  if (h.tries < h.maxTries && (h.tries < 2 || h.progress)) return 'retry';
  return h.idempotent ? 'ERR_PIPELINE_ABORTED' : 'ERR_CONNECTION_CLOSED';
}

/** Default of MultiOptions.maxTries. */
export const DEFAULT_MAX_TRIES = 5;

const ALWAYS_IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
const IDEMPOTENT_WHEN_SAID = new Set(['PUT', 'DELETE']);

/**
 * May be sent again after a broken connection: GET, HEAD and OPTIONS; PUT and DELETE when the caller
 * says so (`said`). A GET or HEAD with a body is not counted: its body's meaning is undefined.
 */
export function isIdempotent(method: string, hasBody: boolean, said = false): boolean {
  if (ALWAYS_IDEMPOTENT.has(method)) return !hasBody || method === 'OPTIONS';
  return said && IDEMPOTENT_WHEN_SAID.has(method);
}

/** May be pipelined (libcurl's rule): GET and HEAD without a body. */
export function isPipelinable(method: string, hasBody: boolean): boolean {
  return (method === 'GET' || method === 'HEAD') && !hasBody;
}
