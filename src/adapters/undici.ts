/**
 * hiperConnector(): a `connect` function for undici's Agent, Client and Pool (and so for fetch with a
 * dispatcher). undici calls it with { hostname, host, protocol, port, servername, localAddress,
 * httpSocket } and a callback(err, socket); hiper's connect() opens the socket from the pinned egress,
 * with Happy Eyeballs, the skip-and-fall-back of curl bug 1189, and TLS with the ALPN undici wants.
 * undici is not imported: the caller brings their own.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import { connect, type TlsConnectOptions } from '../connect/index.js';
import { checkEgressOptions, connectOptionsFor, EGRESS_KEYS, type AdapterEgressOptions } from './options.js';
import { recordConnection } from './trace.js';
import { upgradeToTls } from './tls-upgrade.js';

/** undici's own default connect timeout (buildConnector), kept so the connector changes only the egress. */
export const UNDICI_CONNECT_TIMEOUT = 10_000;

export interface HiperConnectorOptions extends AdapterEgressOptions {
  /** TLS for https origins; servername and ALPN default to what undici asks for. */
  tls?: Omit<TlsConnectOptions, 'servername' | 'ALPNProtocols'> & { servername?: string; ALPNProtocols?: string[] };
  /** Offer h2 by ALPN (undici's allowH2). Default: what the Client passes, else false. */
  allowH2?: boolean;
  /** Offer h2 before http/1.1 (undici 8's preferH2). */
  preferH2?: boolean;
  /** TCP keep-alive on new sockets, as undici's connector does (default true, 60 s). */
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

/** What undici passes to a connector (undici 7 and 8). */
export interface UndiciConnectParams {
  hostname: string;
  host?: string;
  protocol: string;
  port: string | number;
  servername?: string | null;
  localAddress?: string | null;
  socketPath?: string | null;
  httpSocket?: Socket;
  /** Added by undici's Client when its allowH2 option is set. */
  allowH2?: boolean;
}

export type UndiciConnectCallback = (...args: [null, Socket | TLSSocket] | [Error, null]) => void;
export type UndiciConnector = (params: UndiciConnectParams, callback: UndiciConnectCallback) => void;

const CONNECTOR_KEYS = new Set<string>([...EGRESS_KEYS, 'tls', 'allowH2', 'preferH2', 'keepAlive', 'keepAliveInitialDelay']);

function checkConnectorOptions(o: HiperConnectorOptions): void {
  if (o === null || typeof o !== 'object') {
    throw new HiperError('ERR_INVALID_ARGUMENT', `hiperConnector options must be an object, got ${JSON.stringify(o)}`, { input: o });
  }
  for (const key of Object.keys(o)) {
    if (!CONNECTOR_KEYS.has(key)) {
      const hint = ['ca', 'rejectUnauthorized', 'servername', 'ALPNProtocols'].includes(key) ? ` (TLS options go in tls: { ${key} })` : '';
      throw new HiperError('ERR_INVALID_ARGUMENT', `unknown hiperConnector option "${key}"${hint}`, { input: key });
    }
  }
  checkEgressOptions(o);
  for (const key of ['allowH2', 'preferH2', 'keepAlive'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new HiperError('ERR_INVALID_ARGUMENT', `option ${key} must be a boolean, got ${JSON.stringify(o[key])}`, { input: key });
    }
  }
}

function alpn(allowH2: boolean, preferH2: boolean): string[] {
  if (!allowH2) return ['http/1.1'];
  return preferH2 ? ['h2', 'http/1.1'] : ['http/1.1', 'h2'];
}

/** The SNI name: what undici asks for, else the host name (never an IP literal). */
function serverName(params: UndiciConnectParams, configured: string | undefined): string | undefined {
  const name = params.servername || configured || params.hostname;
  return name && isIP(name.replace(/^\[|\]$/g, '').replace(/%.*$/, '')) === 0 ? name : undefined;
}

/** Builds the connector. Bad options throw here, not on the first request. */
export function hiperConnector(options: HiperConnectorOptions = {}): UndiciConnector {
  checkConnectorOptions(options);
  const open = options.connector ?? connect;
  const limit = options.connectTimeout ?? UNDICI_CONNECT_TIMEOUT;
  const egress: AdapterEgressOptions = { ...options, connectTimeout: limit };

  const finish = (socket: Socket, callback: UndiciConnectCallback): void => {
    socket.setNoDelay(true);
    // socketOptions.keepAlive has set the probes before connect; setKeepAlive would overwrite them.
    if ((options.keepAlive ?? true) && options.socketOptions?.keepAlive === undefined) socket.setKeepAlive(true, options.keepAliveInitialDelay ?? 60_000);
    callback(null, socket);
  };

  return function hiperConnect(params, callback) {
    // undici's own connector answers on a later tick; so does this one, errors included.
    const fail = (err: unknown): void => queueMicrotask(() => callback(err as Error, null));
    if (params.socketPath) {
      fail(new HiperError('ERR_INVALID_ARGUMENT', `hiperConnector connects over TCP; socketPath "${params.socketPath}" is not supported`, { input: params.socketPath }));
      return;
    }
    const https = params.protocol === 'https:' || params.httpSocket !== undefined;
    const { tls: tlsOptions = {} } = options;
    const servername = serverName(params, tlsOptions.servername);
    const ALPNProtocols = tlsOptions.ALPNProtocols ?? alpn(options.allowH2 ?? params.allowH2 ?? false, options.preferH2 ?? false);
    const tls = https ? { ...tlsOptions, ALPNProtocols, ...(servername ? { servername } : {}) } : undefined;
    if (params.httpSocket) {
      // A TLS upgrade over a socket undici already has (a proxy tunnel): no new connection to open.
      upgradeToTls(params.httpSocket, { tls: tls!, host: params.hostname, limitMs: limit, ...(options.clock ? { clock: options.clock } : {}) })
        .then((s) => finish(s, callback), fail);
      return;
    }
    let request;
    try {
      request = connectOptionsFor(egress, {
        host: params.hostname,
        port: Number(params.port) || (https ? 443 : 80),
        localAddress: params.localAddress,
        ...(tls ? { tls } : {}),
      });
    } catch (err) {
      fail(err);
      return;
    }
    open(request).then(({ socket, trace }) => {
      try {
        recordConnection(egress, trace, socket);
      } catch (err) {
        socket.destroy();
        fail(err);
        return;
      }
      finish(socket, callback);
    }, fail);
  };
}
