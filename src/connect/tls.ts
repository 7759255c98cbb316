/** TLS on the winning socket: SNI (never for IP literals), ALPN, verification on by default. */
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import type { TlsConnectOptions } from './types.js';

/** Starts the handshake; `secure` can be destroyed to give up, `ready` settles once. */
export function startTls(socket: Socket, options: TlsConnectOptions, host: string): { secure: TLSSocket; ready: Promise<TLSSocket> } {
  const secure = tlsConnect({
    socket,
    // The name the certificate is checked against: the host asked for (an IP literal without its zone).
    host: host.replace(/^\[|\]$/g, '').replace(/%.*$/, ''),
    ...(options.servername ? { servername: options.servername } : {}),
    ...(options.ALPNProtocols ? { ALPNProtocols: options.ALPNProtocols } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  });
  const ready = new Promise<TLSSocket>((resolve, reject) => {
    const onError = (err: Error): void => {
      secure.destroy();
      reject(new HiperError('ERR_TLS', `TLS handshake with ${host} failed: ${err.message}`, { input: host, cause: err }));
    };
    const onClose = (): void => reject(new HiperError('ERR_TLS', `TLS handshake with ${host} was cut short`, { input: host }));
    secure.on('error', onError);
    secure.once('close', onClose);
    secure.once('secureConnect', () => {
      secure.removeListener('error', onError);
      secure.removeListener('close', onClose);
      resolve(secure);
    });
  });
  return { secure, ready };
}
