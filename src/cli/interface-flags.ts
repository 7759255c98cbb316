/** --interface (given several times: an ordered failover list, first preferred) and --no-failback. */
import type { EgressOptions } from '../connect/index.js';
import { flag, list, usageError, type Values } from './args.js';

export function interfaceFlagOptions(values: Values): Pick<EgressOptions, 'interface' | 'failback'> {
  const specs = list(values, 'interface');
  const stay = flag(values, 'no-failback');
  if (stay && specs.length < 2) {
    throw usageError('--no-failback', '--no-failback applies to a failover list: give --interface two or more times');
  }
  if (specs.length === 0) return {};
  if (specs.length === 1) return { interface: specs[0]! };
  return stay ? { interface: specs, failback: false } : { interface: specs };
}
