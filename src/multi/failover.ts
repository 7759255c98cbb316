/**
 * Interface lists in a Multi: where a list's new connections go, and which of its connections give way.
 * connect() itself fails over (a link missing, down or failing makes the next one be tried); what is
 * left here is what outlives one connect:
 *   - failback (the default): when the live interface table shows an earlier link of the list usable
 *     again, the connections on later links take no new transfer and close once idle, so the next
 *     transfer makes its connection on the earlier link;
 *   - failback: false: new connections start on the link that last served the list, until it fails
 *     (connect then moves on, and the link that serves becomes the one that last served).
 * A connection is known by the link that served it (its trace's interface). Pure but for LinkMemory;
 * the Multi applies the verdicts.
 */
import { addressUsable, linkUsable, type InterfaceChange, type InterfaceTable } from '../bind/index.js';
import { interfaceLinks } from '../connect/index.js';

export interface LinkOrder {
  /** The list as written, first preferred (what connect() takes). */
  readonly specs: readonly string[];
  /** Each member's link (device), in the same order. */
  readonly links: readonly string[];
  readonly failback: boolean;
  /** The list's identity in a Multi. */
  readonly key: string;
}

/** The link order of a transfer's options: undefined without a list (a single spec is not one). */
export function linkOrderOf(o: { interface?: string | string[] | undefined; failback?: boolean | undefined }): LinkOrder | undefined {
  const specs = o.interface;
  if (!Array.isArray(specs) || specs.length < 2) return undefined;
  const links = interfaceLinks(specs)!.map((l) => l.device);
  return { specs: [...specs], links, failback: o.failback !== false, key: specs.join('\n') };
}

/** Links these changes made usable: came up, appeared up, or (while up) got an address or finished its address's duplicate detection. */
export function linksBack(changes: readonly InterfaceChange[], table: InterfaceTable): Set<string> {
  const back = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'link-added') {
      if (c.usable) back.add(c.name);
    } else if (c.kind === 'link-state') {
      // Usable now and not before (a flag that changes on a link that stays up brings nothing back).
      const before = { name: c.name, internal: false, addresses: [], flags: c.flagsFrom, ...(c.from !== undefined ? { state: c.from } : {}) };
      if (c.usable && !linkUsable(before)) back.add(c.name);
    } else if (c.kind === 'address-added' || (c.kind === 'address-flags' && c.from.includes('tentative'))) {
      // An address that can be bound now, on a link that is up (an IPv6 address in detection comes later, as address-flags).
      const link = table.get(c.name);
      const a = link?.addresses.find((x) => x.address === c.address);
      if (link !== undefined && a !== undefined && linkUsable(link) && addressUsable(a)) back.add(c.name);
    }
  }
  return back;
}

/** Failback: a connection on `link` gives way when a link before it in the order is back. */
export function givesWay(order: LinkOrder, link: string | undefined, back: ReadonlySet<string>): boolean {
  if (!order.failback || link === undefined) return false;
  const at = order.links.indexOf(link);
  for (let i = 0; i < at; i++) if (back.has(order.links[i]!)) return true;
  return false;
}

/**
 * What a Multi remembers of its lists' links: for failback: false, the link that last served each list
 * (and so the list as the next connect tries it); for failback, when each link last came back, so that
 * a connect that was under way then and ended on a later link gives way too.
 */
export class LinkMemory {
  private readonly last = new Map<string, string>();
  private readonly backAt = new Map<string, number>();
  /** Counts the interface changes that brought a link back. */
  private changes = 0;

  /** Where the connects that start now stand: `cameBackSince` compares with it. */
  get mark(): number {
    return this.changes;
  }

  cameBack(links: ReadonlySet<string>): void {
    this.changes++;
    for (const l of links) this.backAt.set(l, this.changes);
  }

  /** Failback: a connection on `link`, made by a connect that started at `mark`, gives way to an earlier link that came back since. */
  cameBackSince(order: LinkOrder, link: string | undefined, mark: number): boolean {
    if (!order.failback || link === undefined || mark === this.changes) return false;
    const at = order.links.indexOf(link);
    for (let i = 0; i < at; i++) if ((this.backAt.get(order.links[i]!) ?? 0) > mark) return true;
    return false;
  }

  served(order: LinkOrder, link: string | undefined): void {
    if (!order.failback && link !== undefined && order.links.includes(link)) this.last.set(order.key, link);
  }

  /** The specs with the link that last served first, the others after it in their order; undefined: as written. */
  specsFor(order: LinkOrder): string[] | undefined {
    if (order.failback) return undefined;
    const link = this.last.get(order.key);
    const at = link === undefined ? -1 : order.links.indexOf(link);
    if (at <= 0) return undefined;
    return [order.specs[at]!, ...order.specs.filter((_, i) => i !== at)];
  }
}
