/**
 * The requests of `hiper get`: method, headers in curl's order, body (-d and its kin, --json, -F) or
 * -G query, and credentials (-u, or the URL's own), for each transfer. Two methods at once are a
 * usage error, as curl refuses them.
 */
import { flag, list, str, usageError, type OptionToken, type Values } from './args.js';
import { formBody, parseFormArg, type FormField } from './form.js';
import {
  basicAuthorization, buildRequestHeaders, headerArgs, parseHeaderArg, parseRange, parseUserFlag, urlCredentials, type HeaderArg, type RequestHeaderParts,
} from './request-headers.js';
import type { Target } from './request-urls.js';
import { DATA_FLAGS, dataBody, joinData, uploadUrl, type Body, type DataPart } from './upload.js';
import { hiperVersion } from './version.js';

/** One transfer's request: what is sent, and the parts its headers were laid out from. */
export interface RequestPlan {
  url: string;
  method: string;
  /** All the request headers, in curl's order (see request-headers.ts). */
  headers: Array<[string, string]>;
  /**
   * The Authorization value among `headers` (from -u, else from the URL's user:password), so that a
   * redirect to another host can drop it (curl without --location-trusted).
   */
  authorization?: string;
  /** What `headers` were built from: buildRequestHeaders({ ...headerParts, cookie }) adds a Cookie in its place. */
  headerParts: RequestHeaderParts;
}

/** The requests of a run and what they share. */
export interface Requests {
  requests: RequestPlan[];
  /** A fresh body for one transfer (data, --json or -F); undefined without. */
  data: (() => Body) | undefined;
  /** The -u Authorization value. */
  authorization: string | undefined;
  /** -e "URL;auto". */
  autoReferer: boolean;
  /** The method of a URL without -T. */
  method: string;
  /** The headers of a URL without credentials of its own. */
  headers: Array<[string, string]>;
}

/** "only one HTTP method", as curl refuses two (exit 2). */
function oneMethod(flagName: string, a: string, b: string): never {
  throw usageError(flagName, `only one HTTP method: ${a} and ${b} exclude each other`);
}

/** One method per request, as curl insists; and stdin read by one flag only when -T - streams it. */
function checkOneMethod(values: Values, parts: readonly DataPart[], fields: readonly FormField[], givenUploads: readonly string[]): void {
  const head = flag(values, 'head');
  const toQuery = flag(values, 'get');
  if (fields.length > 0 && parts.length > 0) oneMethod('-F', '-F (multipart POST)', '-d (POST)');
  if (fields.length > 0 && (head || toQuery)) oneMethod('-F', '-F (multipart POST)', head ? '-I (HEAD)' : '-G (GET)');
  if (head && parts.length > 0 && !toQuery) oneMethod('-I', '-I (HEAD)', '-d/--data-binary (POST)');
  if (head && givenUploads.length > 0) oneMethod('-I', '-I (HEAD)', '-T (PUT)');
  if (givenUploads.length > 0 && (parts.length > 0 || fields.length > 0)) oneMethod('-T', '-T (PUT)', fields.length > 0 ? '-F (POST)' : '-d/--data-binary (POST)');
  const stdinReaders = givenUploads.filter((u) => u === '-').length + parts.filter(readsStdin).length + (str(values, 'write-out') === '@-' ? 1 : 0);
  if (givenUploads.includes('-') && stdinReaders > 1) throw usageError('-T', 'stdin is read once: -T - goes with no other -T -, @- or -w @-');
}

