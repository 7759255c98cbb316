/**
 * What the kernel's netlink does not tell: link speed, from systeminformation. Loaded lazily and used
 * only for display (`hiper ifaces --details`), never on the connect path. systeminformation reads
 * /sys/class/net, which after unshare or setns belongs to another network namespace, so a detail is
 * kept only where that interface's MAC address matches the one netlink gave.
 */
import type { InterfaceTable, NetworkInterface } from './interfaces.js';

export interface InterfaceDetails {
  /** Mbit/s, where the driver says. */
  speed?: number | null;
  virtual?: boolean;
}

export type EnrichedInterface = NetworkInterface & InterfaceDetails;

export async function enrichInterfaces(table: InterfaceTable): Promise<EnrichedInterface[]> {
  let details = new Map<string, InterfaceDetails & { mac?: string }>();
  try {
    const si = (await import('systeminformation')).default;
    const list = await si.networkInterfaces();
    for (const d of Array.isArray(list) ? list : [list]) details.set(d.iface, { speed: d.speed, virtual: d.virtual, mac: d.mac });
  } catch {
    details = new Map(); // enrichment is best-effort; the table itself stands without it
  }
  return table.interfaces.map((i) => {
    const d = details.get(i.name);
    if (d === undefined || (i.mac !== undefined && d.mac !== i.mac)) return { ...i };
    return { ...i, ...(d.speed != null ? { speed: d.speed } : {}), ...(d.virtual !== undefined ? { virtual: d.virtual } : {}) };
  });
}
