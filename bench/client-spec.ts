/**
 * A client under test as plain data (it crosses to a child process), and the client it describes.
 * Every peer is set up the same way for a scenario: `connections` connections, `depth` requests in
 * flight on each (HTTP/1.1 pipelining, or h2 streams on one connection), bodies read as `read` says.
 */
import { hiperClient, hiperH2Client, nodeHttp2Client, nodeHttpClient, undiciClient, type BenchClient, type BodyRead, type ClientKind, type Skipped } from './clients.js';
import { netClient } from './net-client.js';
import { largeBodyClient, type LargeRead } from './large-body-clients.js';

export interface ClientSpec {
  kind: ClientKind;
  origin: string;
  connections: number;
  depth: number;
  read: BodyRead;
  /** HTTP/2 over TLS with this CA; the path of the probe hiper makes to check that h2 was negotiated. */
  h2?: { ca: string; probePath: string };
  /** A client of the large-body section instead (large-body-clients.ts): the body read this way; `read` and `depth` unused. */
  large?: LargeRead;
  /** hiper only: a ShardedMulti with this many worker threads (bench/sharded.ts). */
  workers?: number;
  /** hiper only: the GETs take turns over this many source addresses, as many pool keys (bench/sharded.ts). */
  sources?: number;
}

export async function makeClient(s: ClientSpec): Promise<BenchClient | Skipped> {
  if (s.large) {
    if (s.kind !== 'hiper' && s.kind !== 'undici' && s.kind !== 'net') return { skipped: `${s.kind} is not in the large-body section` };
    return largeBodyClient(s.origin, { kind: s.kind, read: s.large, connections: s.connections });
  }
  switch (s.kind) {
    case 'hiper':
      return s.h2
        ? hiperH2Client(s.origin, { ca: s.h2.ca, streams: s.depth, path: s.h2.probePath, read: s.read })
        : hiperClient(s.origin, { pipelining: s.depth, connections: s.connections, read: s.read, ...(s.workers !== undefined ? { workers: s.workers } : {}), ...(s.sources !== undefined ? { sources: s.sources } : {}) });
    case 'undici':
      // undici takes its h2 concurrency from `pipelining` (default 1), so it is set to the stream count.
      return undiciClient(s.origin, { pipelining: s.depth, connections: s.connections, read: s.read, ...(s.h2 ? { allowH2: true, ca: s.h2.ca } : {}) });
    case 'node:http':
      if (s.depth > 1) return { skipped: 'node:http does not pipeline' };
      return nodeHttpClient(s.origin, { maxSockets: s.connections, read: s.read });
    case 'node:http2':
      if (!s.h2) return { skipped: 'node:http2 is measured over h2 only' };
      return nodeHttp2Client(s.origin, { ca: s.h2.ca, read: s.read });
    case 'net':
      return netClient(s.origin, { connections: s.connections, depth: s.depth, read: s.read });
  }
}

/** How the peers are set up and measured, for the report's notes. */
export const PEERS_NOTE =
  'How the peers are set up: undici Client (1 connection) or Pool (N connections) with pipelining = the depth, and blocking: false on every request when pipelined ' +
  '(with undici\'s default, blocking: true for GET, a small-bodied request never has another behind it on the wire); on h2 an undici Client with allowH2 and ' +
  'pipelining = maxConcurrentStreams = the streams. node:http: an Agent with keepAlive and maxSockets = the connections (it does not pipeline, so it runs where ' +
  'the depth is 1). hiper: a Multi with pipelining on and maxPipelineLength = the depth when pipelined, maxConnectionsPerHost = the connections. net floor: the ' +
  'GETs queued on a socket leave in one socket.write, responses are read by head end and Content-Length. The max in flight columns show the pipelining: a ' +
  'pipelined run in which a client never had 2 requests on one connection fails that client. Each client runs in its own process, as in the c10k section; ' +
  'for HTTP/1.1 and HTTP/2 the process is kept for the whole scenario and warmed up, and the rounds are interleaved, one client at a time, in an order rotating from round to round. CPU per request (user + system of the ' +
  'client\'s process over the run) is the primary figure, requests per second the second.';
