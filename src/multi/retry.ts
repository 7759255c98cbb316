/**
 * Whether a transfer that a closed connection handed back unanswered is sent again, on a new
 * connection, or fails, and with which error. Pure: the Multi applies the verdict.
 *
 * RFC 9112 §9.3.2: a request that got no answer may be sent again when it is idempotent; hiper counts
 * only GET and HEAD without a body as such (the requests it also pipelines), and retries them once.
 * A streamed request body was read as it was sent: such a request is never sent again.
 * RFC 9113 §8.7: a stream the server did not process (above its GOAWAY's last stream id, or refused)
 * may be sent again whatever its method. While sessions keep answering some streams before going away
 * (a server's keepalive_requests), that is progress, and does not use up the one retry.
 */

/** What the decision looks at. */
export interface HandedBack {
  /** GET or HEAD without a body (isIdempotent). */
  idempotent: boolean;
  /** Its body can be sent again: false for a streamed body (it was read as it was sent). */
  replayable: boolean;
  /** Times the request was written so far (1 after its first try). */
  tries: number;
  /** Its connection was an HTTP/2 session. */
  multiplexed: boolean;
  /** The connection marked it unprocessed (only sessions do). */
  unprocessed: boolean;
  /** The connection got at least one final response head before it went. */
  answeredOthers: boolean;
}

/**
 * 'retry'; ERR_PIPELINE_ABORTED for an idempotent request that was already tried once;
 * ERR_CONNECTION_CLOSED for one that is not idempotent and was not marked unprocessed.
 */
export type RetryVerdict = 'retry' | 'ERR_PIPELINE_ABORTED' | 'ERR_CONNECTION_CLOSED';

export function retryVerdict(h: HandedBack): RetryVerdict {
  if (!h.replayable) return 'ERR_CONNECTION_CLOSED';
  const unprocessed = h.multiplexed && h.unprocessed;
  const progressed = unprocessed && h.answeredOthers;
  if ((h.idempotent || unprocessed) && (h.tries < 2 || progressed)) return 'retry';
  return h.idempotent ? 'ERR_PIPELINE_ABORTED' : 'ERR_CONNECTION_CLOSED';
}

/** GET or HEAD without a body: may be pipelined, and retried after a connection closed unanswered. */
export function isIdempotent(method: string, hasBody: boolean): boolean {
  return (method === 'GET' || method === 'HEAD') && !hasBody;
}
