/**
 * A small DNS server for tests, on dns-packet: UDP and TCP (RFC 7766 length prefix) on one address
 * and port. It records every query it hears (transport, client address, and for UDP sockets bound
 * to a device, the link it came in on) and lets the test script each reply. `serveZone` runs it
 * with a fixed zone in another process (the peer namespace), printing "ready" and then one JSON
 * line per query heard.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import dnsPacket from 'dns-packet';
import { openBoundUdpFd } from '../../src/bind/index.js';

export interface Heard {
  transport: 'udp' | 'tcp';
  from: string;
  fromPort: number;
  /** The device of the UDP socket that heard it (servers started with `devices`). */
  link?: string;
  id: number;
  name: string;
  type: string;
  packet: dnsPacket.DecodedPacket;
}

export interface Replier {
  /** Sends a reply to the client (over the transport it asked on). */
  reply(message: Buffer): void;
  /** UDP only: sends a datagram from another port of the server's address. */
  replyFromAnotherPort(message: Buffer): void;
}

/** Decides the replies to one query: call the replier any number of times, or not at all (silence). */
export type Respond = (heard: Heard, replier: Replier) => void;

export interface DnsServerOptions {
  host: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Listen over UDP once per device (SO_BINDTODEVICE), so each query tells the link it came in on. */
  devices?: string[];
  respond: Respond;
}

/** A reply to `q` with the given answers, RCODE (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED) and extra flags. */
export function replyTo(q: dnsPacket.DecodedPacket, answers: dnsPacket.Answer[] = [], rcode = 0, flags = 0, id = q.id ?? 0): Buffer {
  return dnsPacket.encode({
    type: 'response', id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | flags | rcode, questions: q.questions ?? [], answers,
  });
}

export class TestDnsServer {
  readonly heard: Heard[] = [];
  private readonly connections = new Set<net.Socket>();
  private readonly listeners = new Set<(h: Heard) => void>();
  private constructor(readonly host: string, readonly port: number, private readonly udp: dgram.Socket[], private readonly other: dgram.Socket, private readonly tcp: net.Server) {}

  /**
   * Starts the server. Without a given port, UDP takes a free one and TCP the same number, which some
   * other TCP socket of the machine may hold: then it starts again on another.
   */
  static async start(options: DnsServerOptions): Promise<TestDnsServer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await TestDnsServer.startOnce(options);
      } catch (err) {
        if (options.port !== undefined || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw err;
      }
    }
  }

  private static async startOnce(options: DnsServerOptions): Promise<TestDnsServer> {
    const type = net.isIPv6(options.host) ? 'udp6' : 'udp4';
    const family = type === 'udp6' ? 6 : 4;
    const udp: dgram.Socket[] = [];
    let port = options.port ?? 0;
    for (const device of options.devices ?? [undefined]) {
      const socket = dgram.createSocket(type);
      const bind = device === undefined ? { port, address: options.host } : { fd: openBoundUdpFd({ family, device, localAddress: options.host, localPort: port }) };
      await new Promise<void>((resolve) => socket.bind(bind, resolve));
      port = socket.address().port;
      udp.push(socket);
    }
    const other = dgram.createSocket(type);
    other.bind(0, options.host);
    await once(other, 'listening');
    const tcp = net.createServer();
    tcp.listen(port, options.host);
    try {
      await once(tcp, 'listening');
    } catch (err) {
      for (const u of [...udp, other]) u.close();
      throw err;
    }
    const server = new TestDnsServer(options.host, port, udp, other, tcp);
    (options.devices ?? [undefined]).forEach((device, i) => server.serveUdp(udp[i]!, device, options.respond));
    tcp.on('connection', (socket) => server.serveTcp(socket, options.respond));
    return server;
  }

  /** Calls `fn` for every query heard from now on; returns the function that stops it. */
  onHeard(fn: (h: Heard) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves with the next query heard (or one heard already beyond `count`). */
  nextHeard(count = this.heard.length): Promise<Heard> {
    if (this.heard.length > count) return Promise.resolve(this.heard[count]!);
    return new Promise((resolve) => {
      const stop = this.onHeard((h) => { stop(); resolve(h); });
    });
  }

  private hear(h: Omit<Heard, 'id' | 'name' | 'type' | 'packet'>, message: Buffer): Heard | undefined {
    let packet: dnsPacket.DecodedPacket;
    try {
      packet = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    const q = packet.questions?.[0];
    const heard: Heard = { ...h, id: packet.id ?? 0, name: q?.name ?? '', type: q?.type ?? '', packet };
    this.heard.push(heard);
    for (const l of [...this.listeners]) l(heard);
    return heard;
  }

  private serveUdp(socket: dgram.Socket, link: string | undefined, respond: Respond): void {
    socket.on('message', (message, from) => {
      const heard = this.hear({ transport: 'udp', from: from.address, fromPort: from.port, ...(link ? { link } : {}) }, message);
      if (!heard) return;
      respond(heard, {
        reply: (m) => socket.send(m, from.port, from.address),
        replyFromAnotherPort: (m) => this.other.send(m, from.port, from.address),
      });
    });
  }

  private serveTcp(socket: net.Socket, respond: Respond): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Bounded: each pass takes one whole message off the front.
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        const heard = this.hear({ transport: 'tcp', from: socket.remoteAddress!.replace(/^::ffff:/, ''), fromPort: socket.remotePort! }, message);
        if (!heard) continue;
        const send = (m: Buffer): void => {
          const framed = Buffer.alloc(2 + m.length);
          framed.writeUInt16BE(m.length, 0);
          m.copy(framed, 2);
          socket.write(framed);
        };
        respond(heard, { reply: send, replyFromAnotherPort: send });
      }
    });
  }

  async close(): Promise<void> {
    for (const s of [...this.udp, this.other]) await new Promise<void>((r) => s.close(() => r()));
    // Connections a client left open would keep close() waiting: end them.
    for (const c of this.connections) c.destroy();
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}

export type Zone = Record<string, { A?: string[]; AAAA?: string[] }>;

export interface ZoneServerConfig {
  host: string;
  port: number;
  devices?: string[];
  zone: Zone;
  ttl: number;
  /** Names whose UDP replies are truncated (TC set, no answers): the client must ask again over TCP. */
  truncate?: string[];
}

/** Answers from the zone (NXDOMAIN for other names). */
export function zoneResponder(config: Pick<ZoneServerConfig, 'zone' | 'ttl' | 'truncate'>): Respond {
  return (heard, replier) => {
    const entry = config.zone[heard.name];
    if (!entry) return replier.reply(replyTo(heard.packet, [], 3));
    if (heard.transport === 'udp' && config.truncate?.includes(heard.name)) return replier.reply(replyTo(heard.packet, [], 0, dnsPacket.TRUNCATED_RESPONSE));
    const data = heard.type === 'A' ? entry.A ?? [] : heard.type === 'AAAA' ? entry.AAAA ?? [] : [];
    replier.reply(replyTo(heard.packet, data.map((d) => ({ name: heard.name, type: heard.type as 'A', class: 'IN' as const, ttl: config.ttl, data: d }))));
  };
}

/** Runs a zone server in this process until it is killed: prints "ready", then one JSON line per query. */
export async function serveZone(config: ZoneServerConfig): Promise<void> {
  const server = await TestDnsServer.start({ host: config.host, port: config.port, ...(config.devices ? { devices: config.devices } : {}), respond: zoneResponder(config) });
  server.onHeard(({ transport, from, link, name, type }) => console.log(JSON.stringify({ transport, from, link, name, type })));
  console.log('ready');
}
