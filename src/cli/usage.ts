/**
 * The command line's usage texts, apart from the commands themselves so that `hiper --help` and a
 * usage error load no command.
 */
import { ERROR_CODES } from '../shared/errors.js';
import { WRITE_OUT_VARIABLES } from './write-out.js';

export const RESOLVE_USAGE = 'resolve HOST [-4|-6] [--dns-servers LIST] [--dns-interface IF] [--dns-ipv4-addr A] [--dns-ipv6-addr A] [--strict] [--doh-url URL [--interface SPEC|--dns-interface IF] [--strict] [--cacert FILE] [-k]] [--resolve H:P:A[,A]] [--gai-conf FILE] [--prefer-temporary] [--json]';
export const CONNECT_USAGE = 'connect HOST PORT [--interface SPEC]... [--no-failback] [--source-pool ADDRS [--source-policy P] [--freebind]] [--fwmark N] [--ip-tos N] [--vlan-priority N] [--tcp-user-timeout MS] [--keepalive-time S] [--keepalive-cnt N] [--local-port N[-M]] [-4|-6] [--resolve H:P:A[,A]] [--connect-to H:P:H2:P2] [--happy-eyeballs-timeout-ms N] [--connect-timeout S] [--strict] [--doh-url URL [--dns-interface IF] [--cacert FILE] [-k]] [--gai-conf FILE] [--prefer-temporary] [--json]';
export const GET_USAGE = 'get URL... [--interface SPEC]... [--no-failback] [--source-pool ADDRS [--source-policy P] [--freebind]] [--fwmark N] [--ip-tos N] [--vlan-priority N] [--tcp-user-timeout MS] [--keepalive-time S] [--keepalive-cnt N] [-4|-6] [--resolve H:P:A] [--gai-conf FILE] [--prefer-temporary] [--connect-to H:P:H2:P2] [--doh-url URL [--dns-interface IF]] [--parallel] [--parallel-max N] [--parallel-max-host N] [--pipeline N] [--http1.0|--http1.1|--http2] [-I] [-X METHOD] [-H "Name: value"] [-A UA] [-e URL] [-u USER:PASS] [-r RANGE] [-d DATA] [--data-binary DATA] [--data-raw DATA] [--data-urlencode DATA] [-G] [--json DATA] [-F name=value] [-T FILE] [-o FILE] [-L [--max-redirs N] [--location-trusted]] [--compressed] [-i] [-D FILE] [-C OFFSET|-] [-b COOKIES|FILE] [-c FILE] [-j] [-Y BYTES] [-y S] [-O] [--remote-name-all] [--output-dir DIR] [--create-dirs] [--url URL] [-g] [-K FILE] [--max-filesize BYTES] [-s] [-S] [-f] [-k] [--cacert FILE] [-m S] [--retry N [--retry-delay S] [--retry-max-time S] [--retry-all-errors] [--retry-connrefused]] [-w FORMAT] [--trace-json FILE] [-v] [-#] [--no-progress-meter] [--waterfall FILE.svg]';

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
      hiper's version, the Node.js running it, which device-binding addon is loaded (prebuilt, built at
      install, or absent), where the interface table comes from (rtnetlink or a fallback), Protocols and
      Features as curl lists them

Flags have curl's names and meanings. --interface takes curl's syntax: NAME, if!NAME, host!ADDR,
ifhost!NAME!ADDR. Given several times (curl keeps the last), it is an ordered failover list of links
(if!NAME, ifhost!NAME!ADDR or NAME; first preferred): a link that is missing, down or without an address
for the destination is skipped, one whose attempt fails makes the next start, within one connect time
limit, and the trace names the link of each attempt and skip. New connections go back to an earlier
link as soon as it is up again; --no-failback keeps them on the link that last served until it fails.

--source-pool ADDR[,ADDR...] gives each new connection a source address from the list: one per family,
in turn (--source-policy round-robin, the default), at random (random), or one per destination host
(hash). With --freebind (IP_FREEBIND) an entry may be a prefix (198.51.100.64/28, 2001:db8:5::/120):
its host addresses are used without being configured on a link (route the prefix to this host, and add
"ip route add local PREFIX dev lo" so replies are accepted). It sets the local address, as host!ADDR
and ifhost!NAME!ADDR do, so it does not go with those, nor with an --interface list.

Socket options, set on each socket before it connects (through the addon): --fwmark N (SO_MARK, for
"ip rule add fwmark N table T"; needs CAP_NET_ADMIN), --ip-tos N (IP_TOS / IPV6_TCLASS, the DSCP bits:
0x10, 0xb8...; both take decimal or 0x hex), --vlan-priority 0-7 (SO_PRIORITY; 7 needs CAP_NET_ADMIN),
--tcp-user-timeout MS (TCP_USER_TIMEOUT), and curl's --keepalive-time S (keep-alive idle time and
interval) and --keepalive-cnt N. A refused option exits 45 naming it; without the addon, 4.

