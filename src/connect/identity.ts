/**
 * Connection settings as short strings, for keys that must tell apart whatever leads to different
 * answers: the egress (where the packets leave) and the TLS trust (which certificates are accepted).
 */
import { createHash } from 'node:crypto';
import type { TlsConnectOptions } from './types.js';
import type { EgressOptions } from './egress-options.js';

/** A digest of CA material: the same certificates give the same identity, whatever object holds them. */
export function caDigest(ca: TlsConnectOptions['ca']): string | undefined {
  if (ca === undefined) return undefined;
  const hash = createHash('sha256');
  for (const part of Array.isArray(ca) ? ca : [ca]) {
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    // The length first, so that ["ab", "c"] and ["a", "bc"] differ.
    hash.update(`${bytes.length}:`).update(bytes);
  }
  return hash.digest('hex').slice(0, 32);
}

/** Verification on or off, and the CA (its digest, or the system's). */
export function trustIdentity(tls: Pick<TlsConnectOptions, 'ca' | 'rejectUnauthorized'>): string {
  return `${tls.rejectUnauthorized === false ? 'no-verify' : 'verify'} ca=${caDigest(tls.ca) ?? 'system'}`;
}

/** The options that decide where a connection leaves from. */
export function egressIdentity(o: Pick<EgressOptions, 'interface' | 'localAddress' | 'localPort' | 'family' | 'strict'>): string {
  return JSON.stringify([o.interface ?? null, o.localAddress ?? null, o.localPort ?? null, o.family ?? 'any', o.strict === true]);
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

/** An object known by itself only (a resolver, a Multi): "#N", the same for the same object. */
export function objectIdentity(o: object): string {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = ++nextObjectId));
  return `#${id}`;
}
