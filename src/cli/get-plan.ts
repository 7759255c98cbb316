/**
 * `hiper get`'s flags and what they make: the URLs, their outputs, uploads and methods, the transfer
 * and Multi options. A bad flag or value is a usage error naming the flag.
 */
import type { Multi, TransferOptions } from '../multi/index.js';
import {
  EGRESS_FLAGS, FAMILY_FLAGS, JSON_FLAG, RESOLVE_FLAGS, TLS_FLAGS, atFile, flag, list, num, parse, resolveOptions, size, str, tlsOptions, usageError, type Values,
} from './args.js';
import { egressOptions } from './connect-cmd.js';
import { dohPlan, type DohPlan } from './doh.js';
import { dataBody, uploadUrl, type Body, type DataPart } from './upload.js';
import { parseWriteOut, type WriteOutFormat } from './write-out.js';
import { GET_USAGE } from './usage.js';

export const GET_FLAGS = {
  ...JSON_FLAG, ...FAMILY_FLAGS, ...RESOLVE_FLAGS, ...EGRESS_FLAGS, ...TLS_FLAGS,
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
} as const;

/** curl -Z's default --parallel-max. */
const DEFAULT_PARALLEL_MAX = 50;
/** -H "Name: value" as curl takes it (a name without a colon is an error here). */
export function parseHeader(h: string): [string, string] {
  const colon = h.indexOf(':');
  if (colon <= 0) throw usageError('-H', `-H expects "Name: value", got ${JSON.stringify(h)}`);
  return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
}

export interface Plan {
  urls: string[];
  outputs: string[];
  /** -T per URL, in order ("-": stdin). */
  uploads: string[];
  /** The method of each URL: -X, else PUT for a -T upload, POST with data, HEAD with -I, else GET. */
  methods: string[];
  /** A fresh -d / --data-binary body for one transfer. */
  data: (() => Body) | undefined;
  transfer: Omit<TransferOptions, 'url'>;
  multi: ConstructorParameters<typeof Multi>[0];
  parallel: number;
  writeOut: WriteOutFormat | undefined;
  doh: DohPlan | undefined;
  values: Values;
}

export function plan(args: string[]): Plan {
  const { values, positionals, tokens } = parse(args, GET_FLAGS, 'get');
  if (positionals.length === 0) throw usageError('URL', `usage: hiper ${GET_USAGE}`);
  const outputs = list(values, 'output');
  if (outputs.length > positionals.length) throw usageError('-o', `${outputs.length} -o for ${positionals.length} URL${positionals.length === 1 ? '' : 's'}`);
  const uploads = list(values, 'upload-file');
  if (uploads.length > positionals.length) throw usageError('-T', `${uploads.length} -T for ${positionals.length} URL${positionals.length === 1 ? '' : 's'}`);
  if (flag(values, 'http1.1') && flag(values, 'http2')) throw usageError('--http2', '--http1.1 and --http2 exclude each other');

  // -d and --data-binary are joined in the order they were given, as curl does.
  const parts: DataPart[] = tokens.filter((t) => t.name === 'data' || t.name === 'data-binary').map((t) => ({ binary: t.name === 'data-binary', value: t.value ?? '' }));
  // One method per request, as curl insists.
  const head = flag(values, 'head');
  if (head && parts.length > 0) throw usageError('-I', 'only one HTTP method: -I (HEAD) and -d/--data-binary (POST) exclude each other');
  if (head && uploads.length > 0) throw usageError('-I', 'only one HTTP method: -I (HEAD) and -T (PUT) exclude each other');
  if (uploads.length > 0 && parts.length > 0) throw usageError('-T', 'only one HTTP method: -T (PUT) and -d/--data-binary (POST) exclude each other');
  const stdinReaders = uploads.filter((u) => u === '-').length + parts.filter((p) => p.value === '@-').length + (str(values, 'write-out') === '@-' ? 1 : 0);
  if (uploads.includes('-') && stdinReaders > 1) throw usageError('-T', 'stdin is read once: -T - goes with no other -T -, @- or -w @-');

  const { timeout: connectTimeout, ...egress } = egressOptions(values);
  const headers = list(values, 'header').map(parseHeader);
  const data = dataBody(parts);
  const given = str(values, 'request');
  const method = given ?? (head ? 'HEAD' : data !== undefined ? 'POST' : 'GET');
  const methods = positionals.map((_, i) => given ?? (uploads[i] !== undefined ? 'PUT' : method));
  const urls = positionals.map((u, i) => (uploads[i] !== undefined ? uploadUrl(u, uploads[i]!) : u));
  if (data !== undefined && !headers.some(([n]) => n.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
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
    ...(headers.length > 0 ? { headers } : {}),
    ...(connectTimeout !== undefined ? { connectTimeout } : {}),
    ...(maxTime !== undefined ? { timeout: maxTime * 1000 } : {}),
    ...(maxFilesize !== undefined ? { maxBodySize: maxFilesize } : {}),
    resolve: { ...resolveFlags, ...(egress.family ? { family: egress.family } : {}) },
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
    ...(flag(values, 'http1.1') ? { httpVersion: '1.1' as const } : flag(values, 'http2') ? { httpVersion: '2' as const } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
  const parallel = flag(values, 'parallel') || pipeline !== undefined ? num(values, 'parallel-max', 'int>=1') ?? DEFAULT_PARALLEL_MAX : 1;
  const w = str(values, 'write-out');
  return { urls, outputs, uploads, methods, data, transfer, multi, parallel, writeOut: w !== undefined ? parseWriteOut(atFile(w)) : undefined, doh, values };
}

