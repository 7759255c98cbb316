/**
 * The lower lookup for explicit DNS servers: plan the servers and local addresses, then send the
 * queries device-bound through hiper's client when a DNS interface is given and device binding is
 * available, else through c-ares (from the local addresses; with `strict`, a DNS interface without
 * device binding is refused before any packet is sent).
 */
import { systemClock } from '../../shared/clock.js';
import type { AddressRecord } from '../../shared/types.js';
import { parseAddress } from '../../bind/index.js';
import { abortError } from '../abort.js';
import { perFamily } from '../combine.js';
import { planDnsServers, type DnsServersConfig, type DnsServersPlan } from '../servers.js';
import type { LowerLookup, LowerLookupRequest } from '../types.js';
import { caresLookup } from './cares.js';
import { askServers } from './client.js';
import { dnsEgressMethod, requireDeviceBinding } from './egress.js';

function deviceLookup(plan: DnsServersPlan, device: string, config: DnsServersConfig, { name, family, signal }: LowerLookupRequest): Promise<AddressRecord[]> {
  return perFamily(name, family, 'dns', async (f): Promise<AddressRecord[]> => {
    const answers = await askServers({
      name, type: f === 4 ? 'A' : 'AAAA', servers: plan.servers, signal, clock: config.clock ?? systemClock,
      egress: (s) => ({ device, localAddress: s.family === 4 ? plan.localAddress4 : plan.localAddress6 }),
      ...(config.tries === undefined ? {} : { tries: config.tries }),
      ...(config.tryTimeoutMs === undefined ? {} : { tryTimeoutMs: config.tryTimeoutMs }),
    });
    return answers.map((a) => ({ address: f === 6 ? (parseAddress(a.address)?.address ?? a.address) : a.address, family: f, ttl: a.ttl, source: 'dns' }));
  });
}

/** A lower lookup that asks the configured servers from the planned egress. */
export function dnsServersLookup(config: DnsServersConfig): LowerLookup {
  return async (request) => {
    requireDeviceBinding(config);
    const plan = planDnsServers(config);
    if (request.signal.aborted) throw abortError(request.name, request.signal);
    const egress = dnsEgressMethod(config.interface);
    if (config.interface !== undefined && egress?.method === 'device') return deviceLookup(plan, config.interface, config, request);
    return caresLookup(plan, request, {
      ...(config.interface === undefined ? {} : { device: config.interface }),
      ...(egress?.reason === undefined ? {} : { reason: egress.reason }),
    });
  };
}
