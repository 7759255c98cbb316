/**
 * Which changes of the interface table end a connection: its pinned link went down or away, or its
 * local address was removed. A connection that asked for no egress follows the kernel's routes and is
 * ended only by the loss of its local address. Pure: the Multi applies the verdicts.
 */
import type { InterfaceChange } from '../bind/index.js';

export interface Losses {
  /** Link name → what happened to it. */
  links: Map<string, string>;
  /** Local address → what happened to it. */
  addresses: Map<string, string>;
}

export function lossesOf(changes: readonly InterfaceChange[]): Losses {
  const links = new Map<string, string>();
  const addresses = new Map<string, string>();
  for (const c of changes) {
    if (c.kind === 'link-removed') links.set(c.name, `link ${c.name} was removed`);
    else if (c.kind === 'link-state' && !c.usable) links.set(c.name, `link ${c.name} went ${c.flagsTo.includes('up') ? c.to ?? 'down' : 'administratively down'}`);
    else if (c.kind === 'address-removed') addresses.set(c.address, `address ${c.cidr} was removed from ${c.name}`);
  }
  return { links, addresses };
}

/** Why a connection (its pinned link, if any, and its local address) is lost, or undefined. */
export function lossOf(l: Losses, pinnedLink: string | undefined, localAddress: string): { link?: string; why: string } | undefined {
  const link = pinnedLink === undefined ? undefined : l.links.get(pinnedLink);
  if (link !== undefined) return { link: pinnedLink!, why: link };
  const address = l.addresses.get(localAddress);
  return address === undefined ? undefined : { why: address };
}
