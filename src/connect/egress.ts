/**
 * Egress: what the `interface` and `localAddress` options ask for, made concrete once per connect —
 * the device to bind to (if any) and the local addresses to choose from. The host part of a spec
 * ("host!NAME", "ifhost!eth0!NAME") is resolved here, not in bind, which stays free of DNS.
 */
import { HiperError } from '../shared/errors.js';
import type { AddressRecord } from '../shared/types.js';
import { formatWithZone, linkUsable, parseAddress, parseInterfaceSpec, resolveZone, type InterfaceTable, type ParsedAddress } from '../bind/index.js';
import type { Resolver } from '../resolve/types.js';
import { interfaceLinks, listLabel, localWithListError, type ListedLink } from './link-list.js';
import type { EgressOptions } from './egress-options.js';
import { checkSourceOptions, isSourcePool } from './source-pool.js';
import { sourcePoolFor } from './source-pools.js';

export interface Egress {
  /** The written spec (or local address), for traces and messages. */
  label?: string;
  /** Interface to bind to (SO_BINDTODEVICE) and to take local addresses from through if2ip. */
  device?: string;
  /**
   * An interface list: one Egress per link (each with its device), first preferred; the plan tries
   * them in order (plan.ts planLinks). `device` and `locals` are then unset.
   */
  links?: Egress[];
  /** Fixed local addresses (host part); when absent, if2ip picks per remote address. */
  locals?: Array<ParsedAddress & { scopeId?: number; freebind?: boolean }>;
}

function ifaceMustExist(table: InterfaceTable, name: string, spec: string): void {
  if (!table.get(name)) {
    throw new HiperError('ERR_INTERFACE_NOT_FOUND', `interface "${name}" (from "${spec}") does not exist; interfaces: ${table.names().join(', ') || 'none'}`, { input: spec });
  }
}

type Locals = NonNullable<Egress['locals']>;

/** The local addresses of a host part: at once for a literal, through the resolver for a name. */
function localAddresses(host: string, spec: string, table: InterfaceTable, resolver: Resolver): Locals | Promise<Locals> {
  const literal = parseAddress(host);
  if (literal) {
    const scopeId = literal.zone !== undefined ? resolveZone(literal.zone, table, host).scopeId : undefined;
    return [{ ...literal, ...(scopeId === undefined ? {} : { scopeId }) }];
  }
  const unresolved = (err: unknown): HiperError =>
    new HiperError('ERR_INVALID_INTERFACE_SPEC', `local host "${host}" of "${spec}" does not resolve`, { input: spec, cause: err });
  let lookup: Promise<AddressRecord[]>;
  try {
    lookup = resolver(host, { cache: false });
  } catch (err) {
    throw unresolved(err);
  }
  return lookup.then(
    (records) => records.map((r) => {
      const p = parseAddress(r.address)!;
      return r.scopeId === undefined ? p : { ...p, scopeId: r.scopeId };
    }),
    (err: unknown) => { throw unresolved(err); },
  );
}

function withLocals(egress: Egress, locals: Locals | Promise<Locals>): Egress | Promise<Egress> {
  if (Array.isArray(locals)) {
    egress.locals = locals;
    return egress;
  }
  return (locals as Promise<Locals>).then((l) => { egress.locals = l; return egress; });
}

type LocalOptions = Pick<EgressOptions, 'localAddress' | 'sourcePolicy' | 'freebind'> & { host?: string };

/**
 * What `localAddress` asks for: one address or host name as it is written; from a pool, this connect's
 * draw (one source per family, chosen by the pool's policy, the destination host being hash's key).
 */
function localsOf(options: LocalOptions, table: InterfaceTable, resolver: Resolver): Locals | Promise<Locals> {
  const value = options.localAddress!;
  if (!isSourcePool(value)) {
    const locals = localAddresses(value as string, value as string, table, resolver);
    if (options.freebind !== true) return locals;
    const mark = (l: Locals): Locals => l.map((a) => ({ ...a, freebind: true }));
    return Array.isArray(locals) ? mark(locals) : (locals as Promise<Locals>).then(mark);
  }
  return sourcePoolFor(options).draw(options.host ?? '').map((s) => {
    if (s.zone === undefined) return s;
    return { ...s, scopeId: resolveZone(s.zone, table, formatWithZone(s.address, s.zone)).scopeId };
  });
}

