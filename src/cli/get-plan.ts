/**
 * `hiper get`'s flags and what they make: the URLs, their outputs, uploads and methods, the transfer
 * and Multi options. A bad flag or value is a usage error naming the flag.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Multi, TransferOptions } from '../multi/index.js';
import { HiperError } from '../shared/errors.js';
import {
  EGRESS_FLAGS, FAMILY_FLAGS, RESOLVE_FLAGS, TLS_FLAGS, atFile, flag, list, num, parse, resolveOptions, size, str, tlsOptions, usageError, type Values,
} from './args.js';
import { ADDRESS_SELECTION_FLAGS, addressSelectionOptions } from './address-selection.js';
import { expandConfigArgs, type FlagTable } from './config-file.js';
import { egressOptions } from './connect-cmd.js';
import { dohPlan, type DohPlan } from './doh.js';
import { planRequests, type RequestPlan } from './request-plan.js';
import { expandTargets, orderedUrls, outputSpecs } from './request-urls.js';
import type { Body } from './upload.js';
import { parseWriteOut, type WriteOutFormat } from './write-out.js';
import { responsePlan, type ResponsePlan } from './response-plan.js';
import { GET_USAGE } from './usage.js';

export const GET_FLAGS = {
  ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...EGRESS_FLAGS, ...TLS_FLAGS, ...ADDRESS_SELECTION_FLAGS,
  // curl 7.82's --json DATA (a JSON POST body), not the other commands' JSON output switch.
  json: { type: 'string', multiple: true },
  parallel: { type: 'boolean', short: 'Z' },
  'parallel-max': { type: 'string' },
  pipeline: { type: 'string' },
  'http1.1': { type: 'boolean' },
  http2: { type: 'boolean' },
  head: { type: 'boolean', short: 'I' },
  request: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd', multiple: true },
  'data-binary': { type: 'string', multiple: true },
  'upload-file': { type: 'string', short: 'T', multiple: true },
  'max-filesize': { type: 'string' },
  output: { type: 'string', short: 'o', multiple: true },
  silent: { type: 'boolean', short: 's' },
  'show-error': { type: 'boolean', short: 'S' },
  fail: { type: 'boolean', short: 'f' },
  'max-time': { type: 'string', short: 'm' },
  'write-out': { type: 'string', short: 'w' },
  verbose: { type: 'boolean', short: 'v' },
  waterfall: { type: 'string' },
  retry: { type: 'string' },
  'retry-delay': { type: 'string' },
  'retry-max-time': { type: 'string' },
  'retry-all-errors': { type: 'boolean' },
  'retry-connrefused': { type: 'boolean' },
  'user-agent': { type: 'string', short: 'A' },
  referer: { type: 'string', short: 'e' },
  user: { type: 'string', short: 'u' },
  'data-raw': { type: 'string', multiple: true },
  'data-urlencode': { type: 'string', multiple: true },
  'data-ascii': { type: 'string', multiple: true },
  get: { type: 'boolean', short: 'G' },
  form: { type: 'string', short: 'F', multiple: true },
  'form-string': { type: 'string', multiple: true },
  range: { type: 'string', short: 'r' },
  url: { type: 'string', multiple: true },
  globoff: { type: 'boolean', short: 'g' },
  'remote-name': { type: 'boolean', short: 'O', multiple: true },
  'remote-name-all': { type: 'boolean' },
  'output-dir': { type: 'string' },
  'create-dirs': { type: 'boolean' },
  config: { type: 'string', short: 'K', multiple: true },
  'http1.0': { type: 'boolean', short: '0' },
  // Read by the transfer side (redirects, decoding, headers out, resume, cookies, speed limits).
  location: { type: 'boolean', short: 'L' },
  'location-trusted': { type: 'boolean' },
  'max-redirs': { type: 'string' },
  compressed: { type: 'boolean' },
  include: { type: 'boolean', short: 'i' },
  'dump-header': { type: 'string', short: 'D' },
  'continue-at': { type: 'string', short: 'C' },
  cookie: { type: 'string', short: 'b', multiple: true },
  'cookie-jar': { type: 'string', short: 'c' },
  'junk-session-cookies': { type: 'boolean', short: 'j' },
  'speed-limit': { type: 'string', short: 'Y' },
  'speed-time': { type: 'string', short: 'y' },
  // Read by the output side.
  'parallel-max-host': { type: 'string' },
  'trace-json': { type: 'string' },
  'progress-bar': { type: 'boolean', short: '#' },
  'no-progress-meter': { type: 'boolean' },
} as const;

/** curl -Z's default --parallel-max. */
const DEFAULT_PARALLEL_MAX = 50;

export type { RequestPlan };

export interface Plan {
  /** The transfers' URLs: positionals and --url in order, globs expanded, credentials taken out. */
  urls: string[];
  /** Output per URL, a prefix of urls ("-": stdout); a URL past the end writes to stdout. */
  outputs: string[];
  /** -T per URL, in order ("-": stdin). */
  uploads: string[];
  /** The method of each URL: -X, else PUT for a -T upload, HEAD with -I, GET with -G, POST with data or -F, else GET. */
  methods: string[];
  /** Per URL: its headers (transfer.headers holds the same for URLs without credentials of their own). */
  requests: RequestPlan[];
  /** A fresh request body (data, --json or -F) for one transfer. */
  data: (() => Body) | undefined;
  /** The -u Authorization value (also in each request's headers). */
  authorization: string | undefined;
  /** -e "URL;auto": set Referer on redirects too. */
  autoReferer: boolean;
  transfer: Omit<TransferOptions, 'url'>;
  multi: ConstructorParameters<typeof Multi>[0];
  parallel: number;
  writeOut: WriteOutFormat | undefined;
  doh: DohPlan | undefined;
  values: Values;
  /** What to do with responses: redirects, decoding, heads out, resume, cookies, low-speed limit. */
  response: ResponsePlan;
}

