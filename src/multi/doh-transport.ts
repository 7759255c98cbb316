/**
 * A DNS-over-HTTPS transport over a Multi: the DoH requests of a lookup leave through the same egress
 * (interface, local address) as the transfers it serves, on pooled connections. Pass it to
 * resolve({ doh: { url, transport } }), which cannot import this layer itself.
 */
import { HiperError } from '../shared/errors.js';
import { egressIdentity, objectIdentity, trustIdentity } from '../connect/index.js';
import type { DohConnectionInfo, DohTransport, DohTransportRequest, DohTransportResponse } from '../resolve/types.js';
import type { EgressOptions, MultiApi, TransferInfo, TransferOptions } from './types.js';

type DohEgress = EgressOptions & Pick<TransferOptions, 'tls' | 'timeout' | 'connectTimeout'>;

/**
 * The cache identity: egress and trust. Without `tls` the Multi's own TLS defaults apply, which only
 * the Multi knows, so the Multi itself is part of the identity; so are resolve and connectTo options.
 */
function identityOf(multi: MultiApi, egress: DohEgress): string {
  const { tls, resolve, connectTo } = egress;
  const extra = [resolve ? `resolve${objectIdentity(resolve)}` : '', connectTo ? `connectTo=${JSON.stringify(connectTo)}` : ''].filter(Boolean).join(' ');
  return `multi${objectIdentity(multi)} ${egressIdentity(egress)} ${tls ? trustIdentity(tls) : 'multi-tls'}${extra ? ` ${extra}` : ''}`;
}

/** The request URL as the Multi takes it: with the zone of a link-local endpoint (RFC 6874). */
function urlOf(request: DohTransportRequest): string {
  const { href, hostname } = request.url; // hostname of an IPv6 literal: "[fe80::1]"
  return request.zone === undefined ? href : href.replace(hostname, `${hostname.slice(0, -1)}%25${request.zone}]`);
}

function connectionOf(info: TransferInfo): DohConnectionInfo {
  return {
    ...(info.local ? { localAddress: info.local.address, localPort: info.local.port } : {}),
    ...(info.remote ? { remoteAddress: info.remote.address, remotePort: info.remote.port } : {}),
    ...(info.bindMethod !== undefined ? { bindMethod: info.bindMethod } : {}),
    ...(info.interface !== undefined ? { interface: info.interface } : {}),
    ...(info.egressInterface !== undefined ? { egressInterface: info.egressInterface } : {}),
    ...(info.connectTrace?.egressWarning !== undefined ? { egressWarning: info.connectTrace.egressWarning } : {}),
  };
}

export function multiDohTransport(multi: MultiApi, egress: DohEgress = {}): DohTransport {
  const transport = async (request: DohTransportRequest): Promise<DohTransportResponse> => {
    const t = multi.add({
      ...egress,
      url: urlOf(request),
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
      return { status: r.status, headers, body: r.body, connection: connectionOf(r.info) };
    } catch (err) {
      if (err instanceof HiperError && err.code === 'ERR_ABORTED' && request.signal?.aborted) {
        throw new HiperError('ERR_ABORTED', `the DoH request to ${request.url.href} was aborted`, { input: request.url.href, cause: request.signal.reason });
      }
      throw err;
    } finally {
      request.signal?.removeEventListener('abort', abort);
    }
  };
  return Object.assign(transport, { identity: identityOf(multi, egress) });
}
