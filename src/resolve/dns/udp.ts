/**
 * One query over UDP from a device-bound socket: the fd comes from src/bind (SO_BINDTODEVICE and the
 * local address), is connected to the server, so that the kernel drops datagrams from any other
 * address or port and reports an ICMP "port unreachable" as ECONNREFUSED, and is closed by the try.
 */
import { closeSync } from 'node:fs';
import dgram from 'node:dgram';
import { openBoundUdpFd } from '../../bind/index.js';
import type { DnsServer } from '../servers.js';
import type { DnsEgress } from './egress.js';
import type { DnsQuery } from './message.js';
import { judgeReply } from './reply.js';
import { runTry, type TryLimits, type TryOutcome } from './try.js';

export function udpTry(egress: DnsEgress, server: DnsServer, query: DnsQuery, limits: TryLimits): Promise<TryOutcome> {
  return runTry(limits, (settle) => {
    const fd = openBoundUdpFd({ family: server.family, device: egress.device, localAddress: egress.localAddress });
    let socket: dgram.Socket;
    try {
      socket = dgram.createSocket(server.family === 4 ? 'udp4' : 'udp6');
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    let closed = false;
    socket.on('error', (error) => settle({ kind: 'error', error }));
    socket.on('message', (message, from) => {
      if (from.address !== server.address || from.port !== server.port) return;
      const reply = judgeReply(message, query);
      // Another ID or question: a stray or forged datagram, not the answer; keep waiting (the try's timer bounds it).
      if (reply.kind !== 'ignore') settle({ kind: 'reply', reply });
    });
    socket.bind({ fd }, () => {
      socket.connect(server.port, server.address, (err?: Error) => {
        if (closed) return;
        if (err) settle({ kind: 'error', error: err });
        else socket.send(query.wire);
      });
    });
    return () => {
      closed = true;
      socket.close();
    };
  });
}
