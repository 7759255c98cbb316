/**
 * The `interface` option as a failover list: two or more specs, first preferred, each naming a link
 * (if!NAME, ifhost!NAME!HOST, or a bare NAME, which in a list is always a link). A list is a list of
 * links, so a member naming only a local address (host!ADDR) is refused (localAddress takes those),
 * and so is a link named twice: connections are keyed by the link that served them.
 */
import { HiperError } from '../shared/errors.js';
import { parseInterfaceList, parseInterfaceSpec } from '../bind/index.js';

export interface ListedLink {
  /** The member as written. */
  spec: string;
  /** The link's device name. */
  device: string;
  /** The local host of an ifhost! member. */
  host?: string;
}

/**
 * Checks the option; the links of a list, or undefined for a single spec (a string or a list of one),
 * which keeps its own meaning and errors.
 */
export function interfaceLinks(value: string | readonly string[]): ListedLink[] | undefined {
  if (typeof value === 'string') {
    parseInterfaceSpec(value);
    return undefined;
  }
  const parsed = parseInterfaceList(value);
  if (parsed.length === 1) return undefined;
  const byDevice = new Map<string, string>();
  return parsed.map((p, i): ListedLink => {
    const spec = value[i]!;
    if (p.kind === 'host') {
      throw new HiperError('ERR_INVALID_INTERFACE_SPEC', `"${spec}" in an interface list names a local address, not a link: a failover list takes if!NAME, ifhost!NAME!HOST or NAME (local addresses go in localAddress)`, { input: spec });
    }
    const other = byDevice.get(p.iface);
    if (other !== undefined) {
      throw new HiperError('ERR_INVALID_INTERFACE_SPEC', `"${other}" and "${spec}" both name link ${p.iface}: an interface list names each link once`, { input: spec });
    }
    byDevice.set(p.iface, spec);
    return p.kind === 'ifhost' ? { spec, device: p.iface, host: p.host } : { spec, device: p.iface };
  });
}

/** The list in words, for messages: `"if!wan0", "if!wan1"`. */
export function listLabel(links: readonly ListedLink[]): string {
  return links.map((l) => `"${l.spec}"`).join(', ');
}

/**
 * A local address would be the same on every link of a list, which is rarely what a list means: each
 * link takes its own with ifhost!NAME!ADDR.
 */
export function localWithListError(links: readonly ListedLink[]): HiperError {
  return new HiperError('ERR_INVALID_ARGUMENT', `localAddress and the interface list ${listLabel(links)} both say where connections leave from: give each link its address with ifhost!NAME!ADDR, or pin one link`, { input: 'localAddress' });
}

/** Checks `interface` and `failback` (and a list's refusal of localAddress) before any connection; the links of a list, else undefined. */
export function checkInterfaceOptions(o: { interface?: string | string[] | undefined; failback?: boolean | undefined; localAddress?: unknown }): ListedLink[] | undefined {
  if (o.failback !== undefined && typeof o.failback !== 'boolean') {
    throw new HiperError('ERR_INVALID_ARGUMENT', `failback must be a boolean, got ${JSON.stringify(o.failback)}`, { input: 'failback' });
  }
  const links = o.interface === undefined ? undefined : interfaceLinks(o.interface);
  if (links !== undefined && o.localAddress !== undefined) throw localWithListError(links);
  return links;
}
