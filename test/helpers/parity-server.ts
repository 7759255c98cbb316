/**
 * The server both curl and `hiper get` talk to in the parity suite: node:http on 127.0.0.1 with fixed,
 * deterministic answers (no Date header), so that two clients asked the same thing get the same bytes.
 *
 *   /echo...                 the request as seen (see seenText): method, target, headers in order, body
 *   /to/CODE?url=LOCATION    a redirect with status CODE to LOCATION (relative or absolute, not encoded)
 *   /hops/N                  302 to /hops/N-1; /hops/0 is an echo
 *   /status/CODE             status CODE with a short body
 *   /gzip /deflate /br /zstd a fixed text sent with that Content-Encoding, asked for or not
 *   /auth                    Basic auth required; echoes the user name and password
 *   /data                    1000 fixed bytes, with Range support
 *   /flaky?token=T           503 twice per token, then 200
 *   /doc/NAME                a fixed text naming NAME
 *   /headers                 a fixed set of response headers with a short body
 *   /cookies/set             sets three cookies (a session one, one with a fixed expiry, an HttpOnly one)
 *   /stall                   a 200 with a declared length of 100 that sends 8 bytes and then nothing more
 *   /chunked                 a chunked body in three writes
 *   /reason                  a 299 with its own reason phrase
 *   /empty                   a 204
 *
 * Each client gets a server of its own, so that each server's log is one client's requests. The server's
 * own port shows as "PORT" in what it echoes and logs, so that two servers answer with the same bytes.
 */
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { once } from 'node:events';

/** Bodies longer than this are echoed as their length and sha256. */
const ECHO_BODY_LIMIT = 2048;

/** The text the compression routes send, long enough to span several chunks once compressed. */
export const COMPRESSIBLE = Array.from({ length: 400 }, (_, i) => `line ${i} of the compressible text\n`).join('');

/** /data's 1000 bytes: every byte value in turn, so a range in the wrong place shows. */
export const RANGE_DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

/** COMPRESSIBLE as a zstd frame. */
const ZSTD_COMPRESSIBLE = 'KLUv/WCyM20MACbcPRigt9ABgGT+9CTf0/H/a0kpU0op2VaHzRg/ADQAMwBENDMzMzPz////27Zt223bti1JkiS5bdu2iYiIiEjR3OUEYJFgWBQMiICDQmFAOChICBQMBIvCQKIwCgaDAyJVVVVERERERDMzMzMz////v23btt22bduSJEmS27Ztm4iIiIiMMcYYY4whVVVVVVVEREQUVVVVVUVERERENDMzMzPz////27Zt223bti1JkiS5bdu2iYiIiIiMjY2NjY2NjY2NVVUFVVVVVVVERERERDMzMzMz////v23btt22bduSJEmS27Ztm4iIiIjI4ODg4ODg4ODgYAWBkKgh8O7/GcFnVKsBEkgQ+H8FAQkkfwwTHydBMSEUFYJCQX/JD/0jfhKKk8GoEIwKof5Hfegv9U39EuLjQigqBJPCdq7+gzxVp1OmU0qnkE6NThWdCp0SdOpzqnpu8Moxttu12JITVle18JQjbJdp8SSn10RholuiKtGS6Ei0I9qIahbRRJ4xuZmbvJHyCgYgrQI=';

/** Whether this Node can make zstd (zlib.zstdCompressSync: Node >= 22.15). */
export const NODE_HAS_ZSTD = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

/** "curl/7.88.1" and "hiper/0.1.0" become one token in the echo: the product name is each client's own. */
export function normaliseAgent(value: string): string {
  return value.replace(/^(?:curl|hiper)\/[\w.+-]+/, '<client>/<version>');
}

function bodyText(body: Buffer): string {
  if (body.length > ECHO_BODY_LIMIT) return `${body.length} bytes, sha256 ${createHash('sha256').update(body).digest('hex')}`;
  return `${body.length} bytes ${JSON.stringify(body.toString('latin1'))}`;
}

