/**
 * dns-packet, loaded on first use: most connections never send a DNS message of hiper's own (address
 * literals, the system resolver), and loading it from an ES module costs about 6 MB of memory.
 */
import { createRequire } from 'node:module';
import type DnsPacket from 'dns-packet';

const require = createRequire(import.meta.url);
let loaded: typeof DnsPacket | undefined;

export function dnsPacket(): typeof DnsPacket {
  return (loaded ??= require('dns-packet') as typeof DnsPacket);
}
