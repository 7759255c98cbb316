/**
 * Egress: what the `interface` and `localAddress` options ask for, made concrete once per connect —
 * the device to bind to (if any) and the local addresses to choose from. The host part of a spec
 * ("host!NAME", "ifhost!eth0!NAME") is resolved here, not in bind, which stays free of DNS.
 */
import { HiperError } from '../shared/errors.js';
import type { AddressRecord } from '../shared/types.js';
import { parseAddress, parseInterfaceSpec, resolveZone, type InterfaceTable, type ParsedAddress } from '../bind/index.js';
import type { Resolver } from '../resolve/types.js';

export interface Egress {
  /** The written spec (or local address), for traces and messages. */
  label?: string;
  /** Interface to bind to (SO_BINDTODEVICE) and to take local addresses from through if2ip. */
  device?: string;
  /** Fixed local addresses (host part); when absent, if2ip picks per remote address. */
  locals?: Array<ParsedAddress & { scopeId?: number }>;
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

/**
 * The Egress, at once when nothing is to be resolved (no spec, an interface, literal addresses), else
 * a promise; throws for bad input.
 */
export function planEgress(
  options: { interface?: string | undefined; localAddress?: string | undefined },
  table: InterfaceTable,
  resolver: Resolver,
): Egress | Promise<Egress> {
  const { interface: spec, localAddress } = options;
  if (spec === undefined) {
    if (localAddress === undefined) return {};
    return withLocals({ label: localAddress }, localAddresses(localAddress, localAddress, table, resolver));
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
  if (localAddress !== undefined) return withLocals(egress, localAddresses(localAddress, localAddress, table, resolver));
  return egress;
}

/** Turns the interface spec and local address options into an Egress, or throws for bad input. */
export async function resolveEgress(
  options: { interface?: string | undefined; localAddress?: string | undefined },
  table: InterfaceTable,
  resolver: Resolver,
): Promise<Egress> {
  return planEgress(options, table, resolver);
}
