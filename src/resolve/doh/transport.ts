/**
 * A minimal DoH transport on node:https: one request per connection, the TCP socket opened from the
 * pinned egress through src/bind (device binding with SO_BINDTODEVICE where the addon is available,
 * else address binding), TLS verified by default. The multi layer offers a pooled one.
 */
import { request as httpsRequest } from 'node:https';
import { Socket, isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { HiperError } from '../../shared/errors.js';
import type { AddressRecord } from '../../shared/types.js';
import { deviceBinding, formatWithZone, if2ip, interfaceTable, openBoundSocket, parseAddress, parseZonedAddress, type InterfaceTable } from '../../bind/index.js';
import { abortError } from '../abort.js';
import { resolve } from '../resolve.js';
import type { DohConnectionInfo, DohTransport, Resolver } from '../types.js';
import { DEFAULT_DOH_MAX_BYTES } from './check.js';

export interface HttpsTransportOptions {
  /** Interface the requests leave from (bound to the device where possible, else to its address). */
  interface?: string;
  /** Local address the requests leave from. */
  localAddress?: string;
  ca?: string | Buffer | Array<string | Buffer>;
  /** Certificate verification; on by default. */
  rejectUnauthorized?: boolean;
  /** Largest response body read, bytes; default 65536. */
  maxBodyBytes?: number;
  table?: InterfaceTable;
  /** Resolves the endpoint's host when it is a name (never through DoH); default: the system resolver. */
  resolver?: Resolver;
}

interface Opened {
  socket: Socket;
  remote: AddressRecord;
}

function noEgress(label: string, skips: string[]): HiperError {
  return new HiperError('ERR_INTERFACE_NO_ADDRESS', `the DoH server cannot be reached from ${label}: ${skips.join('; ')}`, { input: label, details: { skips } });
}

/** A socket for the first remote address the egress can serve, connecting. */
function openEgress(remotes: AddressRecord[], port: number, options: HttpsTransportOptions): Opened {
  const skips: string[] = [];
  const device = deviceBinding().available;
  for (const remote of remotes) {
    const zone = remote.scopeId === undefined ? undefined : ((options.table ?? interfaceTable()).byIndex(remote.scopeId)?.name ?? remote.scopeId);
    const host = formatWithZone(remote.address, zone);
    if (options.interface !== undefined) {
      const table = options.table ?? interfaceTable();
      const scope = parseAddress(remote.address)!.scope;
      const r = if2ip(table, options.interface, { address: remote.address, family: remote.family, scope, ...(remote.scopeId === undefined ? {} : { scopeId: remote.scopeId }) });
      if (r.status === 'not-found') throw new HiperError('ERR_INTERFACE_NOT_FOUND', `DoH interface "${options.interface}" does not exist`, { input: options.interface });
      if (r.status !== 'found') {
        skips.push(`${remote.address}: ${r.reason}`);
        continue;
      }
      if (device) {
        const socket = openBoundSocket({ family: remote.family, device: options.interface, localAddress: r.local.address, ...(r.scopeId === undefined ? {} : { scopeId: r.scopeId }) });
        socket.connect(port, host);
        return { socket, remote };
      }
      return { socket: new Socket().connect({ port, host, localAddress: r.local.address, family: remote.family }), remote };
    }
    if (options.localAddress !== undefined) {
      const local = parseAddress(options.localAddress);
      if (!local) throw new HiperError('ERR_INVALID_ARGUMENT', `DoH localAddress ${JSON.stringify(options.localAddress)} is not an IP address`, { input: options.localAddress });
      if (local.family !== remote.family) {
        skips.push(`${remote.address}: ${options.localAddress} is not an IPv${remote.family} address`);
        continue;
      }
      return { socket: new Socket().connect({ port, host, localAddress: local.address, family: remote.family }), remote };
    }
    return { socket: new Socket().connect({ port, host, family: remote.family }), remote };
  }
  throw noEgress(options.interface ?? options.localAddress ?? 'this host', skips);
}

async function remotesOf(url: URL, options: HttpsTransportOptions, signal: AbortSignal | undefined): Promise<AddressRecord[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || host.includes('%')) {
    const p = parseZonedAddress(decodeURIComponent(host), options.table ?? interfaceTable());
    return [{ address: p.address, family: p.family, ...(p.scopeId === undefined ? {} : { scopeId: p.scopeId }), source: 'literal' }];
  }
  const resolver = options.resolver ?? resolve;
  return resolver(host, { ...(signal ? { signal } : {}) });
}

export function httpsTransport(options: HttpsTransportOptions = {}): DohTransport {
  const maxBody = options.maxBodyBytes ?? DEFAULT_DOH_MAX_BYTES;
  if (!Number.isInteger(maxBody) || maxBody < 1) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `maxBodyBytes must be an integer >= 1, got ${JSON.stringify(options.maxBodyBytes)}`, { input: options.maxBodyBytes });
  }
  return async (request) => {
    const { url, signal } = request;
    if (signal?.aborted) throw abortError(url.hostname, signal);
    const remotes = await remotesOf(url, options, signal);
    const port = url.port === '' ? 443 : Number(url.port);
    const { socket } = openEgress(remotes, port, options);
    const certHost = url.hostname.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const secure = tlsConnect({
      socket,
      host: certHost,
      ...(isIP(certHost) ? {} : { servername: certHost }),
      ALPNProtocols: ['http/1.1'],
      ...(options.ca ? { ca: options.ca } : {}),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
    });
    return exchange(secure, socket, request, maxBody);
  };
}

function exchange(secure: TLSSocket, raw: Socket, request: Parameters<DohTransport>[0], maxBody: number): ReturnType<DohTransport> {
  const { url, method, headers, body, signal } = request;
  const connection: DohConnectionInfo = {};
  let tcpUp = false;
  let tlsUp = false;
  raw.once('connect', () => {
    tcpUp = true;
    Object.assign(connection, { localAddress: raw.localAddress, localPort: raw.localPort, remoteAddress: raw.remoteAddress, remotePort: raw.remotePort });
  });
  secure.once('secureConnect', () => { tlsUp = true; });
  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (err: unknown): void => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      secure.destroy();
      if (err instanceof HiperError) return reject(err);
      if (tcpUp && !tlsUp) {
        return reject(new HiperError('ERR_TLS', `TLS handshake with the DoH server ${url.host} failed: ${(err as Error).message}`, { input: url.href, cause: err }));
      }
      reject(err);
    };
    const onAbort = (): void => fail(abortError(url.hostname, signal!));
    const req = httpsRequest(url, { method, headers, createConnection: () => secure });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      const tooLarge = (n: number): HiperError => new HiperError('ERR_DOH_BAD_RESPONSE', `the DoH answer from ${url.host} is larger than ${maxBody} bytes (${n})`, {
        input: url.href, details: { reason: 'too-large', bytes: n },
      });
      if (Number.isFinite(declared) && declared > maxBody) return fail(tooLarge(declared));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) return fail(tooLarge(size));
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        secure.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size), connection });
      });
      res.on('aborted', () => fail(new Error('the DoH server closed the connection mid-answer')));
    });
    req.end(body);
  });
}
