/**
 * The rtnetlink messages hiper reads: links (ifinfomsg + IFLA_*), addresses (ifaddrmsg + IFA_*) and
 * routes (rtmsg + RTA_*), decoded into plain objects, and the requests that ask for them. Pure
 * functions, tested with captured vectors.
 */
import type { Family } from '../../shared/types.js';
import { ipAddress } from '../../shared/ip-address.js';
import {
  attributes, cString, request, u32, NLM_F_DUMP, NLM_F_REQUEST, RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE, type NetlinkMessage,
} from './wire.js';

const AF_INET = 2;
const AF_INET6 = 10;

/** Operational state as `ip link` prints it (RFC 2863 ifOperStatus, linux/if.h IF_OPER_*). */
export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';
const OPER_STATES: OperState[] = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

/** ARPHRD_* link types that hiper names; others show as their number. */
const LINK_TYPES: Record<number, string> = { 1: 'ether', 772: 'loopback', 768: 'ipip', 769: 'tunnel6', 776: 'sit', 778: 'gre', 823: 'ip6gre', 65534: 'none', 519: 'ieee802.15.4', 801: 'ieee80211' };

const IFF: Array<[number, string]> = [[0x1, 'up'], [0x2, 'broadcast'], [0x8, 'loopback'], [0x10, 'pointopoint'], [0x40, 'running'], [0x80, 'noarp'], [0x1000, 'multicast'], [0x10000, 'lower-up'], [0x20000, 'dormant']];

/** IFA_F_* address flags, by the names `ip addr` uses. */
export type AddressFlag = 'temporary' | 'nodad' | 'optimistic' | 'dadfailed' | 'home' | 'deprecated' | 'tentative' | 'permanent' | 'mngtmpaddr' | 'noprefixroute' | 'autojoin' | 'stable-privacy';
const IFA_F: Array<[number, AddressFlag]> = [[0x1, 'temporary'], [0x2, 'nodad'], [0x4, 'optimistic'], [0x8, 'dadfailed'], [0x10, 'home'], [0x20, 'deprecated'], [0x40, 'tentative'], [0x80, 'permanent'], [0x100, 'mngtmpaddr'], [0x200, 'noprefixroute'], [0x400, 'autojoin'], [0x800, 'stable-privacy']];

export interface LinkInfo {
  index: number;
  name: string;
  state: OperState;
  /** "ether", "loopback", "none", … */
  type: string;
  /** "veth", "bridge", … (IFLA_INFO_KIND), for virtual links. */
  kind?: string;
  mtu?: number;
  mac?: string;
  /** IFF_* flags set: "up", "running", "lower-up", "loopback", … */
  flags: string[];
}

export interface AddressInfo {
  index: number;
  family: Family;
  address: string;
  prefixLength: number;
  /** The kernel's scope: host (loopback), link, site or global. */
  kernelScope: 'global' | 'site' | 'link' | 'host' | 'nowhere' | number;
  flags: AddressFlag[];
  /** Seconds; undefined means forever. */
  preferredLifetime?: number;
  validLifetime?: number;
  label?: string;
}

export interface RouteInfo {
  /** Output interface index. */
  oif?: number;
  /** The source address the kernel would use (RTA_PREFSRC). */
  prefsrc?: string;
  gateway?: string;
}

function flagNames<T extends string>(bits: number, table: Array<[number, T]>): T[] {
  return table.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name);
}

/**
 * An address's text from its bytes; IPv6 in RFC 5952's form (lower case, the longest run of two or
 * more zero groups, the first of equal runs, as "::"), as ip-address's correctForm() writes it. Written
 * out here because it runs for every address of every table read, and loading ip-address costs more
 * than a whole table read (about 15 ms at start).
 */
export function addressText(bytes: Buffer, family: Family): string {
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let runAt = -1;
  let runLength = 1; // a single zero group is not shortened
  for (let i = 0; i < 8; i++) {
    if (groups[i] !== 0) continue;
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > runLength) {
      runAt = i;
      runLength = end - i;
    }
    i = end;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  return runAt < 0 ? hex(0, 8) : `${hex(0, runAt)}::${hex(runAt + runLength, 8)}`;
}

export function addressBytes(address: string, family: Family): Buffer {
  if (family === 4) {
    // Dotted quad, already validated by the caller's parse: no library on the per-connect path.
    const b = Buffer.alloc(4);
    let at = 0;
    for (const part of address.split('.')) b[at++] = Number(part);
    return b;
  }
  const bytes = new (ipAddress().Address6)(address).toUnsignedByteArray();
  return Buffer.concat([Buffer.alloc(16 - bytes.length), Buffer.from(bytes)]);
}

const familyOf = (af: number): Family | undefined => (af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined);
const afOf = (family: Family): number => (family === 4 ? AF_INET : AF_INET6);

