/**
 * What a pooled connection keeps of its connect trace: what every transfer on it reports. The whole
 * trace goes only to the transfer that opened it, so an idle connection holds less.
 */
import type { ConnectTrace } from '../connect/types.js';

export type KeptTrace = Pick<ConnectTrace, 'local' | 'remote' | 'bindMethod' | 'interface' | 'egressInterface' | 'alpn' | 'tlsVersion'> & {
  /** The link this connection is pinned to (an egress was asked for): its loss ends the connection. */
  pinnedLink?: string;
};

export function keptTrace(t: ConnectTrace, egressAsked: boolean): KeptTrace {
  const kept: KeptTrace = { local: t.local, remote: t.remote, bindMethod: t.bindMethod };
  if (t.interface !== undefined) kept.interface = t.interface;
  // Read only when an egress was asked for: for an unbound connection it is a route lookup on demand.
  if (egressAsked && t.egressInterface !== undefined) kept.egressInterface = t.egressInterface;
  const pinned = egressAsked ? t.interface ?? t.egressInterface : undefined;
  if (pinned !== undefined) kept.pinnedLink = pinned;
  if (t.alpn !== undefined) kept.alpn = t.alpn;
  if (t.tlsVersion !== undefined) kept.tlsVersion = t.tlsVersion;
  return kept;
}

/** "203.0.113.5:443", "[2001:db8::5]:443": a connection's far end in messages. */
export function remoteOf(trace: KeptTrace): string {
  const r = trace.remote;
  return r.family === 6 ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`;
}
