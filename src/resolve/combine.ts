/** A and AAAA asked separately, answered as one list: addresses win over a failure of the other family. */
import { HiperError } from '../shared/errors.js';
import type { AddressRecord, AddressSource } from '../shared/types.js';
import { noAddress } from './errors.js';
import type { IpVersion } from './types.js';

export type FamilyOutcome = { records: AddressRecord[] } | { error: unknown };

export function combineFamilies(host: string, family: IpVersion, outcomes: readonly FamilyOutcome[], source: AddressSource): AddressRecord[] {
  const records: AddressRecord[] = [];
  let error: unknown;
  for (const o of outcomes) {
    if ('records' in o) records.push(...o.records);
    else error ??= o.error;
  }
  if (records.length > 0) return records;
  if (error !== undefined) throw error instanceof HiperError ? error : new HiperError('ERR_DNS_FAILED', `could not resolve ${host}: ${String(error)}`, { input: host, cause: error });
  throw noAddress(host, family, source);
}

/** Runs one query per family wanted ('any': both at once) and combines them. */
export async function perFamily(host: string, family: IpVersion, source: AddressSource, query: (f: 4 | 6) => Promise<AddressRecord[]>): Promise<AddressRecord[]> {
  const families: Array<4 | 6> = family === 'any' ? [6, 4] : [family];
  const settled = await Promise.allSettled(families.map(query));
  return combineFamilies(host, family, settled.map((s) => (s.status === 'fulfilled' ? { records: s.value } : { error: s.reason as unknown })), source);
}
