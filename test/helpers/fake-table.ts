/** A fixed interface table for unit tests, shaped like the namespace bed. */
import type { NetworkInterfaceInfo } from 'node:os';
import { InterfaceTable } from '../../src/bind/index.js';

function v4(address: string, prefix: number, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/${prefix}` };
}
function v6(address: string, scopeid: number, internal = false): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal, cidr: `${address}/64`, scopeid };
}

const INDEX: Record<string, number> = { lo: 1, h1: 2, h2: 3, down0: 4 };

export function fakeTable(): InterfaceTable {
  return InterfaceTable.read({
    addresses: () => ({
      lo: [v4('127.0.0.1', 8, true), v6('::1', 0, true)],
      h1: [v4('198.51.100.2', 24), v6('2001:db8:1::2', 0), v6('fe80::1:2', 2)],
      h2: [v4('203.0.113.2', 24), v6('fe80::2:2', 3)],
    }),
    names: () => ['lo', 'h1', 'h2', 'down0'],
    indexOf: (name) => INDEX[name],
  });
}
