/**
 * A transfer's request: checked once, when the transfer is added (bad input throws from add(), before
 * anything is sent), and encoded only for the protocol that carries it. The HTTP/1.1 bytes are made
 * when an HTTP/1.1 connection first writes the request, and kept for a retry; an HTTP/2 session builds
 * its header block from the checked parts (h2-headers.ts).
 */
import { checkInterfaceOptions } from '../connect/link-list.js';
import { parseTargetUrl, type TargetUrl } from '../shared/url.js';
import { checkTransferOptions } from './options.js';
import { checkRequest, type CheckedRequest } from './h1/request-check.js';
import { encodeChecked, encodeRequest, type EncodedRequest } from './h1/writer.js';
import type { BodySource } from './body/upload.js';
import type { TransferOptions } from './types.js';

export class PreparedRequest {
  private encoded: EncodedRequest | undefined;

  constructor(
    readonly checked: CheckedRequest,
    /** No headers and no body: shared by every transfer that asks the same (see PLAIN). */
    private readonly plain: boolean,
    /** Sent with an HTTP/1.0 request line (TransferOptions.httpVersion '1.0'). */
    private readonly http10 = false,
  ) {}

  get body(): Buffer[] {
    return this.checked.body;
  }

  /** Undefined for a streamed body of unknown size. */
  get bodySize(): number | undefined {
    return this.checked.bodySize;
  }

  /** A body read as it is sent. */
  get source(): BodySource | undefined {
    return this.checked.source;
  }

  /** The HTTP/1.1 form, made on first use. */
  h1(): EncodedRequest {
    if (this.encoded === undefined) {
      const c = this.checked;
      // Through encodeRequest's own cache of plain requests: their head is a Buffer of its own.
      this.encoded = this.plain ? encodeRequest({ method: c.method, path: c.path, host: c.host }) : encodeChecked(c, this.http10 ? '1.0' : '1.1');
    }
    return this.encoded;
  }
}

/** Requests without headers or body (a client repeating GETs) are checked once, by "METHOD path host". */
const PLAIN = new Map<string, PreparedRequest>();
const PLAIN_MAX = 256;

/** Checks a transfer's request; throws a HiperError naming what is wrong. */
export function prepareRequest(options: TransferOptions, target: TargetUrl, method: string): PreparedRequest {
  const http10 = options.httpVersion === '1.0';
  if (!options.headers && options.body === undefined && !http10) {
    const key = `${method} ${target.path} ${target.authority}`;
    let prepared = PLAIN.get(key);
    if (prepared === undefined) {
      prepared = new PreparedRequest(checkRequest({ method, path: target.path, host: target.authority }), true);
      if (PLAIN.size >= PLAIN_MAX) PLAIN.delete(PLAIN.keys().next().value!);
      PLAIN.set(key, prepared);
    }
    return prepared;
  }
  const spec = { method, path: target.path, host: target.authority, ...(options.headers ? { headers: options.headers } : {}), ...(options.body !== undefined ? { body: options.body } : {}) };
  return new PreparedRequest(checkRequest(spec), false, http10);
}

/** What add() checks of a transfer, in Multi and ShardedMulti alike: bad input throws, naming it, before anything is sent. */
export function checkedTransfer(options: TransferOptions): { target: TargetUrl; method: string; request: PreparedRequest } {
  checkTransferOptions(options);
  if (options.interface !== undefined || options.failback !== undefined) checkInterfaceOptions(options);
  const target = parseTargetUrl(options.url);
  const method = options.method ?? 'GET';
  return { target, method, request: prepareRequest(options, target, method) };
}
