/**
 * Explicit DNS servers through Node's c-ares resolver (dns.Resolver), which retries, rotates servers,
 * falls back to TCP on truncation and follows CNAMEs; setLocalAddress binds the source address.
 * c-ares cannot bind a device: this serves the servers without a DNS interface, and a DNS interface
 * where device binding is unavailable (from the interface's addresses, as each query's message says).
 */
import { promises as dnsPromises } from 'node:dns';
import { HiperError } from '../../shared/errors.js';
import type { AddressRecord } from '../../shared/types.js';
import { parseAddress } from '../../bind/index.js';
import { raceAbort } from '../abort.js';
import { perFamily } from '../combine.js';
import { fromDnsErrno } from '../errors.js';
import type { DnsServersPlan } from '../servers.js';
import type { LowerLookupRequest } from '../types.js';
import { publishDnsQuery, serverLabel } from './egress.js';

export interface CaresEgress {
  /** The DNS interface asked for, whose addresses stand in for it. */
  device?: string;
  /** Why the device is not bound. */
  reason?: string;
}

export async function caresLookup(plan: DnsServersPlan, { name, family, signal }: LowerLookupRequest, egress: CaresEgress = {}): Promise<AddressRecord[]> {
  // One c-ares channel per lookup, so that aborting it (cancel) touches no other lookup.
  const resolver = new dnsPromises.Resolver();
  resolver.setServers(plan.servers.map((s) => s.text));
  if (plan.localAddress4 !== undefined || plan.localAddress6 !== undefined) {
    resolver.setLocalAddress(plan.localAddress4 ?? '0.0.0.0', plan.localAddress6 ?? '::0');
  }
  const onAbort = (): void => resolver.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await perFamily(name, family, 'dns', async (f): Promise<AddressRecord[]> => {
      const type = f === 4 ? 'A' : 'AAAA';
      // c-ares chooses which of the servers it asks: each one it may ask is told.
      for (const s of plan.servers) {
        const localAddress = s.family === 4 ? plan.localAddress4 : plan.localAddress6;
        publishDnsQuery({
          name, type, server: serverLabel(s), transport: 'c-ares', method: localAddress === undefined ? 'none' : 'address',
          ...(egress.device === undefined ? {} : { device: egress.device }),
          ...(localAddress === undefined ? {} : { localAddress }),
          ...(egress.reason === undefined ? {} : { reason: egress.reason }),
        });
      }
      try {
        const answers = await raceAbort(f === 4 ? resolver.resolve4(name, { ttl: true }) : resolver.resolve6(name, { ttl: true }), signal, name);
        return answers.map((a) => ({ address: f === 6 ? (parseAddress(a.address)?.address ?? a.address) : a.address, family: f, ttl: a.ttl, source: 'dns' }));
      } catch (err) {
        if (err instanceof HiperError) throw err;
        const e = fromDnsErrno(err, name, family, 'dns');
        if (e === 'empty') return [];
        throw e;
      }
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
