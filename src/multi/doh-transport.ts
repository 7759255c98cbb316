/**
 * A DNS-over-HTTPS transport over a Multi: the DoH requests of a lookup leave through the same egress
 * (interface, local address) as the transfers it serves, on pooled connections. Pass it to
 * resolve({ doh: { url, transport } }), which cannot import this layer itself.
 */
import { HiperError } from '../shared/errors.js';
import type { DohTransport } from '../resolve/types.js';
import type { EgressOptions, MultiApi, TransferOptions } from './types.js';

export function multiDohTransport(multi: MultiApi, egress: EgressOptions & Pick<TransferOptions, 'tls' | 'timeout'> = {}): DohTransport {
  return async (request) => {
    const t = multi.add({
      ...egress,
      url: request.url,
      method: request.method,
      headers: request.headers,
      ...(request.body ? { body: request.body } : {}),
    });
    const abort = (): void => void multi.remove(t);
    if (request.signal?.aborted) abort();
    request.signal?.addEventListener('abort', abort, { once: true });
    try {
      const r = await t.done;
      const headers: Record<string, string | string[] | undefined> = {};
      for (const [name, value] of r.headers) {
        const key = name.toLowerCase();
        const had = headers[key];
        headers[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
      }
      return {
        status: r.status,
        headers,
        body: r.body,
        connection: {
          ...(r.info.local ? { localAddress: r.info.local.address, localPort: r.info.local.port } : {}),
          ...(r.info.remote ? { remoteAddress: r.info.remote.address, remotePort: r.info.remote.port } : {}),
        },
      };
    } catch (err) {
      if (err instanceof HiperError && err.code === 'ERR_ABORTED' && request.signal?.aborted) {
        throw new HiperError('ERR_ABORTED', `the DoH request to ${request.url.href} was aborted`, { input: request.url.href, cause: request.signal.reason });
      }
      throw err;
    } finally {
      request.signal?.removeEventListener('abort', abort);
    }
  };
}