/** The flag names and value types the config file parser needs. */
const FLAG_TABLE = GET_FLAGS as unknown as FlagTable;

export function plan(args: string[]): Plan {
  const { values, tokens } = parse(expandConfigArgs(args, FLAG_TABLE), GET_FLAGS, 'get');
  const givenUrls = orderedUrls(tokens);
  if (givenUrls.length === 0) throw usageError('URL', `usage: hiper ${GET_USAGE}`);
  const outs = outputSpecs(tokens);
  if (outs.length > givenUrls.length) throw usageError('-o', `${outs.length} -o/-O for ${givenUrls.length} URL${givenUrls.length === 1 ? '' : 's'}`);
  const givenUploads = list(values, 'upload-file');
  if (givenUploads.length > givenUrls.length) throw usageError('-T', `${givenUploads.length} -T for ${givenUrls.length} URL${givenUrls.length === 1 ? '' : 's'}`);
  const versions = ['http1.0', 'http1.1', 'http2'].filter((f) => flag(values, f));
  if (versions.length > 1) throw usageError(`--${versions[1]}`, `--${versions.join(' and --')} exclude each other`);


  const outputDir = str(values, 'output-dir');
  const targets = expandTargets(givenUrls, outs, {
    globoff: flag(values, 'globoff'), remoteNameAll: flag(values, 'remote-name-all'), uploads: givenUploads, ...(outputDir !== undefined ? { outputDir } : {}),
  });
  const outputs = targets.filter((t) => t.output !== undefined).map((t) => t.output!);
  const { requests, data, authorization, autoReferer, method, headers } = planRequests(values, tokens, targets, givenUploads);
  // Only once the flags are known to be good.
  if (flag(values, 'create-dirs')) createDirs(outputs);
  const uploads = targets.flatMap((t) => (t.upload !== undefined ? [t.upload] : []));

  const { timeout: connectTimeout, ...egress } = egressOptions(values);
  const maxTime = num(values, 'max-time', 'seconds');
  const maxFilesize = size(values, 'max-filesize');
  const tls = tlsOptions(values);
  const doh = dohPlan(values, { ...egress, ...(connectTimeout !== undefined ? { timeout: connectTimeout } : {}) });
  const resolveFlags = resolveOptions(values);
  // With DoH, --dns-interface pins the DoH requests (see dohPlan), not a DNS server's queries.
  if (doh) delete resolveFlags.dnsInterface;
  const transfer: Omit<TransferOptions, 'url'> = {
    ...egress,
    method,
    // Every URL's headers when they are all the same (as when no URL has credentials of its own).
    headers: requests.every((r) => r.authorization === requests[0]!.authorization) ? requests[0]!.headers : headers,
    ...(flag(values, 'http1.0') ? { httpVersion: '1.0' as const } : {}),
    ...(connectTimeout !== undefined ? { connectTimeout } : {}),
    ...(maxTime !== undefined ? { timeout: maxTime * 1000 } : {}),
    ...(maxFilesize !== undefined ? { maxBodySize: maxFilesize } : {}),
    resolve: { ...resolveFlags, ...addressSelectionOptions(values), ...(egress.family ? { family: egress.family } : {}) },
  };
  // curl: --retry 0 retries nothing; --retry-delay 0 is the default backoff, --retry-max-time 0 no limit.
  const retryCount = num(values, 'retry', 'int>=0') ?? 0;
  const retryDelay = num(values, 'retry-delay', 'seconds>=0');
  const retryMaxTime = num(values, 'retry-max-time', 'seconds>=0');
  if (retryCount > 0) {
    transfer.retry = {
      count: retryCount,
      ...(retryDelay ? { delay: retryDelay * 1000 } : {}),
      ...(retryMaxTime ? { maxTime: retryMaxTime * 1000 } : {}),
      ...(flag(values, 'retry-all-errors') ? { allErrors: true } : {}),
      ...(flag(values, 'retry-connrefused') ? { connRefused: true } : {}),
    };
  }
  const pipeline = num(values, 'pipeline', 'int>=1');
  const multi = {
    ...(pipeline !== undefined ? { pipelining: true, maxPipelineLength: pipeline } : {}),
    ...(flag(values, 'http1.1') || flag(values, 'http1.0') ? { httpVersion: '1.1' as const } : flag(values, 'http2') ? { httpVersion: '2' as const } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
  const parallel = flag(values, 'parallel') || pipeline !== undefined ? num(values, 'parallel-max', 'int>=1') ?? DEFAULT_PARALLEL_MAX : 1;
  const w = str(values, 'write-out');
  return {
    urls: requests.map((r) => r.url), outputs, uploads, methods: requests.map((r) => r.method), requests,
    data, authorization, autoReferer, transfer, multi, parallel,
    writeOut: w !== undefined ? parseWriteOut(atFile(w)) : undefined, doh, values, response: responsePlan(values),
  };
}

/** --create-dirs: the folders of the -o/-O files, made before the transfers. */
function createDirs(outputs: readonly string[]): void {
  for (const o of outputs) {
    if (o === '-') continue;
    const dir = dirname(o);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new HiperError('ERR_WRITE_OUTPUT', `cannot create the folder ${dir} for ${o}: ${(err as Error).message}`, { input: o, cause: err });
    }
  }
}
