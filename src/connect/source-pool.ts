/**
 * Source address pools: `localAddress` as a list, as `{ v4, v6 }`, and with `freebind` as prefixes
 * ("198.51.100.64/28"). A pool is parsed once per distinct value (kept in source-pools.ts) and drawn
 * from once per connect: one address per family (IPv6 link-local addresses form a group of their own), so
 * the Happy Eyeballs race of that connect has one pinned source in each family.
 *
 * Policies: 'round-robin' takes the group's addresses in turn (the turn is the pool's, shared by every
 * connect with an equal pool), 'random' draws from an injectable random source, 'hash' maps the
 * destination host to one address (one origin keeps one source).
 */
import type { Address4, Address6 } from 'ip-address';
import { HiperError } from '../shared/errors.js';
import { ipAddress as ipLib } from '../shared/ip-address.js';
import type { Family } from '../shared/types.js';
import { parseAddress, type ParsedAddress } from '../bind/index.js';
import type { EgressOptions, SourcePolicy } from './egress-options.js';

export const SOURCE_POLICIES: readonly SourcePolicy[] = ['round-robin', 'random', 'hash'];

/** One drawn source: the address (its zone, if link-local, still to be resolved) and whether it needs IP_FREEBIND. */
export interface PoolSource extends ParsedAddress {
  freebind?: true;
}

/** A float in [0, 1), as Math.random. */
export type RandomSource = () => number;

type PoolOptions = Pick<EgressOptions, 'localAddress' | 'sourcePolicy' | 'freebind'>;

/** One written entry: an address (one source) or a prefix (its host addresses, in order). */
type Entry =
  | { text: string; kind: 'address'; source: ParsedAddress; size: 1n }
  | { text: string; kind: 'prefix'; family: Family; net: Address4 | Address6; first: bigint; size: bigint; drawn: Map<bigint, PoolSource> };

/** Addresses of a prefix kept formatted (per prefix): formatting one costs µs, and round-robin and hash come back to the same ones. */
const MAX_FORMATTED = 1024;

/** The entries that serve one family (and scope class): what one draw chooses among. */
interface Group {
  entries: Entry[];
  size: bigint;
  /** Round-robin: the next index. */
  next: bigint;
}

function bad(input: unknown, message: string): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', message, { input });
}

/** The host addresses of a prefix: IPv4 without network and broadcast (except /31, /32), IPv6 without the subnet-router anycast (except /127, /128). */
function hostRange(net: Address4 | Address6, family: Family): { first: bigint; size: bigint } {
  const bits = (family === 4 ? 32 : 128) - net.subnetMask;
  const all = 1n << BigInt(bits);
  const start = net.startAddress().bigInt();
  if (family === 4 && bits >= 2) return { first: start + 1n, size: all - 2n };
  if (family === 6 && bits >= 2) return { first: start + 1n, size: all - 1n };
  return { first: start, size: all };
}

function parsePrefix(text: string, freebind: boolean): Entry {
  if (!freebind) throw bad(text, `source pool entry "${text}" is a prefix: taking addresses from a prefix needs freebind (IP_FREEBIND)`);
  const family: Family = text.includes(':') ? 6 : 4;
  let net: Address4 | Address6;
  try {
    net = family === 4 ? new (ipLib().Address4)(text) : new (ipLib().Address6)(text);
  } catch (err) {
    throw new HiperError('ERR_INVALID_ADDRESS', `source pool entry "${text}" is not a prefix ADDRESS/LENGTH (${(err as Error).message})`, { input: text, cause: err });
  }
  if (text.includes('%')) {
    throw new HiperError('ERR_INVALID_ADDRESS', `source pool entry "${text}": a prefix takes no zone id`, { input: text });
  }
  const start = net.startAddress();
  if (net.bigInt() !== start.bigInt()) {
    throw new HiperError('ERR_INVALID_ADDRESS', `source pool entry "${text}" has host bits set: the prefix is ${start.correctForm()}/${net.subnetMask}`, { input: text });
  }
  if (net.isMulticast() || net.isLinkLocal()) {
    throw bad(text, `source pool entry "${text}" is not a prefix of global or private unicast addresses (link-local and multicast prefixes cannot be a pool)`);
  }
  return { text, kind: 'prefix', family, net, ...hostRange(net, family), drawn: new Map() };
}