/** The stand-in for a server's port in what it echoes and logs. */
export const PORT_TOKEN = 'PORT';

/**
 * The request as the server saw it: the request line and the headers in order (names lower-cased), then
 * the body. The User-Agent product is normalised (normaliseAgent); a multipart body is shown as its parsed
 * parts, with the boundary and Content-Length masked, as both are random per request.
 */
export function seenText(req: http.IncomingMessage, body: Buffer): string {
  const contentType = req.headers['content-type'] ?? '';
  const multipart = /^multipart\//i.test(contentType);
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    let value = req.rawHeaders[i + 1]!;
    if (name === 'user-agent') value = normaliseAgent(value);
    if (multipart && name === 'content-type') value = value.replace(/boundary=\S+/, 'boundary=<boundary>');
    if (multipart && name === 'content-length') value = '<length>';
    lines.push(`${name}: ${value}`);
  }
  const shown = multipart ? multipartParts(contentType, body).join('\n') : `body ${bodyText(body)}`;
  return `${lines.join('\n')}\n\n${shown}\n`;
}

/** The parts of a multipart/form-data body: each part's headers (lower-cased names) and body. */
export function multipartParts(contentType: string, body: Buffer): string[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) return ['no boundary in the content-type'];
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: string[] = [];
  let at = body.indexOf(delimiter);
  // Bounded: each round moves past one delimiter.
  for (let round = 0; at >= 0 && round < 100; round++) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') return parts;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return [...parts, 'unterminated multipart body'];
    // A part is CRLF, headers, CRLF CRLF, body, CRLF before the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('latin1').split('\r\n').map((l) => {
      const colon = l.indexOf(':');
      return `${l.slice(0, colon).toLowerCase()}:${l.slice(colon + 1)}`;
    });
    parts.push(`part\n${head.join('\n')}\nbody ${bodyText(part.subarray(split + 4))}`);
    at = next;
  }
  return [...parts, 'multipart body without a closing delimiter'];
}

function encode(encoding: string, text: string): Buffer {
  const input = Buffer.from(text);
  switch (encoding) {
    case 'gzip': return zlib.gzipSync(input);
    case 'deflate': return zlib.deflateSync(input);
    case 'br': return zlib.brotliCompressSync(input);
    // Made once by zlib.zstdCompressSync (Node 24) from COMPRESSIBLE, so that a Node without zstd serves it too.
    default: return Buffer.from(ZSTD_COMPRESSIBLE, 'base64');
  }
}

/** A Range header applied to `size` bytes: [start, end] inclusive, 'unsatisfiable', or undefined for none. */
function byteRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return [Math.max(0, size - Number(m[2])), size - 1];
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || start > end ? 'unsatisfiable' : [start, end];
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, headers: [string, string][] = []): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, [...headers.flat(), 'Content-Length', String(bytes.length)]);
  res.end(bytes);
}

export interface ParityServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** 127.0.0.1:PORT */
  hostPort: string;
  /** Each request as seenText shows it, in the order they came. */
  log: string[];
  close(): Promise<void>;
}

