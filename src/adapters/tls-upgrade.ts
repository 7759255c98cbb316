/**
 * TLS over a socket that is already connected, taking every tls.connect option (client certificates,
 * ciphers, checkServerIdentity, session...): what an https.Agent user may pass, beyond the few that
 * connect()'s own tls option knows.
 */
import type { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';

export interface TlsUpgradeOptions {
  /** Everything for tls.connect except the socket. */
  tls: ConnectionOptions;
  /** The host asked for, for messages and the certificate check when there is no servername. */
  host: string;
  /** Handshake time limit, ms. */
  limitMs: number;
  clock?: Clock;
  /** Called with the TLS socket before the handshake (to listen for 'session', which may come first). */
  prepare?: (secure: TLSSocket) => void;
}

/** Resolves with the socket once the handshake is done; rejects with ERR_TLS or ERR_TIMEOUT, the socket destroyed. */
export function upgradeToTls(socket: Socket, o: TlsUpgradeOptions): Promise<TLSSocket> {
  const clock = o.clock ?? systemClock;
  // The name the certificate is checked against: the address without a zone, or the name.
  const host = o.host.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const secure = tlsConnect({ ...o.tls, socket, host });
  o.prepare?.(secure);
  return new Promise<TLSSocket>((resolve, reject) => {
    const fail = (err: HiperError): void => {
      done();
      secure.destroy();
      reject(err);
    };
    const onError = (err: Error): void => fail(new HiperError('ERR_TLS', `TLS handshake with ${o.host} failed: ${err.message}`, { input: o.host, cause: err }));
    const onClose = (): void => fail(new HiperError('ERR_TLS', `TLS handshake with ${o.host} was cut short`, { input: o.host }));
    const timer = clock.setTimeout(() => fail(new HiperError('ERR_TIMEOUT', `TLS handshake with ${o.host} took longer than ${o.limitMs} ms`, { input: o.host })), o.limitMs);
    const onSecure = (): void => {
      done();
      resolve(secure);
    };
    function done(): void {
      clock.clearTimeout(timer);
      secure.removeListener('error', onError);
      secure.removeListener('close', onClose);
      secure.removeListener('secureConnect', onSecure);
    }
    secure.on('error', onError);
    secure.once('close', onClose);
    secure.once('secureConnect', onSecure);
  });
}
