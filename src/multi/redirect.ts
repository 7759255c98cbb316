/**
 * Where a redirect leads, as curl 7.88 follows it (-L): the next URL (the Location resolved against the
 * current one), the next method, whether the request body goes along, and which headers must not.
 * Pure: the caller runs the next request (a new transfer on the same Multi, so the same egress, DNS and
 * TLS settings apply to every hop).
 */

/** The statuses that are followed: 301, 302, 303, 307, 308. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** The request that got the redirect. */
export interface RedirectFrom {
  url: string | URL;
  /** What the request is: 'GET', 'HEAD', 'POST' (a body), 'PUT' (an upload)... */
  method: string;
  /** The verb sent when it is not the method's own (curl -X): kept on every hop, as curl does. */
  verb?: string;
  /** A request body was sent. */
  body: boolean;
  /** Where the credentials were given for (curl: the first URL); default `url`. */
  origin?: string | URL;
}

export interface RedirectStep {
  /** The absolute URL to request next. */
  url: string;
  method: string;
  /** The verb to send: `verb` when one was given, else `method`. */
  verb: string;
  /** The body is sent again (307, 308, and 301/302 of anything but POST). */
  body: boolean;
  /** Scheme, host and port are those of `origin`. */
  sameOrigin: boolean;
  /** Request header names (lower case) not to send on the next hop. */
  dropHeaders: string[];
}

/** Headers that describe a request body (fetch's request-body-header names): dropped with the body. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
/** Credentials that stay with the origin they were given for (curl drops them unless --location-trusted). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie'];

/**
 * The next request after a response with `status` and `location`, or undefined when the response is
 * not a redirect to follow (another status, or no Location). `trusted`: credentials go to any host
 * (curl --location-trusted). A Location that does not parse as a URL throws a TypeError.
 */
export function nextRedirect(from: RedirectFrom, status: number, location: string | undefined, trusted = false): RedirectStep | undefined {
  if (!REDIRECT_STATUSES.has(status) || location === undefined || location.trim() === '') return undefined;
  const base = new URL(from.url);
  const next = new URL(location.trim(), base);
  let method = from.method;
  let body = from.body;
  // 301 and 302: only a POST becomes a GET (as browsers and curl do); 303: anything but HEAD does.
  if ((status === 301 || status === 302) && method === 'POST') {
    method = 'GET';
    body = false;
  } else if (status === 303 && method !== 'GET' && method !== 'HEAD') {
    method = 'GET';
    body = false;
  }
  const origin = from.origin !== undefined ? new URL(from.origin) : base;
  const sameOrigin = next.protocol === origin.protocol && next.hostname === origin.hostname && effectivePort(next) === effectivePort(origin);
  const dropHeaders = [...(body || !from.body ? [] : BODY_HEADERS), ...(sameOrigin || trusted ? [] : CREDENTIAL_HEADERS)];
  return { url: next.href, method, verb: from.verb ?? method, body, sameOrigin, dropHeaders };
}

function effectivePort(u: URL): string {
  return u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
}
