/**
 * Checks a DoH answer before trusting it: HTTP status, media type, size, wire format (short, truncated,
 * bad labels, trailing bytes), that it answers our question, the RCODE, and the CNAME chain from the
 * question name to the addresses (bounded, loops refused). Everything malformed is ERR_DOH_BAD_RESPONSE.
 */
import type DnsPacket from 'dns-packet';
import { dnsPacket } from '../dns-packet.js';
import { HiperError } from '../../shared/errors.js';
import { fromRcode } from '../errors.js';
import { canonicalName } from '../hostname.js';
import { followChain, MAX_CNAME_CHAIN } from '../dns/reply.js';
import { DNS_MESSAGE, type DohQueryType } from './message.js';

export const DEFAULT_DOH_MAX_BYTES = 65_536;
export { MAX_CNAME_CHAIN };

export interface DohResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface DohCheckOptions {
  /** The name asked for. */
  name: string;
  type: DohQueryType;
  maxBytes?: number;
  /** The endpoint, for messages. */
  url?: string;
}

export interface DohAnswer {
  address: string;
  /** Seconds: the smallest TTL along the CNAME chain and of the record. */
  ttl: number;
}

function header(headers: DohResponse['headers'], name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The addresses a DoH response gives for the question (empty for NODATA), or a HiperError. */
export function checkDohResponse(response: DohResponse, options: DohCheckOptions): DohAnswer[] {
  const { name, type } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_DOH_MAX_BYTES;
  const from = options.url ? ` from ${options.url}` : '';
  const bad = (reason: string, why: string, extra: Record<string, unknown> = {}, cause?: unknown): HiperError =>
    new HiperError('ERR_DOH_BAD_RESPONSE', `bad DoH answer${from} for ${name} ${type}: ${why}`, {
      input: name, details: { reason, type, ...extra }, ...(cause === undefined ? {} : { cause }),
    });

  if (response.status < 200 || response.status > 299) throw bad('status', `HTTP status ${response.status}`, { status: response.status });
  const contentType = header(response.headers, 'content-type');
  const mediaType = contentType?.split(';')[0]!.trim().toLowerCase();
  if (mediaType !== DNS_MESSAGE) throw bad('content-type', `content type ${JSON.stringify(contentType ?? null)}, not ${DNS_MESSAGE}`, { contentType });
  const body = response.body;
  if (body.length > maxBytes) throw bad('too-large', `${body.length} bytes, more than the limit of ${maxBytes}`, { bytes: body.length });
  if (body.length < 12) throw bad('short', `${body.length} bytes, shorter than a DNS header`, { bytes: body.length });
  if ((body[2]! & 0x80) === 0) throw bad('not-a-response', 'the QR bit is not set (a query, not a response)');
  if ((body[2]! & 0x02) !== 0) throw bad('truncated', 'the TC bit is set (truncated)');

  let packet: ReturnType<typeof DnsPacket.decode>;
  try {
    packet = dnsPacket().decode(body);
  } catch (err) {
    throw bad('malformed', `it does not parse (${(err as Error).message})`, {}, err);
  }
  if (dnsPacket().decode.bytes !== body.length) {
    throw bad('malformed', `it does not parse (${dnsPacket().decode.bytes} of ${body.length} bytes are the message)`);
  }
  if (packet.id !== 0) throw bad('id', `ID ${packet.id}, not 0`, { id: packet.id });
  const rcode = (packet as { rcode?: string }).rcode ?? 'NOERROR';
  const questions = packet.questions ?? [];
  if (questions.length !== 1 && !(rcode !== 'NOERROR' && questions.length === 0)) {
    throw bad('question', `${questions.length} questions instead of 1`);
  }
  const q = questions[0];
  if (q && (canonicalName(q.name) !== canonicalName(name) || q.type !== type || (q.class ?? 'IN') !== 'IN')) {
    throw bad('question', `it answers ${q.name} ${q.type} ${q.class ?? ''}`.trimEnd(), { question: q });
  }
  if (rcode !== 'NOERROR') throw fromRcode(rcode, name, type === 'A' ? 4 : 6, 'doh');
  // The same CNAME walk (bounded, loops refused, RFC 2181 TTLs) as hiper's own DNS client.
  const chain = followChain((packet.answers ?? []) as Parameters<typeof followChain>[0], name, type);
  if (chain.kind === 'malformed') throw bad(chain.reason ?? 'malformed', chain.why);
  return chain.kind === 'answer' ? chain.answers : [];
}
