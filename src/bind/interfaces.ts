/**
 * The interface table: every interface with all of its addresses, and the name <-> index mapping
 * that IPv6 scope ids need. Read from os.networkInterfaces() (cheap, synchronous); refreshed on demand
 * because interfaces come and go. Enrichment (operstate, speed...) lives in enrich.ts, off the connect path.
 */
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import { addressScope, type AddressScope } from './address.js';
import { addonIndexOf } from './device.js';
import type { Family } from '../shared/types.js';

export interface InterfaceAddress {
  address: string;
  family: Family;
  /** "198.51.100.2/24" */
  cidr: string;
  netmask: string;
  scope: AddressScope;
  /** Interface index, for IPv6 addresses (the scope id a link-local address needs). */
  scopeId?: number;
  internal: boolean;
}

export interface NetworkInterface {
  name: string;
  /** Kernel interface index, where known. */
  index?: number;
  internal: boolean;
  addresses: InterfaceAddress[];
}

/** What os.networkInterfaces() returns; injectable so tests can give a table of their own. */
export type InterfaceSource = () => NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
/** Maps an interface name to its kernel index; injectable for the same reason. */
export type IndexSource = (name: string) => number | undefined;

/** Lists interface names, including those with no address (which os.networkInterfaces() omits). */
export type NameSource = () => string[];

/*
 * /proc/net is this process's network namespace; /sys/class/net is the namespace sysfs was mounted
 * in, which after unshare or setns is another one. So names and indexes come from /proc and the
 * addon's if_nametoindex(), never from sysfs.
 */
function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export const procNames: NameSource = () =>
  readProc('/proc/net/dev').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);

/** Index by if_nametoindex() (addon), else by /proc/net/if_inet6 (interfaces with IPv6). */
export const procIndex: IndexSource = (name) => {
  const viaAddon = addonIndexOf(name);
  if (viaAddon !== undefined) return viaAddon;
  for (const line of readProc('/proc/net/if_inet6').split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[5] === name) return Number.parseInt(cols[1]!, 16);
  }
  return undefined;
};

export class InterfaceTable {
  readonly interfaces: readonly NetworkInterface[];
  private readonly byName = new Map<string, NetworkInterface>();
  private readonly byIndexMap = new Map<number, NetworkInterface>();

  constructor(interfaces: NetworkInterface[]) {
    this.interfaces = interfaces;
    for (const i of interfaces) {
      this.byName.set(i.name, i);
      if (i.index !== undefined) this.byIndexMap.set(i.index, i);
    }
  }

  /** A fresh table of the host's interfaces. */
  static read(sources: { addresses?: InterfaceSource; indexOf?: IndexSource; names?: NameSource } = {}): InterfaceTable {
    const { addresses: source = networkInterfaces, indexOf = procIndex, names = procNames } = sources;
    const list: NetworkInterface[] = [];
    const found = source();
    for (const name of names()) if (!(name in found)) found[name] = [];
    for (const [name, infos] of Object.entries(found)) {
      const addresses: InterfaceAddress[] = (infos ?? []).map((info) => {
        const family: Family = info.family === 'IPv6' || (info.family as unknown) === 6 ? 6 : 4;
        const a: InterfaceAddress = {
          address: info.address,
          family,
          cidr: info.cidr ?? `${info.address}`,
          netmask: info.netmask,
          scope: addressScope(info.address, family),
          internal: info.internal,
        };
        if (family === 6 && 'scopeid' in info && info.scopeid !== undefined) a.scopeId = info.scopeid;
        return a;
      });
      // os.networkInterfaces() gives the index only through IPv6 scope ids.
      const index = indexOf(name) ?? addresses.find((a) => a.scope === 'link-local' && a.scopeId)?.scopeId;
      const entry: NetworkInterface = { name, internal: addresses.length > 0 && addresses.every((a) => a.internal), addresses };
      if (index !== undefined) entry.index = index;
      list.push(entry);
    }
    list.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
    return new InterfaceTable(list);
  }

  get(name: string): NetworkInterface | undefined {
    return this.byName.get(name);
  }

  byIndex(index: number): NetworkInterface | undefined {
    return this.byIndexMap.get(index);
  }

  names(): string[] {
    return this.interfaces.map((i) => i.name);
  }

  /** The index of a named interface, or undefined. */
  indexOf(name: string): number | undefined {
    return this.byName.get(name)?.index;
  }

  /** The interface whose addresses include this one (for "host!ADDR" specs and traces). */
  owning(address: string): NetworkInterface | undefined {
    return this.interfaces.find((i) => i.addresses.some((a) => a.address === address));
  }
}

let current: InterfaceTable | undefined;

/** The cached table of this host's interfaces; `refresh` reads it again. */
export function interfaceTable(options: { refresh?: boolean } = {}): InterfaceTable {
  if (!current || options.refresh) current = InterfaceTable.read();
  return current;
}