function parseEntry(text: unknown, freebind: boolean): Entry {
  if (typeof text !== 'string' || text === '') throw bad(text, `a source pool entry must be a non-empty string, got ${JSON.stringify(text)}`);
  if (text.includes('/')) return parsePrefix(text, freebind);
  const source = parseAddress(text); // throws ERR_INVALID_ADDRESS for a zone on an address that is not link-local
  if (!source) throw bad(text, `source pool entry "${text}" is not an IP address: pool entries are literals (a single localAddress may be a host name)`);
  const ip = source.family === 4 ? new (ipLib().Address4)(source.address) : new (ipLib().Address6)(source.address);
  if (ip.isMulticast() || ip.isUnspecified()) throw bad(text, `source pool entry "${text}" is not a unicast address`);
  return { text, kind: 'address', source, size: 1n };
}

function familyOf(e: Entry): Family {
  return e.kind === 'address' ? e.source.family : e.family;
}

/** Two entries that give the same address: equal addresses, an address inside a prefix, nested prefixes. */
function overlaps(a: Entry, b: Entry): boolean {
  if (familyOf(a) !== familyOf(b)) return false;
  if (a.kind === 'address' && b.kind === 'address') return a.source.address === b.source.address && a.source.zone === b.source.zone;
  const ipOf = (e: Entry): Address4 | Address6 => (e.kind === 'prefix' ? e.net : e.source.family === 4 ? new (ipLib().Address4)(e.source.address) : new (ipLib().Address6)(e.source.address));
  const x = ipOf(a);
  const y = ipOf(b);
  return (x as Address6).isInSubnet(y as Address6) || (y as Address6).isInSubnet(x as Address6);
}

/** The written entries of `localAddress`, each with the family its place demands (v4/v6), if any. */
function writtenEntries(value: PoolOptions['localAddress']): Array<{ text: unknown; family?: Family }> {
  if (typeof value === 'string') return [{ text: value }];
  if (Array.isArray(value)) return value.map((text: unknown) => ({ text }));
  if (value === null || typeof value !== 'object') {
    throw bad('localAddress', `localAddress must be an address, a list of addresses or { v4, v6 }, got ${JSON.stringify(value)}`);
  }
  const out: Array<{ text: unknown; family?: Family }> = [];
  for (const [key, side] of Object.entries(value)) {
    if (key !== 'v4' && key !== 'v6') throw bad(key, `localAddress has an unknown key "${key}": per-family pools are { v4, v6 }`);
    if (side === undefined) continue;
    const family: Family = key === 'v4' ? 4 : 6;
    const list: unknown[] = Array.isArray(side) ? side : [side];
    if (list.length === 0) throw bad(key, `localAddress.${key} is an empty list: leave it out or give at least one address`);
    for (const text of list) out.push({ text, family });
  }
  return out;
}

function label(value: PoolOptions['localAddress']): string {
  if (typeof value === 'string') return `source pool ${value}`;
  if (Array.isArray(value)) return `source pool ${value.join(',')}`;
  const v = value as { v4?: string | string[]; v6?: string | string[] };
  const side = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join(',') : s ?? '');
  return `source pool ${[v.v4 !== undefined ? `v4 ${side(v.v4)}` : '', v.v6 !== undefined ? `v6 ${side(v.v6)}` : ''].filter(Boolean).join(' ')}`;
}

/** 32-bit FNV-1a of the lower-cased host: stable across processes and runs. */
function hostHash(host: string): bigint {
  let h = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) {
    let c = host.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return BigInt(h >>> 0);
}

/**
 * An integer in [0, size): one draw of `random` for a pool of up to 2^32 addresses; for a larger prefix,
 * 32-bit draws for 32 bits more than size needs, so the modulo bias is below 2^-32.
 */
function randomBelow(size: bigint, random: RandomSource): bigint {
  if (size <= 0x1_0000_0000n) return BigInt(Math.floor(random() * Number(size)));
  let value = 0n;
  for (let bits = size.toString(2).length + 32; bits > 0; bits -= 32) value = (value << 32n) | BigInt(Math.floor(random() * 0x1_0000_0000));
  return value % size;
}

export class SourcePool {
  /** How the pool is written, for traces and skip reasons. */
  readonly label: string;
  readonly policy: SourcePolicy;
  readonly freebind: boolean;
  /** IPv4, IPv6 (global and loopback), IPv6 link-local: each drawn from on its own. */
  private readonly groups: Group[] = [];
  /** The sources of the written addresses, made once (shared by the draws: not to be changed). */
  private readonly sources = new Map<Entry, PoolSource>();
  private readonly random: RandomSource;

