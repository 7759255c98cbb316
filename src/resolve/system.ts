/** The system resolver: getaddrinfo through dns.lookup (all: true), which knows /etc/hosts, nsswitch and search domains. */
import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { HiperError } from '../shared/errors.js';
import type { AddressRecord } from '../shared/types.js';
import { interfaceTable, parseZonedAddress, type InterfaceTable } from '../bind/index.js';
import { fromDnsErrno, noAddress } from './errors.js';
import { raceAbort } from './abort.js';
import type { LowerLookup } from './types.js';

/** dns.promises.lookup's shape, so tests can give their own. */
export type LookupFunction = (hostname: string, options: { all: true; family: 0 | 4 | 6; order: 'verbatim' }) => Promise<LookupAddress[]>;

export interface SystemLookupOptions {
  lookup?: LookupFunction;
  table?: InterfaceTable;
}

export function systemLookup(options: SystemLookupOptions = {}): LowerLookup {
  const lookup = options.lookup ?? (dnsPromises.lookup as LookupFunction);
  return async ({ name, family, signal }) => {
    let found: LookupAddress[];
    try {
      found = await raceAbort(lookup(name, { all: true, family: family === 'any' ? 0 : family, order: 'verbatim' }), signal, name);
    } catch (err) {
      if (err instanceof HiperError) throw err;
      const e = fromDnsErrno(err, name, family, 'system');
      throw e === 'empty' ? noAddress(name, family, 'system') : e;
    }
    const records: AddressRecord[] = [];
    for (const a of found) {
      if (family !== 'any' && a.family !== family) continue;
      if (a.address.includes('%')) {
        const z = parseZonedAddress(a.address, options.table ?? interfaceTable());
        records.push({ address: z.address, family: z.family, ...(z.scopeId === undefined ? {} : { scopeId: z.scopeId }), source: 'system' });
      } else {
        records.push({ address: a.address, family: a.family === 6 ? 6 : 4, source: 'system' });
      }
    }
    if (records.length === 0) throw noAddress(name, family, 'system');
    return records;
  };
}