--doh-url: the DoH requests leave through --interface (for resolve, --interface is the DoH request's
own; for connect and get, the transfer's), or through the device --dns-interface names, taken as if!NAME.
--strict, --cacert and -k apply to the DoH connection too. --dns-servers, --dns-ipv4-addr and
--dns-ipv6-addr are for DNS servers and do not go with --doh-url.

Addresses are tried in RFC 6724 order, each with the source the kernel would use (on an --interface, the
address bound there). --gai-conf FILE takes the policy table from FILE's precedence and label lines
(/etc/gai.conf's format) instead of /etc/gai.conf; --prefer-temporary picks temporary IPv6 addresses
before public ones where hiper chooses the local address (an --interface with several). --resolve
addresses keep their written order, but one this host has no route to is skipped (no-route).

get writes each body as it arrives, to stdout or to its -o FILE (one -o per URL, in order; -o - is stdout);
the file is created when the response head arrives, and not at all with -f and a status >= 400. With
--parallel, one body at a time streams to stdout, the others wait in memory for their turn.
-d DATA and --data-binary DATA send a POST (Content-Type application/x-www-form-urlencoded unless -H gives
one), several joined with '&'; @FILE reads a file (-d removes its CR and LF, --data-binary sends it as it
is, a lone --data-binary @FILE streamed with its size as Content-Length), @- reads stdin.
-T FILE (--upload-file) streams FILE as a PUT (one -T per URL, in order), with its size as Content-Length;
to a URL ending in '/' the file's name is added; -T - streams stdin, chunked.
Requests carry curl's headers in curl's order: Host, Authorization, Range, User-Agent (hiper/VERSION, or
-A), Accept */*, Referer (-e), then -H in order; -H "Name: v" replaces one of them, -H "Name:" removes
it, -H "Name;" sends it empty, -H @FILE reads one header a line. -u USER:PASS and URL credentials
(http://user:pass@host/) send Basic authorization (-u wins; hiper never prompts for a password).
-r N-M, N-, -N (comma lists) sends Range.
--data-raw has no @FILE; --data-urlencode takes curl's content, =content, name=content, @file, name@file;
-G sends the data as the URL's query with GET (HEAD with -I); --json DATA posts JSON (Content-Type and
Accept application/json unless -H gives them; several joined with nothing).
-F name=value, name=@FILE[;type=T][;filename=F], name=<FILE posts multipart/form-data, files streamed,
with Content-Length; --form-string takes the value as it is.
URLs (and --url URL) keep curl's order; one without a scheme gets http://; [1-3], [01-10], [a-z], [1-9:2]
and {a,b} expand to one transfer per URL (-g turns this off; a bad glob is exit 3), and -o's #1, #2 take
each glob's text. -O names the file after the URL's last path segment (exit 23 without one);
--remote-name-all gives every URL -O; --output-dir DIR prefixes -o and -O; --create-dirs makes folders.
-K FILE reads curl's config file syntax (- for stdin) in place; hiper reads no ~/.curlrc.
--http1.0 sends HTTP/1.0 requests.
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
-L (--location) follows 301, 302, 303, 307 and 308, up to --max-redirs N (default 50, -1: no limit;
one more is exit 47), each hop a new transfer with the same egress, DNS and TLS settings: 301 and 302
turn a POST into a GET without its body, 303 anything but HEAD; 307 and 308 send the method and body
again (a file is read again; stdin cannot be: exit 65); -X keeps its verb on every hop. Authorization
and Cookie (from -u, the URL or -H) go only to the first URL's host unless --location-trusted. Only the
last hop's body is written; -w reports the last hop (num_redirects, url_effective; redirect_url without -L).
--compressed asks for deflate, gzip, br (and zstd where this Node has it) and decodes the body as it
streams (several codings in order; an unknown or corrupt one is exit 61); size_download counts the bytes
received. -i writes each hop's head before the body; -D FILE (- for stdout) writes every head to FILE,
created at the run's first head.
-C - resumes into the -o file from its size (Range: bytes=SIZE-), -C N from byte N, the file added to;
a 416 means the file is already whole (success, nothing written); a 200 instead of a 206 is exit 33,
the file left as it was. Without -o, -C - asks for the whole body.
-b "n=v; n2=v2" sends those cookies; -b FILE loads curl's Netscape cookie file (or Set-Cookie: lines);
either turns the cookie engine on: cookies received are sent on later requests and redirect hops that
match their domain, path, Secure and expiry. -c FILE writes every cookie in curl's format as transfers
end; -j leaves the session cookies of -b files out.
-Y N (--speed-limit) and -y S (--speed-time) end a transfer slower than N bytes/s for S seconds (exit
28; -Y alone: 30 s, -y alone: 1 byte/s).

-w takes curl's \\n \\t \\r \\\\ escapes, %% and @file (@- for stdin); variables:
  ${WRITE_OUT_VARIABLES.map((v) => `%{${v}}`).join(' ')}
%{json} is curl 7.88's object (its keys and types) followed by hiper's own keys (num_retries, interface,
bind_method, egress_interface, connection_id, pipeline_position, reused, error_code, connect_trace);
after %{onerror} the rest is written only for a transfer that failed.
--trace-json FILE (- for stdout) writes one JSON object per line per transfer, in the order they end:
{ url, ok, status, httpVersion, bytes, headers?, error?, info }.
-Z (--parallel) runs up to --parallel-max N transfers at once (default 50, at most 300), at most
--parallel-max-host N connections to one host (default unlimited).
-v prints each connect attempt and skip as it happens, the request sent and the response head.
A progress meter is drawn on stderr when it is a terminal (not with -s, -v, --no-progress-meter, or a
body written to the same terminal): curl's meter for one URL, its bar with -# (--progress-bar), one line
of transfers done / total, bytes, rate and time for several; erased when the run ends.

--json prints one JSON document: for ifaces { deviceBinding, tableSource, fallbackReason?, interfaces } (with --watch,
that line and then one object per change); for resolve { host, family,
elapsedMs, addresses: [{ address, family, scopeId?, ttl?, source }] }; for connect { ok: true, trace } or
{ ok: false, host, port, error: { code, message, input, attempts, skips } }. get takes curl's --json DATA
(a JSON body); its per-transfer JSON is -w '%{json}' and --trace-json FILE.

exit codes (curl's where they correspond):
    0  success
${exitCodeLines()}
`;
