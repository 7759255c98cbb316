/**
 * rtnetlink through the addon: link and address dumps, route lookups, and a subscription to changes.
 * Where the addon (or its netlink part) is missing, each call says why instead of throwing, so the
 * interface table can fall back to os.networkInterfaces() and name the reason.
 * HIPER_NETLINK=off in the environment turns netlink off (the fallback, for tests and comparisons).
 */
import { getSystemErrorName } from 'node:util';
import { hiperAddon, type HiperAddon } from '../addon.js';
import { errorOf, splitMessages, NLMSG_DONE, NLMSG_ERROR, RTM_NEWROUTE, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_LINK, type NetlinkMessage } from './wire.js';
import { addressDumpRequest, decodeAddress, decodeLink, decodeRoute, linkDumpRequest, routeRequest, type AddressInfo, type LinkInfo, type RouteInfo, type RouteQuery } from './messages.js';

export type Unavailable = { reason: string };

type Netlink = Required<Pick<HiperAddon, 'netlinkRequest' | 'netlinkWatch' | 'netlinkUnwatch'>>;

let found: Netlink | Unavailable | undefined;

/** The addon's netlink functions, or why there are none (decided once: a route lookup runs per connect). */
export function netlink(): Netlink | Unavailable {
  if (found) return found;
  if (process.env.HIPER_NETLINK === 'off') return (found = { reason: 'netlink turned off by HIPER_NETLINK=off' });
  const r = hiperAddon();
  if (!r.addon) return (found = { reason: `no addon: ${r.reason}` });
  const a = r.addon;
  if (!a.netlinkRequest || !a.netlinkWatch || !a.netlinkUnwatch) return (found = { reason: `the addon ${r.path} predates netlink support` });
  return (found = a as Netlink);
}

function errnoText(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}

/** The reply messages to one request, without the closing DONE; an NLMSG_ERROR reply becomes the reason. */
function ask(nl: Netlink, request: Buffer, what: string): NetlinkMessage[] | Unavailable {
  const reply = nl.netlinkRequest(request);
  if (typeof reply === 'number') return { reason: `${what} failed: ${errnoText(-reply)}` };
  const out: NetlinkMessage[] = [];
  for (const m of splitMessages(reply)) {
    if (m.type === NLMSG_DONE) break;
    if (m.type === NLMSG_ERROR) {
      const errno = errorOf(m);
      if (errno !== 0) return { reason: `${what} failed: ${errnoText(errno)}` };
      continue;
    }
    out.push(m);
  }
  return out;
}

export interface KernelTable {
  links: LinkInfo[];
  addresses: AddressInfo[];
}

/** Every link and address of this network namespace, as the kernel has them now. */
export function readKernelTable(): KernelTable | Unavailable {
  const nl = netlink();
  if ('reason' in nl) return nl;
  const links = ask(nl, linkDumpRequest(), 'RTM_GETLINK');
  if ('reason' in links) return links;
  const addresses = ask(nl, addressDumpRequest(), 'RTM_GETADDR');
  if ('reason' in addresses) return addresses;
  return {
    links: links.map(decodeLink).filter((l): l is LinkInfo => l !== undefined),
    addresses: addresses.map(decodeAddress).filter((a): a is AddressInfo => a !== undefined),
  };
}

/** The kernel's route for a connection from `from` (and device `oif`) to `to`: `ip route get`. */
export function routeGet(q: RouteQuery): RouteInfo | Unavailable {
  const nl = netlink();
  if ('reason' in nl) return nl;
  const reply = ask(nl, routeRequest(q), `route lookup to ${q.to}`);
  if ('reason' in reply) return reply;
  const route = reply.find((m) => m.type === RTM_NEWROUTE);
  return route ? decodeRoute(route) : { reason: `route lookup to ${q.to}: no answer` };
}

/**
 * Calls `onChange` (on the event loop) whenever a link or an address of this namespace changes, or
 * when the kernel dropped notifications; the caller reads the table again. Returns a stop function.
 * The subscription never keeps the process alive.
 */
export function watchKernel(onChange: () => void): (() => void) | Unavailable {
  const nl = netlink();
  if ('reason' in nl) return nl;
  const handle = nl.netlinkWatch(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, () => onChange());
  if (typeof handle === 'number') return { reason: `netlink subscription failed: ${errnoText(-handle)}` };
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    nl.netlinkUnwatch(handle);
  };
}
