/** A tiny authoritative DNS zone for test servers (DoH and plain DNS): A, AAAA and CNAME records. */
import dnsPacket from 'dns-packet';

export type Zone = Record<string, { A?: string[]; AAAA?: string[]; CNAME?: string }>;

/**
 * The response to a query from the zone: its A or AAAA records, CNAMEs followed within the zone (up
 * to 8 hops), NXDOMAIN for a name the zone does not have.
 */
export function answerFrom(zone: Zone, q: dnsPacket.Packet): Buffer {
  const question = q.questions![0]!;
  const answers: dnsPacket.Answer[] = [];
  let name = question.name;
  let rcode = 0;
  for (let hops = 0; hops < 8; hops++) {
    const entry = zone[name];
    if (!entry) {
      if (hops === 0) rcode = 3;
      break;
    }
    if (entry.CNAME) {
      answers.push({ name, type: 'CNAME', class: 'IN', ttl: 40, data: entry.CNAME });
      name = entry.CNAME;
      continue;
    }
    for (const data of (question.type === 'A' ? entry.A : question.type === 'AAAA' ? entry.AAAA : undefined) ?? []) {
      answers.push({ name, type: question.type as 'A', class: 'IN', ttl: 30, data });
    }
    break;
  }
  return dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions!, answers });
}

/**
 * The DNS query of a DoH request (RFC 8484): ?dns= in base64url for GET, the body for POST; undefined
 * when it does not parse (the server answers 400).
 */
export function readDohQuery(req: import('node:http').IncomingMessage | import('node:http2').Http2ServerRequest): Promise<dnsPacket.Packet | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const wire = req.method === 'GET' ? Buffer.from(new URL(req.url ?? '', 'https://x').searchParams.get('dns') ?? '', 'base64url') : Buffer.concat(chunks);
      try {
        resolve(dnsPacket.decode(wire));
      } catch {
        resolve(undefined);
      }
    });
  });
}
