/**
 * The command line's usage texts, apart from the commands themselves so that `hiper --help` and a
 * usage error load no command.
 */
import { ERROR_CODES } from '../shared/errors.js';
import { WRITE_OUT_VARIABLES } from './write-out.js';

export const RESOLVE_USAGE = 'resolve HOST [-4|-6] [--dns-servers LIST] [--dns-interface IF] [--dns-ipv4-addr A] [--dns-ipv6-addr A] [--strict] [--doh-url URL [--interface SPEC|--dns-interface IF] [--strict] [--cacert FILE] [-k]] [--resolve H:P:A[,A]] [--json]';
export const CONNECT_USAGE = 'connect HOST PORT [--interface SPEC] [--local-port N[-M]] [-4|-6] [--resolve H:P:A[,A]] [--connect-to H:P:H2:P2] [--happy-eyeballs-timeout-ms N] [--connect-timeout S] [--strict] [--doh-url URL [--dns-interface IF] [--cacert FILE] [-k]] [--json]';
export const GET_USAGE = 'get URL... [--interface SPEC] [-4|-6] [--resolve H:P:A] [--connect-to H:P:H2:P2] [--doh-url URL [--dns-interface IF]] [--parallel] [--parallel-max N] [--pipeline N] [--http1.1|--http2] [-I] [-X METHOD] [-H "Name: value"] [-d DATA] [--data-binary DATA] [-T FILE] [-o FILE] [--max-filesize BYTES] [-s] [-S] [-f] [-k] [--cacert FILE] [-m S] [--retry N [--retry-delay S] [--retry-max-time S] [--retry-all-errors] [--retry-connrefused]] [-w FORMAT] [--json] [-v] [--waterfall FILE.svg]';

/** Exit codes: curl's, one line per code with the hiper error codes that give it. */
function exitCodeLines(): string {
  const byExit = new Map<number, string[]>([
    [2, ['usage: an unknown flag or a bad value']],
    [22, ['--fail and an HTTP status >= 400']],
  ]);
  for (const [code, info] of Object.entries(ERROR_CODES)) byExit.set(info.exit, [...(byExit.get(info.exit) ?? []), code]);
  return [...byExit.entries()].sort(([a], [b]) => a - b).map(([exit, codes]) => `  ${String(exit).padStart(3)}  ${codes.join(', ')}`).join('\n');
}

export const USAGE = `usage: hiper <command> [options]

commands:
  ifaces [--json] [--details] [--watch]
      interfaces as the kernel has them (state, type, MTU; addresses with scope, scope id and flags);
      whether device binding is available; --watch prints each link and address change as it happens
      (JSON lines with --json); --details adds link speed
  ${RESOLVE_USAGE}
      the ordered address list connect would try, with source and TTL
  ${CONNECT_USAGE}
      the plan, each attempt and skip with its reason, and the winner
  ${GET_USAGE}
      transfers through one Multi (sequential unless --parallel or --pipeline)
  demo
      a short tour on an embedded loopback server (what npm start runs)
  -V, --version
      hiper's version, the Node.js running it, and which device-binding addon is loaded
      (prebuilt, built at install, or absent)

Flags have curl's names and meanings. --interface takes curl's syntax: NAME, if!NAME, host!ADDR,
ifhost!NAME!ADDR.

--doh-url: the DoH requests leave through --interface (for resolve, --interface is the DoH request's
own; for connect and get, the transfer's), or through the device --dns-interface names, taken as if!NAME.
--strict, --cacert and -k apply to the DoH connection too. --dns-servers, --dns-ipv4-addr and
--dns-ipv6-addr are for DNS servers and do not go with --doh-url.

get writes each body as it arrives, to stdout or to its -o FILE (one -o per URL, in order; -o - is stdout);
the file is created when the response head arrives, and not at all with -f and a status >= 400. With
--parallel, one body at a time streams to stdout, the others wait in memory for their turn.
-d DATA and --data-binary DATA send a POST (Content-Type application/x-www-form-urlencoded unless -H gives
one), several joined with '&'; @FILE reads a file (-d removes its CR and LF, --data-binary sends it as it
is, a lone --data-binary @FILE streamed with its size as Content-Length), @- reads stdin.
-T FILE (--upload-file) streams FILE as a PUT (one -T per URL, in order), with its size as Content-Length;
to a URL ending in '/' the file's name is added; -T - streams stdin, chunked.
--max-filesize BYTES (k, M, G: KiB, MiB, GiB) refuses a larger body: announced, before anything is
written; else as soon as it passes the limit (exit 63).
--retry N runs a transfer again, up to N times, after a transient error (a timeout, a failed lookup, a
connection or HTTP/2 stream broken before anything was written) or an HTTP 408, 429, 500, 502, 503 or 504;
--retry-connrefused adds a refused connect, --retry-all-errors any error but a bad argument, a write
error or --max-filesize. The wait is --retry-delay S, else 1 s doubled after each retry (at most 10
minutes), or the server's Retry-After; no retry starts after --retry-max-time S. Nothing of a response
that is retried is written (curl writes it); a transfer whose body was being written when it failed,
or whose -T / --data-binary @FILE was streamed, is not retried. -m bounds all the runs together (curl:
each run). Without -s, each retry prints curl's warning.
A body cut off after part of it was written is resumed where it stopped (Range and If-Range on a new
connection) when the server allows it (Accept-Ranges: bytes and a strong ETag or a Last-Modified); if
the server cannot continue the same body, the transfer ends there (exit 33).

-w takes curl's \\n \\t \\r \\\\ escapes, %% and @file (@- for stdin); variables:
  ${WRITE_OUT_VARIABLES.map((v) => `%{${v}}`).join(' ')}

--json prints one JSON document: for ifaces { deviceBinding, tableSource, fallbackReason?, interfaces } (with --watch,
that line and then one object per change); for resolve { host, family,
elapsedMs, addresses: [{ address, family, scopeId?, ttl?, source }] }; for connect { ok: true, trace } or
{ ok: false, host, port, error: { code, message, input, attempts, skips } }; for get one object per line
per transfer, in the order they end: { url, ok, status, httpVersion, bytes, headers?, error?, info }.

exit codes (curl's where they correspond):
    0  success
${exitCodeLines()}
`;
