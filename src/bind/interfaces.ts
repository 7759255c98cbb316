/**
 * The interface table: every interface with its state and all of its addresses, and the name <-> index
 * mapping that IPv6 scope ids need. Read from the kernel over rtnetlink (links with their operational
 * state, type and MTU; addresses with prefix, flags and lifetimes), correct inside network namespaces;
 * without netlink (no addon), from os.networkInterfaces(), and the table says why (`fallbackReason`).
 * The process's cached table, kept current by the kernel's notifications, is in live.ts. Link speed
 * (systeminformation) lives in enrich.ts, off the connect path.
 */
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import { addressScope, type AddressScope } from './address.js';
import { addonIndexOf } from './device.js';
import { readKernelTable, type KernelTable } from './netlink/kernel.js';
import type { AddressFlag, OperState } from './netlink/messages.js';
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
  /** From netlink: the prefix length, IFA_F_* flags (deprecated, tentative, temporary, dadfailed, nodad…) and lifetimes in seconds (absent: forever). */
  prefixLength?: number;
  flags?: AddressFlag[];
  preferredLifetime?: number;
  validLifetime?: number;
}

export interface NetworkInterface {
  name: string;
  /** Kernel interface index, where known. */
  index?: number;
  internal: boolean;
  addresses: InterfaceAddress[];
  /** From netlink: operational state as `ip link` names it (up, down, lowerlayerdown, dormant, unknown…). */
  state?: OperState;
  /** Link type ("ether", "loopback", "none"…) and, for virtual links, their kind ("veth", "bridge"…). */
  type?: string;
  kind?: string;
  mtu?: number;
  mac?: string;
  /** IFF_* flags set: "up", "running", "lower-up", "loopback"… */
  flags?: string[];
}

/**
 * Whether traffic can leave through this link now: administratively up and, where the kernel tells
 * the operational state, up (loopback and some tunnels report "unknown", which is usable).
 */
export function linkUsable(i: NetworkInterface): boolean {
  if (i.flags !== undefined && !i.flags.includes('up')) return false;
  return i.state === undefined || i.state === 'up' || i.state === 'unknown';
}

/** Addresses a socket cannot bind yet, or ever: still in duplicate address detection, or failed it. */
export function addressUsable(a: InterfaceAddress): boolean {
  return a.flags === undefined || !(a.flags.includes('tentative') || a.flags.includes('dadfailed'));
}

