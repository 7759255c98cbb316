/**
 * The ip-address library, loaded at its first use rather than at start: loading it takes about 15 ms
 * (more than `hiper ifaces` itself), and a transfer without egress options never needs it.
 */
import { createRequire } from 'node:module';

type IpAddress = typeof import('ip-address');

let loaded: IpAddress | undefined;

export function ipAddress(): IpAddress {
  return (loaded ??= createRequire(import.meta.url)('ip-address') as IpAddress);
}