/** The requests for the transfers (targets) and the -T files given per URL. */
export function planRequests(values: Values, tokens: readonly OptionToken[], targets: readonly Target[], givenUploads: readonly string[]): Requests {
  // The data flags are joined in the order they were given, as curl does.
  const parts: DataPart[] = tokens.filter((t) => DATA_FLAGS[t.name] !== undefined).map((t) => ({ kind: DATA_FLAGS[t.name]!, value: t.value ?? '' }));
  const fields = tokens.filter((t) => t.name === 'form' || t.name === 'form-string').map((t) => parseFormArg(t.value ?? '', t.name === 'form-string'));
  checkOneMethod(values, parts, fields, givenUploads);
  const head = flag(values, 'head');
  const toQuery = flag(values, 'get');

  // The body: -G puts the data in the query instead.
  const query = toQuery && parts.length > 0 ? joinData(parts).toString('latin1') : undefined;
  let custom: HeaderArg[] = list(values, 'header').flatMap((v) => headerArgs(v)).map(parseHeaderArg);
  // As curl: -F takes the type a -H Content-Type gives (with the boundary added, in its own place).
  const formType = fields.length > 0 ? custom.find((h) => !h.remove && h.name.toLowerCase() === 'content-type')?.value : undefined;
  if (formType !== undefined) custom = custom.filter((h) => h.name.toLowerCase() !== 'content-type');
  const data = toQuery ? undefined : fields.length > 0 ? formBody(fields, formType) : dataBody(parts);
  const json = parts.some((p) => p.kind === 'json');
  if (json) {
    const given = new Set(custom.map((h) => h.name.toLowerCase()));
    if (!given.has('content-type')) custom.push({ name: 'Content-Type', value: 'application/json', remove: false });
    if (!given.has('accept')) custom.push({ name: 'Accept', value: 'application/json', remove: false });
  }
  const userFlag = str(values, 'user');
  const user = userFlag !== undefined ? parseUserFlag(userFlag) : undefined;
  const authorization = user ? basicAuthorization(user.user, user.password) : undefined;
  const rangeFlag = str(values, 'range');
  const refererFlag = str(values, 'referer');
  const autoReferer = refererFlag?.endsWith(';auto') ?? false;
  const referer = autoReferer ? refererFlag!.slice(0, -';auto'.length) : refererFlag;
  const common: RequestHeaderParts = {
    ...(rangeFlag !== undefined ? { range: parseRange(rangeFlag) } : {}),
    userAgent: str(values, 'user-agent') ?? `hiper/${hiperVersion()}`,
    accept: '*/*',
    ...(referer ? { referer } : {}),
    custom,
    ...(data !== undefined ? { contentLength: data.size } : {}),
    ...(data !== undefined && !json ? { contentType: data.contentType ?? 'application/x-www-form-urlencoded' } : {}),
  };

  const given = str(values, 'request');
  const method = given ?? (head ? 'HEAD' : toQuery ? 'GET' : data !== undefined ? 'POST' : 'GET');
  const requests: RequestPlan[] = targets.map((t) => {
    // -u wins over the URL's own user:password; the URL is sent without them either way.
    const cred = urlCredentials(t.url);
    let url = cred.url;
    if (t.upload !== undefined) url = uploadUrl(url, t.upload);
    if (query !== undefined) url = withQuery(url, query);
    const auth = authorization ?? (cred.user !== undefined ? basicAuthorization(cred.user, cred.password ?? '') : undefined);
    const headerParts = { ...common, ...(auth !== undefined ? { authorization: auth } : {}) };
    return {
      url, method: given ?? (t.upload !== undefined ? 'PUT' : method), headers: buildRequestHeaders(headerParts), headerParts,
      ...(auth !== undefined ? { authorization: auth } : {}),
    };
  });
  const headers = buildRequestHeaders({ ...common, ...(authorization !== undefined ? { authorization } : {}) });
  return { requests, data: data?.body, authorization, autoReferer, method, headers };
}

/** A data part read from stdin: @- (name@- for --data-urlencode, which takes '=' first). */
function readsStdin(p: DataPart): boolean {
  if (p.kind === 'raw') return false;
  if (p.kind === 'urlencode') return !p.value.includes('=') && p.value.endsWith('@-') && p.value.indexOf('@') === p.value.length - 2;
  return p.value === '@-';
}

/** -G: the data joins the URL's query ('?' or '&'), before any fragment. */
export function withQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash);
  return `${base}${base.includes('?') ? '&' : '?'}${query}${fragment}`;
}
