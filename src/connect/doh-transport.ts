/**
 * httpsTransport(): the DNS-over-HTTPS transport, built on connect() and handed down to resolve
 * ({ doh: { url, transport } }), which cannot import this layer. Each request opens one connection the
 * way every connection is opened here: interface spec, local address and port, family, strict, Happy
 * Eyeballs, TLS verified by default; the connection info it reports carries the trace's egress facts.
 * The multi layer offers a pooled one (multiDohTransport).
 */
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import { parseInterfaceList } from '../bind/index.js';
import { DEFAULT_DOH_MAX_BYTES } from '../resolve/index.js';
import type { DohConnectionInfo, DohTransport, DohTransportRequest, DohTransportResponse, Resolver } from '../resolve/types.js';
import { connect } from './connect.js';
import { exchange } from './doh-exchange.js';
import { egressIdentity, objectIdentity, trustIdentity } from './identity.js';
import { parsePortRange } from './ports.js';
import type { ConnectOptions, ConnectTrace, TlsConnectOptions } from './types.js';
import { pickEgress, type EgressOptions } from './egress-options.js';

/** The DoH server's own name is resolved by `resolver`, never through `resolve` (DoH) or `connectTo`. */
export interface HttpsTransportOptions extends Omit<EgressOptions, 'resolve' | 'connectTo'>, Pick<TlsConnectOptions, 'ca' | 'rejectUnauthorized'> {
  /** Time limit for connecting (the server's name, the attempts, TLS), ms; default connect's. */
  connectTimeout?: number;
  /** Time limit for each request, connecting included, ms; default none (the lookup's own limit applies). */
  timeout?: number;
  /** Largest response body read, bytes; default 65536. */
  maxBodyBytes?: number;
  /** Resolves the DoH server's name (never through DoH); default the system resolver. */
  resolver?: Resolver;
}

function invalid(what: string, value: unknown): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', `httpsTransport: ${what}, got ${JSON.stringify(value)}`, { input: value });
}

/** Bad options are refused when the transport is made, not at its first lookup. */
function checkOptions(o: HttpsTransportOptions): number {
  const maxBody = o.maxBodyBytes ?? DEFAULT_DOH_MAX_BYTES;
  if (!Number.isInteger(maxBody) || maxBody < 1) throw invalid('maxBodyBytes must be an integer >= 1', o.maxBodyBytes);
  for (const key of ['connectTimeout', 'timeout'] as const) {
    const t = o[key];
    if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t <= 0)) throw invalid(`${key} must be a number of ms > 0`, t);
  }
  if (o.family !== undefined && o.family !== 'any' && o.family !== 4 && o.family !== 6) throw invalid('family must be "any", 4 or 6', o.family);
  if (o.resolver !== undefined && typeof o.resolver !== 'function') throw invalid('resolver must be a function', typeof o.resolver);
  if (o.interface !== undefined) parseInterfaceList(o.interface);
  parsePortRange(o.localPort);
  return maxBody;
}

/** The endpoint for messages: scheme, host (with its zone) and path, without the query. */
function endpointLabel(url: URL, zone: string | undefined): string {
  return `${url.protocol}//${zone === undefined ? url.host : url.host.replace(']', `%25${zone}]`)}${url.pathname}`;
}

function connectionInfo(trace: ConnectTrace): DohConnectionInfo {
  const info: DohConnectionInfo = {
    localAddress: trace.local.address,
    localPort: trace.local.port,
    remoteAddress: trace.remote.address,
    remotePort: trace.remote.port,
    bindMethod: trace.bindMethod,
  };
  if (trace.interface !== undefined) info.interface = trace.interface;
  const egress = trace.egressInterface;
  if (egress !== undefined) info.egressInterface = egress;
  if (trace.egressWarning !== undefined) info.egressWarning = trace.egressWarning;
  return info;
}

export function httpsTransport(options: HttpsTransportOptions = {}): DohTransport {
  const maxBody = checkOptions(options);
  const o = { ...options };
  const identity = `https ${egressIdentity(o)} ${trustIdentity(o)} max=${maxBody}${o.resolver ? ` resolver${objectIdentity(o.resolver)}` : ''}`;
  const transport = (request: DohTransportRequest): Promise<DohTransportResponse> => send(request, o, maxBody);
  return Object.assign(transport, { identity });
}

/** The egress of a DoH connection: never `resolve` or `connectTo`, which would send the server's own name through DoH. */
function dohEgress(o: HttpsTransportOptions, host: string, port: number): ConnectOptions {
  const c = pickEgress<ConnectOptions>(o, { host, port });
  delete c.resolve;
  delete c.connectTo;
  return c;
}

async function send(request: DohTransportRequest, o: HttpsTransportOptions, maxBody: number): Promise<DohTransportResponse> {
  const { url, zone } = request;
  const label = endpointLabel(url, zone);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const host = zone === undefined ? hostname : `${hostname}%${zone}`;
  // The request's own limit and the caller's signal, as one signal for connect and the exchange.
  const limit = o.timeout === undefined ? undefined : AbortSignal.timeout(o.timeout);
  const signal = limit && request.signal ? AbortSignal.any([request.signal, limit]) : (limit ?? request.signal);
  /** The error for a stop of `signal`: the request's time limit, or the caller's abort. */
  const stopped = (): HiperError => limit?.aborted
    ? new HiperError('ERR_TIMEOUT', `the DoH request to ${label} took longer than ${o.timeout} ms`, { input: label, details: { timeoutMs: o.timeout } })
    : new HiperError('ERR_ABORTED', `the DoH request to ${label} was aborted`, { input: label, cause: request.signal?.reason });
  let connection;
  try {
    connection = await connect({
      ...dohEgress(o, host, url.port === '' ? 443 : Number(url.port)),
      ...(o.connectTimeout !== undefined ? { timeout: o.connectTimeout } : {}),
      // An address literal needs no resolver; a name goes to the given one, else to the system's.
      ...(o.resolver !== undefined && isIP(hostname) === 0 ? { resolver: o.resolver } : {}),
      tls: { ALPNProtocols: ['http/1.1'], ...(o.ca !== undefined ? { ca: o.ca } : {}), ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}) },
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw stopped();
    throw unreachable(err, label);
  }
  return exchange(connection.socket as TLSSocket, request, {
    maxBody, label, connection: connectionInfo(connection.trace), aborted: stopped, ...(signal ? { signal } : {}),
  });
}

/** No attempt reached the server: the lookup failed (curl: could not resolve), each attempt kept. */
function unreachable(err: unknown, label: string): unknown {
  if (!(err instanceof HiperError) || err.code !== 'ERR_CONNECT_ALL_FAILED') return err;
  return new HiperError('ERR_DNS_FAILED', `DoH request to ${label} failed: ${err.message}`, {
    input: label, cause: err, details: { ...err.details, source: 'doh', url: label },
  });
}