function macText(b: Buffer | undefined): string | undefined {
  if (b === undefined || b.length !== 6) return undefined;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The attributes each decoder reads: IFLA_ADDRESS, IFNAME, MTU, OPERSTATE, LINKINFO; IFA_ADDRESS, LOCAL, LABEL, CACHEINFO, FLAGS; RTA_OIF, GATEWAY, PREFSRC. */
const LINK_ATTRIBUTES = [1, 3, 4, 16, 18];
const ADDRESS_ATTRIBUTES = [1, 2, 3, 6, 8];
const ROUTE_ATTRIBUTES = [4, 5, 7];

/** RTM_NEWLINK (or RTM_DELLINK) → the link; undefined for a message without a name. */
export function decodeLink(m: NetlinkMessage): LinkInfo | undefined {
  const b = m.body;
  if (b.length < 16) return undefined;
  const attrs = attributes(b, 16, LINK_ATTRIBUTES);
  const name = cString(attrs.get(3)); // IFLA_IFNAME
  if (name === undefined) return undefined;
  const typeNumber = b.readUInt16LE(2);
  const oper = attrs.get(16)?.[0]; // IFLA_OPERSTATE
  const link: LinkInfo = {
    index: b.readInt32LE(4),
    name,
    state: OPER_STATES[oper ?? 0] ?? 'unknown',
    type: LINK_TYPES[typeNumber] ?? String(typeNumber),
    flags: flagNames(b.readUInt32LE(8), IFF),
  };
  const mtu = attrs.get(4); // IFLA_MTU
  if (mtu && mtu.length >= 4) link.mtu = mtu.readUInt32LE(0);
  const mac = macText(attrs.get(1)); // IFLA_ADDRESS
  if (mac && link.type === 'ether') link.mac = mac;
  const info = attrs.get(18); // IFLA_LINKINFO, nested
  const kind = info && cString(attributes(info, 0, [1]).get(1)); // IFLA_INFO_KIND
  if (kind) link.kind = kind;
  return link;
}

const KERNEL_SCOPES: Record<number, AddressInfo['kernelScope']> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

/** RTM_NEWADDR (or RTM_DELADDR) → the address; undefined for families other than IPv4/IPv6. */
export function decodeAddress(m: NetlinkMessage): AddressInfo | undefined {
  const b = m.body;
  if (b.length < 8) return undefined;
  const family = familyOf(b[0]!);
  if (family === undefined) return undefined;
  const attrs = attributes(b, 8, ADDRESS_ATTRIBUTES);
  // IPv4: IFA_LOCAL is this host's address (IFA_ADDRESS is the peer on point-to-point links).
  const raw = (family === 4 ? attrs.get(2) : undefined) ?? attrs.get(1);
  if (raw === undefined || raw.length < (family === 4 ? 4 : 16)) return undefined;
  const flagsAttr = attrs.get(8); // IFA_FLAGS: the full 32 bits (ifa_flags holds only the low 8)
  const a: AddressInfo = {
    index: b.readUInt32LE(4),
    family,
    address: addressText(raw, family),
    prefixLength: b[1]!,
    kernelScope: KERNEL_SCOPES[b[3]!] ?? b[3]!,
    flags: flagNames(flagsAttr && flagsAttr.length >= 4 ? flagsAttr.readUInt32LE(0) : b[2]!, IFA_F),
  };
  const cache = attrs.get(6); // IFA_CACHEINFO: preferred, valid (seconds; 0xffffffff = forever)
  if (cache && cache.length >= 8) {
    const preferred = cache.readUInt32LE(0);
    const valid = cache.readUInt32LE(4);
    if (preferred !== 0xffffffff) a.preferredLifetime = preferred;
    if (valid !== 0xffffffff) a.validLifetime = valid;
  }
  const label = cString(attrs.get(3));
  if (label) a.label = label;
  return a;
}

/** RTM_NEWROUTE (the answer to a route lookup) → its output interface, preferred source and gateway. */
export function decodeRoute(m: NetlinkMessage): RouteInfo {
  const b = m.body;
  const family = familyOf(b[0]!) ?? 4;
  const attrs = attributes(b, 12, ROUTE_ATTRIBUTES);
  const r: RouteInfo = {};
  const oif = attrs.get(4);
  if (oif && oif.length >= 4) r.oif = oif.readUInt32LE(0);
  const prefsrc = attrs.get(7);
  if (prefsrc) r.prefsrc = addressText(prefsrc, family);
  const gw = attrs.get(5);
  if (gw) r.gateway = addressText(gw, family);
  return r;
}

export function linkDumpRequest(): Buffer {
  return request(RTM_GETLINK, NLM_F_DUMP, Buffer.alloc(16));
}

export function addressDumpRequest(): Buffer {
  return request(RTM_GETADDR, NLM_F_DUMP, Buffer.alloc(8));
}

export interface RouteQuery {
  family: Family;
  to: string;
  /** The local address the socket is bound to. */
  from?: string;
  /** The interface index the socket is bound to (SO_BINDTODEVICE). */
  oif?: number;
  /** SO_MARK. */
  mark?: number;
}

/** `ip route get TO [from FROM] [oif DEV] [mark N]` as a request (one runs per connect: one allocation). */
export function routeRequest(q: RouteQuery): Buffer {
  const bytes = q.family === 4 ? 4 : 16;
  const size = 16 + 12 + (4 + bytes) * (q.from !== undefined ? 2 : 1) + (q.oif !== undefined ? 8 : 0) + (q.mark !== undefined ? 8 : 0);
  const b = Buffer.alloc(size);
  b.writeUInt32LE(size, 0);
  b.writeUInt16LE(RTM_GETROUTE, 4);
  b.writeUInt16LE(NLM_F_REQUEST, 6);
  b.writeUInt32LE(1, 8); // sequence number (the addon sets its own)
  b[16] = afOf(q.family);
  b[17] = bytes * 8; // rtm_dst_len
  b[18] = q.from !== undefined ? bytes * 8 : 0; // rtm_src_len
  let at = 28;
  const put = (type: number, value: Buffer): void => {
    b.writeUInt16LE(4 + value.length, at);
    b.writeUInt16LE(type, at + 2);
    value.copy(b, at + 4);
    at += 4 + value.length;
  };
  put(1, addressBytes(q.to, q.family)); // RTA_DST
  if (q.from !== undefined) put(2, addressBytes(q.from, q.family)); // RTA_SRC
  if (q.oif !== undefined) put(4, u32(q.oif)); // RTA_OIF
  if (q.mark !== undefined) put(16, u32(q.mark)); // RTA_MARK
  return b;
}
