/** RFC 8484 requests: a DNS query in wire format (ID 0, RD set), sent by GET (?dns=base64url) or POST. */
import { dnsPacket } from '../dns-packet.js';

export type DohQueryType = 'A' | 'AAAA';

export const DNS_MESSAGE = 'application/dns-message';

export function encodeQuery(name: string, type: DohQueryType): Buffer {
  // ID 0: RFC 8484 section 4.1 asks for it, so that HTTP caches see one URL per question.
  return dnsPacket().encode({ type: 'query', id: 0, flags: dnsPacket().RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
}

export interface DohRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Buffer;
}

export function dohRequest(endpoint: URL, method: 'GET' | 'POST', query: Buffer): DohRequest {
  const url = new URL(endpoint.href);
  if (method === 'GET') {
    // base64url without padding (RFC 8484 section 6); Buffer's base64url never pads.
    url.searchParams.set('dns', query.toString('base64url'));
    return { url, method, headers: { accept: DNS_MESSAGE } };
  }
  return { url, method, headers: { accept: DNS_MESSAGE, 'content-type': DNS_MESSAGE, 'content-length': String(query.length) }, body: query };
}
