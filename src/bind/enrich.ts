/**
 * Interface enrichment from systeminformation: operstate, type, speed, MTU, virtual flag. Loaded
 * lazily and used only for display (`hiper ifaces`), never on the connect path.
 */
import type { InterfaceTable, NetworkInterface } from './interfaces.js';

export interface InterfaceDetails {
  operstate?: string;
  type?: string;
  /** Mbit/s, where the driver says. */
  speed?: number | null;
  mtu?: number | null;
  virtual?: boolean;
  mac?: string;
}

export type EnrichedInterface = NetworkInterface & InterfaceDetails;

export async function enrichInterfaces(table: InterfaceTable): Promise<EnrichedInterface[]> {
  let details = new Map<string, InterfaceDetails>();
  try {
    const si = (await import('systeminformation')).default;
    const list = await si.networkInterfaces();
    for (const d of Array.isArray(list) ? list : [list]) {
      details.set(d.iface, { operstate: d.operstate, type: d.type, speed: d.speed, mtu: d.mtu, virtual: d.virtual, mac: d.mac });
    }
  } catch {
    details = new Map(); // enrichment is best-effort; the table itself stands without it
  }
  return table.interfaces.map((i) => ({ ...i, ...details.get(i.name) }));
}
