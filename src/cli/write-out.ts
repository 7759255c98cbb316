/**
 * curl's -w / --write-out: `%{variable}`, `%%`, and the escapes \n \r \t \\. Times are in seconds with
 * six decimals, as curl prints them. Unknown variables print nothing and are reported once, as curl does.
 * `%{json}` is curl 7.88's object (its keys, its types) followed by hiper's own keys; `%{onerror}`
 * drops the rest of the format unless the transfer failed.
 */
import type { TransferInfo } from '../multi/index.js';
import { hiperVersion } from './version.js';

/** What a transfer's write-out can show. */
export interface WriteOutFacts {
  url: string;
  info: TransferInfo;
  /** The error code and message, when it failed. */
  error?: { code: string; message: string };
  /** The process exit code this transfer alone would give. */
  exitCode: number;
  contentType?: string;
  /** The response head's headers as they arrived, when one came. */
  headers?: Array<[string, string]>;
  statusMessage?: string;
  /** 0-based position of the URL on the command line (curl's urlnum). */
  urlIndex?: number;
  numRedirects?: number;
  /** The Location a redirect that was not followed points to. */
  redirectUrl?: string;
  /** The -o / -O file written. */
  filename?: string;
  /** Bytes of the request head sent (curl's size_request). */
  requestSize?: number;
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(6);
const portOf = (a: { port: number } | undefined): number => a?.port ?? 0;

/** Connections made: as curl, an attempt that never connected is not one. */
const numConnects = (f: WriteOutFacts): number => (f.info.connectionId === undefined ? 0 : f.info.numConnects);

/** curl's scheme name (upper case, as 7.88 prints it), unset when no connection was reached. */
function scheme(f: WriteOutFacts): string | undefined {
  if (f.info.connectionId === undefined) return undefined;
  try {
    return new URL(f.info.url).protocol.slice(0, -1).toUpperCase();
  } catch {
    return undefined;
  }
}

/** The head's size as curl counts it: status line, each header line and the blank line, with CRLFs. */
function sizeHeader(f: WriteOutFacts): number {
  if (f.headers === undefined || f.info.status === undefined) return 0;
  const version = f.info.httpVersion === '2' ? 'HTTP/2' : `HTTP/${f.info.httpVersion ?? '1.1'}`;
  const status = f.info.httpVersion === '2' ? `${version} ${f.info.status}` : `${version} ${f.info.status} ${f.statusMessage ?? ''}`.trimEnd();
  let n = Buffer.byteLength(status) + 2 + 2;
  for (const [name, value] of f.headers) n += Buffer.byteLength(name) + 2 + Buffer.byteLength(value) + 2;
  return n;
}

const speed = (bytes: number, ms: number): number => (ms > 0 ? Math.round(bytes / (ms / 1000)) : 0);
const code3 = (f: WriteOutFacts): string => String(f.info.status ?? 0).padStart(3, '0');

/** curl's %{header_json}: lower-cased names, each with the list of its values, one per line. */
export function headerJson(headers: Array<[string, string]> | undefined): string {
  const byName = new Map<string, string[]>();
  for (const [n, v] of headers ?? []) {
    const k = n.toLowerCase();
    byName.set(k, [...(byName.get(k) ?? []), v]);
  }
  const lines = [...byName].map(([n, vs]) => `${JSON.stringify(n)}:${JSON.stringify(vs)}`);
  return `{${lines.join(',\n')}\n}`;
}

const VARIABLES: Record<string, (f: WriteOutFacts) => string> = {
  time_namelookup: (f) => seconds(f.info.timings.namelookup),
  time_connect: (f) => seconds(f.info.timings.connect),
  time_appconnect: (f) => seconds(f.info.timings.appconnect),
  time_pretransfer: (f) => seconds(f.info.timings.pretransfer),
  time_starttransfer: (f) => seconds(f.info.timings.starttransfer),
  time_total: (f) => seconds(f.info.timings.total),
  // As curl: a transfer that never connected shows an empty address and port 0.
  local_ip: (f) => f.info.local?.address ?? '',
  local_port: (f) => String(portOf(f.info.local)),
  remote_ip: (f) => f.info.remote?.address ?? '',
  remote_port: (f) => String(portOf(f.info.remote)),
  http_code: code3,
  response_code: code3,
  http_version: (f) => f.info.httpVersion ?? '0',
  num_connects: (f) => String(numConnects(f)),
  num_retries: (f) => String(f.info.retries ?? 0),
  num_redirects: (f) => String(f.numRedirects ?? 0),
  num_headers: (f) => String(f.headers?.length ?? 0),
  redirect_url: (f) => f.redirectUrl ?? '',
  size_download: (f) => String(f.info.sizeDownload),
  size_upload: (f) => String(f.info.sizeUpload),
  size_header: (f) => String(sizeHeader(f)),
  size_request: (f) => String(f.requestSize ?? 0),
  speed_download: (f) => String(speed(f.info.sizeDownload, f.info.timings.total)),
  speed_upload: (f) => String(speed(f.info.sizeUpload, f.info.timings.total)),
  url: (f) => f.url,
  url_effective: (f) => f.info.url,
  urlnum: (f) => String(f.urlIndex ?? 0),
  filename_effective: (f) => f.filename ?? '',
  scheme: (f) => scheme(f) ?? '',
  method: (f) => f.info.method,
  content_type: (f) => f.contentType ?? '',
  exitcode: (f) => String(f.exitCode),
  errormsg: (f) => f.error?.message ?? '',
  header_json: (f) => headerJson(f.headers),
  json: (f) => writeOutJson(f),
  // hiper's own
  interface: (f) => f.info.interface ?? '',
  bind_method: (f) => f.info.bindMethod ?? '',
  egress_interface: (f) => f.info.egressInterface ?? '',
  connection_id: (f) => (f.info.connectionId !== undefined ? String(f.info.connectionId) : ''),
  pipeline_position: (f) => String(f.info.pipelinePosition),
  reused: (f) => (f.info.reused ? '1' : '0'),
  error_code: (f) => f.error?.code ?? '',
};

/** Not a variable: the rest of the format is written only for a transfer that failed. */
const ON_ERROR = 'onerror';

export const WRITE_OUT_VARIABLES = [...Object.keys(VARIABLES), ON_ERROR];

const str = (v: string | undefined): string => (v === undefined ? 'null' : JSON.stringify(v));

/**
 * curl 7.88's %{json}, key for key in its order and with its types (times as six-decimal numbers,
 * absent strings as null); then hiper's own keys.
 */
export function writeOutJson(f: WriteOutFacts): string {
  const i = f.info;
  const t = (ms: number): string => seconds(ms);
  const fields: Array<[string, string]> = [
    ['certs', '""'],
    ['content_type', str(f.contentType)],
    ['errormsg', str(f.error?.message)],
    ['exitcode', String(f.exitCode)],
    ['filename_effective', str(f.filename)],
    ['ftp_entry_path', 'null'],
    ['http_code', String(i.status ?? 0)],
    ['http_connect', '0'],
    ['http_version', JSON.stringify(i.httpVersion ?? '0')],
    ['local_ip', JSON.stringify(i.local?.address ?? '')],
    ['local_port', String(portOf(i.local))],
    ['method', JSON.stringify(i.method)],
    ['num_certs', '0'],
    ['num_connects', String(numConnects(f))],
    ['num_headers', String(f.headers?.length ?? 0)],
    ['num_redirects', String(f.numRedirects ?? 0)],
    ['proxy_ssl_verify_result', '0'],
    ['redirect_url', str(f.redirectUrl)],
    ['referer', 'null'],
    ['remote_ip', JSON.stringify(i.remote?.address ?? '')],
    ['remote_port', String(portOf(i.remote))],
    ['response_code', String(i.status ?? 0)],
    ['scheme', str(scheme(f))],
    ['size_download', String(i.sizeDownload)],
    ['size_header', String(sizeHeader(f))],
    ['size_request', String(f.requestSize ?? 0)],
    ['size_upload', String(i.sizeUpload)],
    ['speed_download', String(speed(i.sizeDownload, i.timings.total))],
    ['speed_upload', String(speed(i.sizeUpload, i.timings.total))],
    ['ssl_verify_result', '0'],
    ['time_appconnect', t(i.timings.appconnect)],
    ['time_connect', t(i.timings.connect)],
    ['time_namelookup', t(i.timings.namelookup)],
    ['time_pretransfer', t(i.timings.pretransfer)],
    ['time_redirect', t(0)],
    ['time_starttransfer', t(i.timings.starttransfer)],
    ['time_total', t(i.timings.total)],
    ['url', JSON.stringify(f.url)],
    ['url_effective', JSON.stringify(i.url)],
    ['urlnum', String(f.urlIndex ?? 0)],
    ['curl_version', JSON.stringify(`hiper/${hiperVersion()} node/${process.versions.node}`)],
    // hiper's own
    ['num_retries', String(i.retries ?? 0)],
    ['interface', str(i.interface)],
    ['bind_method', str(i.bindMethod)],
    ['egress_interface', str(i.egressInterface)],
    ['connection_id', i.connectionId !== undefined ? String(i.connectionId) : 'null'],
    ['pipeline_position', String(i.pipelinePosition)],
    ['reused', String(i.reused)],
    ['error_code', str(f.error?.code)],
    ['connect_trace', i.connectTrace !== undefined ? JSON.stringify(i.connectTrace) : 'null'],
  ];
  return `{${fields.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
}

type Piece = string | ((f: WriteOutFacts) => string) | typeof ON_ERROR_PIECE;
const ON_ERROR_PIECE = Symbol(ON_ERROR);

export interface WriteOutFormat {
  pieces: Piece[];
  /** Variables the format names that do not exist. */
  unknown: string[];
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };

/** Parses a format once; rendering it per transfer is then a walk over its pieces. */
export function parseWriteOut(format: string): WriteOutFormat {
  const pieces: Piece[] = [];
  const unknown: string[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '\\' && i + 1 < format.length && ESCAPES[format[i + 1]!] !== undefined) {
      text += ESCAPES[format[++i]!];
    } else if (c === '%' && format[i + 1] === '%') {
      text += '%';
      i++;
    } else if (c === '%' && format[i + 1] === '{' && format.indexOf('}', i) > 0) {
      const end = format.indexOf('}', i);
      const name = format.slice(i + 2, end);
      i = end;
      const fn = name === ON_ERROR ? ON_ERROR_PIECE : VARIABLES[name];
      if (fn === undefined) {
        if (!unknown.includes(name)) unknown.push(name);
        continue;
      }
      if (text) pieces.push(text);
      text = '';
      pieces.push(fn);
    } else {
      text += c;
    }
  }
  if (text) pieces.push(text);
  return { pieces, unknown };
}

export function renderWriteOut(format: WriteOutFormat, facts: WriteOutFacts): string {
  let out = '';
  for (const p of format.pieces) {
    if (p === ON_ERROR_PIECE) {
      if (facts.exitCode === 0) break;
      continue;
    }
    out += typeof p === 'string' ? p : p(facts);
  }
  return out;
}