  /** Parses and checks the pool; throws ERR_INVALID_ARGUMENT or ERR_INVALID_ADDRESS naming the entry. */
  constructor(options: PoolOptions, random: RandomSource = Math.random) {
    checkSourceOptions(options);
    this.policy = options.sourcePolicy ?? 'round-robin';
    this.freebind = options.freebind === true;
    this.random = random;
    const written = writtenEntries(options.localAddress);
    if (written.length === 0) throw bad('localAddress', 'localAddress is an empty source pool: give at least one address');
    this.label = label(options.localAddress);
    const entries: Entry[] = [];
    for (const { text, family } of written) {
      const entry = parseEntry(text, this.freebind);
      if (family !== undefined && familyOf(entry) !== family) throw bad(text, `source pool entry "${entry.text}" is IPv${familyOf(entry)}, in localAddress.v${family}`);
      const same = entries.find((e) => overlaps(e, entry));
      if (same) throw bad(text, same.text === entry.text ? `source pool entry "${entry.text}" is in the pool twice` : `source pool entries "${same.text}" and "${entry.text}" overlap`);
      entries.push(entry);
    }
    const byGroup = new Map<string, Entry[]>();
    for (const e of entries) {
      const key = e.kind === 'address' && e.source.family === 6 && e.source.scope === 'link-local' ? '6ll' : String(familyOf(e));
      let list = byGroup.get(key);
      if (!list) byGroup.set(key, (list = []));
      list.push(e);
    }
    for (const list of byGroup.values()) this.groups.push({ entries: list, size: list.reduce((n, e) => n + e.size, 0n), next: 0n });
  }

  /** The sources of one connect to `host`: one per group, by the pool's policy (shared objects: not to be changed). */
  draw(host: string): PoolSource[] {
    const out: PoolSource[] = [];
    for (const g of this.groups) out.push(this.sourceAt(g, this.indexFor(g, host)));
    return out;
  }

  private indexFor(g: Group, host: string): bigint {
    if (g.size === 1n) return 0n;
    switch (this.policy) {
      case 'round-robin': {
        const i = g.next;
        g.next = i + 1n === g.size ? 0n : i + 1n;
        return i;
      }
      case 'random':
        return randomBelow(g.size, this.random);
      case 'hash':
        return hostHash(host) % g.size;
    }
  }

  private sourceAt(g: Group, index: bigint): PoolSource {
    let i = index;
    for (const e of g.entries) {
      if (i >= e.size) {
        i -= e.size;
        continue;
      }
      if (e.kind === 'prefix') return this.prefixSource(e, i);
      let source = this.sources.get(e);
      if (source === undefined) {
        source = { ...e.source };
        if (this.freebind) source.freebind = true;
        this.sources.set(e, source);
      }
      return source;
    }
    throw new Error(`source pool index ${index} is past the pool's ${g.size} addresses`); // unreachable: index < g.size
  }

  /** The host address at `offset` of a prefix (prefixes need freebind, so it is set). */
  private prefixSource(e: Extract<Entry, { kind: 'prefix' }>, offset: bigint): PoolSource {
    let source = e.drawn.get(offset);
    if (source !== undefined) return source;
    const n = e.first + offset;
    const address = e.family === 4 ? ipLib().Address4.fromBigInt(n).correctForm() : ipLib().Address6.fromBigInt(n).correctForm();
    source = { address, family: e.family, scope: 'global', freebind: true };
    if (e.drawn.size >= MAX_FORMATTED) e.drawn.delete(e.drawn.keys().next().value!);
    e.drawn.set(offset, source);
    return source;
  }
}


/** Whether `localAddress` is a pool (a list, per-family, or a prefix) rather than one address or host name. */
export function isSourcePool(localAddress: EgressOptions['localAddress']): boolean {
  return typeof localAddress !== 'string' || localAddress.includes('/');
}

/** sourcePolicy and freebind: of the right type, and only with a localAddress to apply to. */
export function checkSourceOptions(options: PoolOptions): void {
  const { localAddress, sourcePolicy, freebind } = options;
  if (sourcePolicy !== undefined && !SOURCE_POLICIES.includes(sourcePolicy)) {
    throw bad('sourcePolicy', `sourcePolicy must be ${SOURCE_POLICIES.map((p) => `'${p}'`).join(', ')}, got ${JSON.stringify(sourcePolicy)}`);
  }
  if (freebind !== undefined && typeof freebind !== 'boolean') throw bad('freebind', `freebind must be a boolean, got ${JSON.stringify(freebind)}`);
  if (localAddress !== undefined) return;
  if (sourcePolicy !== undefined) throw bad('sourcePolicy', 'sourcePolicy chooses among the addresses of localAddress, and no localAddress is given');
  if (freebind === true) throw bad('freebind', 'freebind (IP_FREEBIND) applies to localAddress, and no localAddress is given');
}