function netmaskOf(prefix: number, family: Family): string {
  const bits = family === 4 ? 32 : 128;
  const bytes = Array.from({ length: bits / 8 }, (_, i) => {
    const on = Math.max(0, Math.min(8, prefix - i * 8));
    return (0xff << (8 - on)) & 0xff;
  });
  if (family === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  // The compressed form os.networkInterfaces() gives ("ffff:ffff:ffff:ffff::").
  const zeros = groups.findIndex((g) => g === '0');
  if (zeros < 0) return groups.join(':');
  return zeros === 0 ? '::' : `${groups.slice(0, zeros).join(':')}::`;
}

/** The table of a kernel dump: every link, with its addresses in the kernel's order. */
export function tableFromKernel(k: KernelTable): NetworkInterface[] {
  // Grouped once: a host with a thousand links (containers) must not cost links × addresses.
  const byLink = new Map<number, KernelTable['addresses']>();
  for (const a of k.addresses) {
    const list = byLink.get(a.index);
    if (list === undefined) byLink.set(a.index, [a]);
    else list.push(a);
  }
  return k.links.map((l) => {
    const loopback = l.flags.includes('loopback');
    const addresses = (byLink.get(l.index) ?? []).map((a): InterfaceAddress => {
      const scope = addressScope(a.address, a.family);
      const out: InterfaceAddress = {
        address: a.address,
        family: a.family,
        cidr: `${a.address}/${a.prefixLength}`,
        netmask: netmaskOf(a.prefixLength, a.family),
        scope,
        internal: loopback,
        prefixLength: a.prefixLength,
        flags: a.flags,
      };
      // As os.networkInterfaces(): the interface index for link-local IPv6, 0 for other IPv6.
      if (a.family === 6) out.scopeId = scope === 'link-local' ? a.index : 0;
      if (a.preferredLifetime !== undefined) out.preferredLifetime = a.preferredLifetime;
      if (a.validLifetime !== undefined) out.validLifetime = a.validLifetime;
      return out;
    });
    const i: NetworkInterface = { name: l.name, index: l.index, internal: loopback, addresses, state: l.state, type: l.type, flags: l.flags };
    if (l.kind !== undefined) i.kind = l.kind;
    if (l.mtu !== undefined) i.mtu = l.mtu;
    if (l.mac !== undefined) i.mac = l.mac;
    return i;
  });
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

type TableOrigin = { source: 'netlink' } | { source: 'os'; fallbackReason?: string };

export class InterfaceTable {
  private list: readonly NetworkInterface[] = [];
  private origin: TableOrigin = { source: 'os' };
  private readonly byName = new Map<string, NetworkInterface>();
  private readonly byIndexMap = new Map<number, NetworkInterface>();
  /** Set on a deferred table until its first use (InterfaceTable.deferred). */
  private pendingRead: (() => InterfaceTable) | undefined;

  constructor(interfaces: NetworkInterface[], origin: TableOrigin = { source: 'os' }) {
    this.fill(interfaces, origin);
  }

  /**
   * A table that reads itself at its first use, not before: a connection that asks for no egress
   * looks nothing up in it, and then the kernel is never asked (nor the addon loaded).
   */
  static deferred(read: () => InterfaceTable = () => InterfaceTable.read()): InterfaceTable {
    const t = new InterfaceTable([]);
    t.pendingRead = read;
    return t;
  }

  /** Whether the table has been read (a deferred one not yet used has not). */
  get isRead(): boolean {
    return this.pendingRead === undefined;
  }

  private fill(interfaces: readonly NetworkInterface[], origin: TableOrigin): void {
    this.list = interfaces;
    this.origin = origin;
    for (const i of interfaces) {
      this.byName.set(i.name, i);
      if (i.index !== undefined) this.byIndexMap.set(i.index, i);
    }
  }

  private ready(): this {
    const read = this.pendingRead;
    if (read !== undefined) {
      const t = read().ready(); // a read that throws leaves the table to be read at the next use
      this.pendingRead = undefined;
      this.fill(t.list, t.origin);
    }
    return this;
  }

  get interfaces(): readonly NetworkInterface[] {
    return this.ready().list;
  }

  /** Where the table came from: the kernel over rtnetlink, or os.networkInterfaces() (no state, no flags). */
  get source(): 'netlink' | 'os' {
    return this.ready().origin.source;
  }

  /** Why netlink was not used, when it was not. */
  get fallbackReason(): string | undefined {
    const o = this.ready().origin;
    return o.source === 'os' ? o.fallbackReason : undefined;
  }

  /**
   * A fresh table of this network namespace's interfaces: from the kernel over netlink, else from
   * os.networkInterfaces() with the reason. Given sources (tests) are read as os.networkInterfaces().
   */
  static read(sources?: { addresses?: InterfaceSource; indexOf?: IndexSource; names?: NameSource }): InterfaceTable {
    if (sources !== undefined) return InterfaceTable.fromOs(sources);
    const k = readKernelTable();
    if ('reason' in k) return InterfaceTable.fromOs({}, k.reason);
    return new InterfaceTable(tableFromKernel(k), { source: 'netlink' });
  }

  static fromOs(sources: { addresses?: InterfaceSource; indexOf?: IndexSource; names?: NameSource }, fallbackReason?: string): InterfaceTable {
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
    return new InterfaceTable(list, fallbackReason === undefined ? { source: 'os' } : { source: 'os', fallbackReason });
  }

  get(name: string): NetworkInterface | undefined {
    return this.ready().byName.get(name);
  }

  byIndex(index: number): NetworkInterface | undefined {
    return this.ready().byIndexMap.get(index);
  }

  names(): string[] {
    return this.interfaces.map((i) => i.name);
  }

  /** The index of a named interface, or undefined. */
  indexOf(name: string): number | undefined {
    return this.ready().byName.get(name)?.index;
  }

  /** The interface whose addresses include this one (for "host!ADDR" specs and traces). */
  owning(address: string): NetworkInterface | undefined {
    return this.interfaces.find((i) => i.addresses.some((a) => a.address === address));
  }
}