export async function startParityServer(): Promise<ParityServer> {
  const flaky = new Map<string, number>();
  const log: string[] = [];
  let port = 0;
  const masked = (t: string): string => t.replace(new RegExp(`\\b(127\\.0\\.0\\.1|localhost):${port}\\b`, 'g'), `$1:${PORT_TOKEN}`);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    // A client that goes away mid-request (a timeout, a size limit) ends only that request.
    req.on('error', () => res.destroy());
    req.on('end', () => answer(req, res, Buffer.concat(chunks)));
  });
  function answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    res.sendDate = false;
    const seen = masked(seenText(req, body));
    log.push(seen);
    const url = new URL(req.url!, 'http://x');
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (path.startsWith('/echo')) {
      send(res, 200, seen, [['Content-Type', 'text/plain']]);
    } else if ((m = /^\/to\/(\d{3})$/.exec(path))) {
      const to = /[?&]url=(.*)$/.exec(req.url!)?.[1] ?? '/echo';
      send(res, Number(m[1]), `redirect ${m[1]}\n`, [['Location', to]]);
    } else if ((m = /^\/hops\/(\d+)$/.exec(path))) {
      const n = Number(m[1]);
      if (n > 0) send(res, 302, `hop ${n}\n`, [['Location', `/hops/${n - 1}`]]);
      else send(res, 200, seen);
    } else if ((m = /^\/status\/(\d{3})$/.exec(path))) {
      send(res, Number(m[1]), `status ${m[1]} body\n`);
    } else if ((m = /^\/(gzip|deflate|br|zstd)$/.exec(path))) {
      send(res, 200, encode(m[1]!, COMPRESSIBLE), [['Content-Type', 'text/plain'], ['Content-Encoding', m[1]!]]);
    } else if (path === '/auth') {
      const auth = req.headers.authorization ?? '';
      const b = /^Basic (.+)$/.exec(auth);
      const decoded = b ? Buffer.from(b[1]!, 'base64').toString() : '';
      const colon = decoded.indexOf(':');
      if (colon < 0) send(res, 401, 'who are you?\n', [['WWW-Authenticate', 'Basic realm="parity"']]);
      else send(res, 200, `user ${decoded.slice(0, colon)} password ${decoded.slice(colon + 1)}\n`);
    } else if (path === '/data') {
      const r = byteRange(req.headers.range, RANGE_DATA.length);
      if (r === undefined) send(res, 200, RANGE_DATA, [['Accept-Ranges', 'bytes']]);
      else if (r === 'unsatisfiable') send(res, 416, '', [['Content-Range', `bytes */${RANGE_DATA.length}`]]);
      else send(res, 206, RANGE_DATA.subarray(r[0], r[1] + 1), [['Accept-Ranges', 'bytes'], ['Content-Range', `bytes ${r[0]}-${r[1]}/${RANGE_DATA.length}`]]);
    } else if (path === '/flaky') {
      const token = url.searchParams.get('token') ?? '';
      const n = flaky.get(token) ?? 0;
      flaky.set(token, n + 1);
      if (n < 2) send(res, 503, `busy ${n + 1}\n`);
      else send(res, 200, `fine after ${n} tries\n`);
    } else if ((m = /^\/doc\/(.+)$/.exec(path))) {
      send(res, 200, `document ${m[1]}\n`, [['Content-Type', 'text/plain']]);
    } else if (path === '/headers') {
      send(res, 200, 'with headers\n', [['Content-Type', 'text/plain; charset=utf-8'], ['X-Custom', 'one'], ['X-Custom', 'two'], ['Cache-Control', 'no-store']]);
    } else if (path === '/cookies/set') {
      res.writeHead(200, [
        'Set-Cookie', 'session=abc; Path=/',
        'Set-Cookie', 'pref=dark; Path=/; Expires=Wed, 01 Jan 2031 00:00:00 GMT',
        'Set-Cookie', 'secret=s1; Path=/; HttpOnly',
        'Content-Length', '12',
      ]);
      res.end('cookies set\n');
    } else if (path === '/chunked') {
      res.writeHead(200, ['Content-Type', 'text/plain']);
      res.write('one\n');
      res.write('two\n');
      res.end('three\n');
    } else if (path === '/reason') {
      res.writeHead(299, 'Fine Thanks', ['Content-Length', '3']);
      res.end('ok\n');
    } else if (path === '/empty') {
      res.writeHead(204);
      res.end();
    } else if (path === '/stall') {
      res.writeHead(200, ['Content-Length', '100']);
      res.write('partial\n');
    } else {
      send(res, 404, `no route ${path}\n`);
    }
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    log,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
