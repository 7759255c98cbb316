/**
 * One query over TCP (RFC 7766), for answers truncated over UDP: the socket leaves through the same
 * device and local address (connectBoundSocket from src/bind), the message carries a 2-byte length
 * prefix, and the reply is read up to its announced length (at most 64 KiB) and judged like a datagram,
 * except that a reply to another query is an error here: nobody else writes on this connection.
 */
import { connectBoundSocket } from '../../bind/index.js';
import type { DnsServer } from '../servers.js';
import type { DnsEgress } from './egress.js';
import { tcpFrame, type DnsQuery } from './message.js';
import { judgeReply } from './reply.js';
import { runTry, type TryLimits, type TryOutcome } from './try.js';

export function tcpTry(egress: DnsEgress, server: DnsServer, query: DnsQuery, limits: TryLimits): Promise<TryOutcome> {
  return runTry(limits, (settle) => {
    const socket = connectBoundSocket({ family: server.family, device: egress.device, localAddress: egress.localAddress }, server.port, server.address);
    const chunks: Buffer[] = [];
    let have = 0;
    let need = -1;
    socket.on('error', (error) => settle({ kind: 'error', error }));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      if (need < 0 && have >= 2) need = 2 + Buffer.concat(chunks, have).readUInt16BE(0);
      if (need < 0 || have < need) return;
      const reply = judgeReply(Buffer.concat(chunks, have).subarray(2, need), query);
      if (reply.kind === 'ignore') settle({ kind: 'reply', reply: { kind: 'malformed', why: `over TCP, ${reply.why}` } });
      else if (reply.kind === 'truncated') settle({ kind: 'reply', reply: { kind: 'malformed', why: 'the TC bit is set over TCP' } });
      else settle({ kind: 'reply', reply });
    });
    socket.on('end', () => {
      const of = need < 0 ? '' : ` of ${need}`;
      settle({ kind: 'error', error: new Error(`the server closed the connection after ${have}${of} bytes`) });
    });
    socket.write(tcpFrame(query.wire));
    return () => socket.destroy();
  });
}
