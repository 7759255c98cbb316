/** The connect trace of each socket an adapter opened, kept as long as the socket lives. */
import type { Socket } from 'node:net';
import type { ConnectTrace } from '../connect/index.js';
import type { AdapterEgressOptions } from './options.js';

const traces = new WeakMap<object, ConnectTrace>();

/**
 * The trace of a socket hiper opened through an adapter: attempts, skips, local and remote address,
 * bind method and timings. undefined for a socket hiper did not open.
 */
export function traceOf(socket: object | null | undefined): ConnectTrace | undefined {
  return socket ? traces.get(socket) : undefined;
}

/** Records the trace for the socket (and any socket layered on it) and tells the onConnect hook. */
export function recordConnection(egress: AdapterEgressOptions, trace: ConnectTrace, ...sockets: Socket[]): void {
  for (const s of sockets) traces.set(s, trace);
  egress.onConnect?.(trace, sockets[sockets.length - 1]!);
}
