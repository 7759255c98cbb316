/**
 * What a DNS reply means for the query it may answer, decided from the bytes alone (no I/O): not
 * ours (another ID or question: ignored, as a stray or spoofed datagram is), truncated (ask again over
 * TCP), an RCODE, malformed, or the addresses found by following the CNAME chain from the question name.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type DnsPacket from 'dns-packet';
import { dnsPacket } from '../dns-packet.js';
import { canonicalName } from '../hostname.js';
import type { DnsQuery, DnsQueryType } from './message.js';

export interface DnsAnswer {
  address: string;
  /** Seconds: the smallest TTL along the CNAME chain and of the record. */
  ttl: number;
}

export type DnsReply =
  | { kind: 'ignore'; why: string }
  | { kind: 'truncated' }
  | { kind: 'answer'; answers: DnsAnswer[] }
  /** Any RCODE but NOERROR: NXDOMAIN, SERVFAIL, REFUSED, FORMERR... */
  | { kind: 'rcode'; rcode: string }
  | { kind: 'malformed'; why: string; reason?: 'cname-chain' | 'cname-loop' };

interface ResourceRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  data?: unknown;
}

/** Longest CNAME chain followed inside one answer. */
export const MAX_CNAME_CHAIN = 16;

const QR = 0x80; // in the third byte
const TC = 0x02;

/** RFC 2181 §8: a TTL with the most significant bit set is treated as zero. */
export function ttlSeconds(ttl: number | undefined): number {
  return ttl === undefined || ttl >= 0x8000_0000 ? 0 : ttl;
}

export function judgeReply(body: Buffer, query: DnsQuery): DnsReply {
  if (body.length < 12) return { kind: 'malformed', why: `${body.length} bytes, shorter than a DNS header` };
  const id = body.readUInt16BE(0);
  if (id !== query.id) return { kind: 'ignore', why: `ID ${id}, not ${query.id}` };
  if ((body[2]! & QR) === 0) return { kind: 'ignore', why: 'the QR bit is not set (a query, not a response)' };
  // Checked before parsing: a truncated message may end in the middle of a record.
  if ((body[2]! & TC) !== 0) return { kind: 'truncated' };

  let packet: ReturnType<typeof DnsPacket.decode>;
  try {
    packet = dnsPacket().decode(body);
  } catch (err) {
    return { kind: 'malformed', why: `it does not parse (${(err as Error).message})` };
  }
  if (dnsPacket().decode.bytes !== body.length) return { kind: 'malformed', why: `${body.length - dnsPacket().decode.bytes} bytes follow the message` };
  const rcode = (packet as { rcode?: string }).rcode ?? 'NOERROR';
  const questions = packet.questions ?? [];
  // Servers may leave the question out of an error reply; an answer must repeat it.
  if (!(rcode !== 'NOERROR' && questions.length === 0)) {
    const q = questions[0];
    if (questions.length !== 1 || !q) return { kind: 'ignore', why: `${questions.length} questions instead of 1` };
    if (canonicalName(q.name) !== canonicalName(query.name) || q.type !== query.type || (q.class ?? 'IN') !== 'IN') {
      return { kind: 'ignore', why: `it answers ${q.name} ${q.type} ${q.class ?? ''}`.trimEnd() };
    }
  }
  if (rcode !== 'NOERROR') return { kind: 'rcode', rcode };
  return followChain((packet.answers ?? []) as ResourceRecord[], query.name, query.type);
}

/** The records of `type` for `name`, through at most MAX_CNAME_CHAIN CNAMEs (empty: NODATA). */
export function followChain(records: readonly ResourceRecord[], name: string, type: DnsQueryType): DnsReply {
  let current = canonicalName(name);
  const seen = new Set([current]);
  let chainTtl = Infinity;
  for (let hops = 0; ; hops++) {
    const answers: DnsAnswer[] = [];
    let cname: ResourceRecord | undefined;
    for (const r of records) {
      if ((r.class ?? 'IN') !== 'IN' || canonicalName(r.name) !== current) continue;
      if (r.type === type) {
        const address = String(r.data);
        if (!(type === 'A' ? isIPv4(address) : isIPv6(address))) return { kind: 'malformed', why: `${r.name} ${type} record holds "${address}"` };
        answers.push({ address, ttl: Math.min(ttlSeconds(r.ttl), chainTtl) });
      } else if (r.type === 'CNAME') {
        cname ??= r;
      }
    }
    if (answers.length > 0 || !cname) return { kind: 'answer', answers };
    if (hops >= MAX_CNAME_CHAIN) return { kind: 'malformed', reason: 'cname-chain', why: `the CNAME chain is longer than ${MAX_CNAME_CHAIN}` };
    const next = canonicalName(String(cname.data));
    if (seen.has(next)) return { kind: 'malformed', reason: 'cname-loop', why: `the CNAME chain loops at ${next}` };
    seen.add(next);
    current = next;
    chainTtl = Math.min(chainTtl, ttlSeconds(cname.ttl));
  }
}
