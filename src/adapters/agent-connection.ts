/**
 * createConnection for the node:http / node:https agents: Node's Agent takes the socket through the
 * callback `createConnection(options, oncreate)` (both in Node 20 and 24), so hiper's asynchronous
 * connect() fits without a stand-in stream. Keep-alive pooling stays the base Agent's.
 */
import type { Agent, ClientRequestArgs } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { HiperError } from '../shared/errors.js';
import { systemClock } from '../shared/clock.js';
import { connect, DEFAULT_CONNECT_TIMEOUT, type ConnectTrace } from '../connect/index.js';
import { connectOptionsFor, type AdapterEgressOptions } from './options.js';
import { PoolSlot } from './pool-slot.js';
import { recordConnection } from './trace.js';
import { upgradeToTls } from './tls-upgrade.js';

/** What Node's Agent passes to createConnection: request options, agent options, and its own keys. */
export type AgentConnectionOptions = ClientRequestArgs & ConnectionOptions & {
  _agentKey?: string;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  noDelay?: boolean;
};

export type OnCreate = (err: Error | null, socket: Duplex) => void;

/** How the https agent puts TLS on the connected socket. */
export type SecureLayer = (socket: Socket, options: AgentConnectionOptions, limitMs: number) => Promise<TLSSocket>;

export interface AgentConnection {
  agent: Agent;
  egress: AdapterEgressOptions;
  options: AgentConnectionOptions;
  oncreate: OnCreate | undefined;
  secure?: SecureLayer;
}

/** Node's net.createConnection applies these to the socket it makes; so does hiper. */
function applySocketOptions(socket: Socket, o: AgentConnectionOptions): void {
  if (o.noDelay) socket.setNoDelay(true);
  if (o.keepAlive) socket.setKeepAlive(true, o.keepAliveInitialDelay);
  if (o.timeout) socket.setTimeout(o.timeout);
}

function portOf(o: AgentConnectionOptions, agent: Agent): number {
  const port = Number(o.port || (agent as Agent & { defaultPort?: number }).defaultPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `port must be an integer 1-65535, got ${JSON.stringify(o.port)}`, { input: o.port });
  }
  return port;
}

function tlsTrace(trace: ConnectTrace, secure: TLSSocket, elapsed: number): void {
  trace.timings.appconnect = elapsed;
  if (secure.alpnProtocol) trace.alpn = secure.alpnProtocol;
  const version = secure.getProtocol();
  if (version) trace.tlsVersion = version;
}

/** Opens the connection and hands it (or the error) to Node's oncreate. */
export function openAgentConnection(c: AgentConnection): void {
  const { agent, egress, options, oncreate } = c;
  if (typeof oncreate !== 'function') {
    throw new HiperError('ERR_INVALID_ARGUMENT', 'hiper agents open connections asynchronously: createConnection(options, oncreate) needs its callback', { input: 'oncreate' });
  }
  if (options.socketPath) {
    const err = new HiperError('ERR_INVALID_ARGUMENT', `hiper agents connect over TCP; socketPath "${options.socketPath}" is not supported`, { input: options.socketPath });
    queueMicrotask(() => oncreate(err, undefined as never));
    return;
  }
  const clock = egress.clock ?? systemClock;
  const limit = egress.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  const started = clock.now();
  const abort = new AbortController();
  const slot = new PoolSlot(agent, options._agentKey ?? agent.getName(options), () => abort.abort(new HiperError('ERR_ABORTED', 'the agent was destroyed')));
  const fail = (err: Error): void => {
    slot.release();
    oncreate(err, undefined as never);
    slot.serveWaiting(options);
  };
  let request;
  try {
    request = connectOptionsFor(egress, {
      host: options.host ?? options.hostname ?? 'localhost',
      port: portOf(options, agent),
      localAddress: options.localAddress,
      family: options.family,
      localPort: (options as { localPort?: number }).localPort,
    });
  } catch (err) {
    queueMicrotask(() => fail(err as Error));
    return;
  }
  request.signal = abort.signal;
  (egress.connector ?? connect)(request).then(async ({ socket, trace }) => {
    let result: Socket = socket;
    if (c.secure) {
      try {
        const secure = await c.secure(socket, options, Math.max(1, limit - (clock.now() - started)));
        tlsTrace(trace, secure, clock.now() - started);
        result = secure;
        if (abort.signal.aborted) throw abort.signal.reason; // the agent was destroyed during the handshake
      } catch (err) {
        result.destroy();
        fail(err as Error);
        return;
      }
    }
    try {
      recordConnection(egress, trace, ...(result === socket ? [socket] : [socket, result]));
    } catch (err) {
      result.destroy();
      fail(err as Error);
      return;
    }
    // socketOptions.keepAlive has set the probes before connect; setKeepAlive would overwrite them.
    applySocketOptions(result, egress.socketOptions?.keepAlive === undefined ? options : { ...options, keepAlive: false });
    slot.release();
    oncreate(null, result);
  }, fail);
}

/** The https agent's TLS layer: every tls.connect option Node would use, and the agent's session cache. */
export function agentTls(agent: Agent, egress: AdapterEgressOptions): SecureLayer {
  const cache = agent as Agent & {
    _getSession?(key: string): Buffer | undefined;
    _cacheSession?(key: string, session: Buffer): void;
    _evictSession?(key: string): void;
  };
  return async (socket, options, limitMs) => {
    const key = options._agentKey;
    const session = key !== undefined ? cache._getSession?.(key) : undefined;
    const { signal: _requestSignal, ...tls } = options;
    return upgradeToTls(socket, {
      // The request's signal is not tied to the connection, which outlives the request in the pool.
      tls: { ...(session ? { session } : {}), ...tls },
      host: options.host ?? options.hostname ?? 'localhost',
      limitMs,
      ...(egress.clock ? { clock: egress.clock } : {}),
      prepare: (secure) => {
        if (key === undefined || !cache._cacheSession) return;
        secure.on('session', (s: Buffer) => cache._cacheSession!(key, s));
        secure.once('close', (hadError: boolean) => {
          if (hadError) cache._evictSession?.(key);
        });
      },
    });
  };
}
