/**
 * curl's -w / --write-out: `%{variable}`, `%%`, and the escapes \n \r \t \\. Times are in seconds with
 * six decimals, as curl prints them. Unknown variables print nothing and are reported once, as curl does.
 */
import type { TransferInfo } from '../multi/index.js';

/** What a transfer's write-out can show. */
export interface WriteOutFacts {
  url: string;
  info: TransferInfo;
  /** The error code and message, when it failed. */
  error?: { code: string; message: string };
  /** The process exit code this transfer alone would give. */
  exitCode: number;
  contentType?: string;
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(6);

const VARIABLES: Record<string, (f: WriteOutFacts) => string> = {
  time_namelookup: (f) => seconds(f.info.timings.namelookup),
  time_connect: (f) => seconds(f.info.timings.connect),
  time_appconnect: (f) => seconds(f.info.timings.appconnect),
  time_pretransfer: (f) => seconds(f.info.timings.pretransfer),
  time_starttransfer: (f) => seconds(f.info.timings.starttransfer),
  time_total: (f) => seconds(f.info.timings.total),
  local_ip: (f) => f.info.local?.address ?? '',
  local_port: (f) => (f.info.local ? String(f.info.local.port) : ''),
  remote_ip: (f) => f.info.remote?.address ?? '',
  remote_port: (f) => (f.info.remote ? String(f.info.remote.port) : ''),
  http_code: (f) => String(f.info.status ?? 0).padStart(3, '0'),
  response_code: (f) => String(f.info.status ?? 0).padStart(3, '0'),
  http_version: (f) => f.info.httpVersion ?? '0',
  num_connects: (f) => String(f.info.numConnects),
  num_retries: (f) => String(f.info.retries ?? 0),
  size_download: (f) => String(f.info.sizeDownload),
  size_upload: (f) => String(f.info.sizeUpload),
  speed_download: (f) => String(f.info.timings.total > 0 ? Math.round(f.info.sizeDownload / (f.info.timings.total / 1000)) : 0),
  url: (f) => f.url,
  url_effective: (f) => f.info.url,
  method: (f) => f.info.method,
  content_type: (f) => f.contentType ?? '',
  exitcode: (f) => String(f.exitCode),
  errormsg: (f) => f.error?.message ?? '',
  // hiper's own
  interface: (f) => f.info.interface ?? '',
  bind_method: (f) => f.info.bindMethod ?? '',
  connection_id: (f) => (f.info.connectionId !== undefined ? String(f.info.connectionId) : ''),
  pipeline_position: (f) => String(f.info.pipelinePosition),
  reused: (f) => (f.info.reused ? '1' : '0'),
  error_code: (f) => f.error?.code ?? '',
};

export const WRITE_OUT_VARIABLES = Object.keys(VARIABLES);

type Piece = string | ((f: WriteOutFacts) => string);

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
      const fn = VARIABLES[name];
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
  for (const p of format.pieces) out += typeof p === 'string' ? p : p(facts);
  return out;
}
