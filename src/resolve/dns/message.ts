/**
 * DNS queries on the wire (RFC 1035): one question, recursion desired, a random 16-bit ID per query
 * so that a datagram that merely guesses the source port is not taken for the answer (RFC 5452).
 * Over TCP each message carries a 2-byte length prefix (RFC 1035 §4.2.2, RFC 7766).
 */
import { randomInt } from 'node:crypto';
import { dnsPacket } from '../dns-packet.js';

export type DnsQueryType = 'A' | 'AAAA';

/** The largest DNS message over TCP (the length prefix is 16 bits). */
export const MAX_TCP_MESSAGE = 0xffff;

export interface DnsQuery {
  id: number;
  name: string;
  type: DnsQueryType;
  /** The message as sent over UDP. */
  wire: Buffer;
}

export function newQueryId(): number {
  return randomInt(0, 0x10000);
}

export function encodeDnsQuery(name: string, type: DnsQueryType, id: number = newQueryId()): DnsQuery {
  const wire = dnsPacket().encode({ type: 'query', id, flags: dnsPacket().RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
  return { id, name, type, wire };
}

/** The message with its TCP length prefix. */
export function tcpFrame(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(2 + message.length);
  framed.writeUInt16BE(message.length, 0);
  message.copy(framed, 2);
  return framed;
}