/** The local address option as traces and messages name it. */
function localLabel(options: LocalOptions): string | undefined {
  const value = options.localAddress;
  if (value === undefined) return undefined;
  return isSourcePool(value) ? sourcePoolFor(options).label : value as string;
}

/**
 * The Egress, at once when nothing is to be resolved (no spec, an interface, literal addresses), else
 * a promise; throws for bad input.
 */
export function planEgress(
  options: Pick<EgressOptions, 'interface'> & LocalOptions,
  table: InterfaceTable,
  resolver: Resolver,
): Egress | Promise<Egress> {
  const { interface: specs } = options;
  checkSourceOptions(options);
  // A list of one is that spec; an empty list is refused.
  const links = Array.isArray(specs) ? interfaceLinks(specs) : undefined;
  if (links !== undefined) return planLinks(links, options, table, resolver);
  const spec = Array.isArray(specs) ? specs[0] : specs;
  const localAddress = localLabel(options);
  if (spec === undefined) {
    if (localAddress === undefined) return {};
    return withLocals({ label: localAddress }, localsOf(options, table, resolver));
  }
  const parsed = parseInterfaceSpec(spec);
  if (localAddress !== undefined && parsed.kind !== 'if' && parsed.kind !== 'dev') {
    throw new HiperError('ERR_INVALID_ARGUMENT', `localAddress "${localAddress}" conflicts with the local host in interface spec "${spec}"`, { input: spec });
  }
  switch (parsed.kind) {
    case 'if':
      ifaceMustExist(table, parsed.iface, spec);
      break;
    case 'dev':
      // curl: a bare word is an interface if one has that name, else a local host.
      if (!table.get(parsed.iface)) return withLocals({ label: spec }, localAddresses(parsed.host, spec, table, resolver));
      break;
    case 'host':
      return withLocals({ label: spec }, localAddresses(parsed.host, spec, table, resolver));
    case 'ifhost':
      ifaceMustExist(table, parsed.iface, spec);
      return withLocals({ label: spec, device: parsed.iface }, localAddresses(parsed.host, spec, table, resolver));
  }
  const egress: Egress = { label: spec, device: parsed.iface };
  if (localAddress !== undefined) return withLocals(egress, localsOf(options, table, resolver));
  return egress;
}

/**
 * An interface list: each link's Egress, in order. A link missing now is not an error (the plan skips
 * it while another can serve), unless every link is missing. localAddress does not go with a list.
 */
function planLinks(links: ListedLink[], options: { localAddress?: unknown }, table: InterfaceTable, resolver: Resolver): Egress | Promise<Egress> {
  const label = links.map((l) => l.spec).join(', ');
  if (options.localAddress !== undefined) throw localWithListError(links);
  if (links.every((l) => table.get(l.device) === undefined)) {
    throw new HiperError('ERR_INTERFACE_NOT_FOUND', `none of the interfaces of the list ${listLabel(links)} exists; interfaces: ${table.names().join(', ') || 'none'}`, { input: label });
  }
  const each = links.map((l) => (l.host === undefined ? { label: l.spec, device: l.device } : withLocals({ label: l.spec, device: l.device }, localAddresses(l.host, l.spec, table, resolver))));
  if (each.every((e) => !(e instanceof Promise))) return { label, links: each as Egress[] };
  return Promise.all(each).then((resolved) => ({ label, links: resolved }));
}

/** The device of the first link of a list that is usable now (the one its connections would leave through first). */
export function firstUsableLink(links: readonly Egress[], table: InterfaceTable): string | undefined {
  for (const l of links) {
    const iface = table.get(l.device!);
    if (iface !== undefined && linkUsable(iface)) return l.device;
  }
  return undefined;
}

/** Turns the interface spec and local address options into an Egress, or throws for bad input. */
export async function resolveEgress(
  options: Pick<EgressOptions, 'interface'> & LocalOptions,
  table: InterfaceTable,
  resolver: Resolver,
): Promise<Egress> {
  return planEgress(options, table, resolver);
}
