/** The interface table as plain data, so a worker plans on its main thread's table instead of reading netlink itself. */
import { InterfaceTable } from '../../bind/interfaces.js';
import type { WireTable } from './protocol.js';

export function tableToWire(table: InterfaceTable): WireTable {
  const w: WireTable = { interfaces: [...table.interfaces], source: table.source };
  if (table.fallbackReason !== undefined) w.fallbackReason = table.fallbackReason;
  return w;
}

export function tableFromWire(w: WireTable): InterfaceTable {
  return new InterfaceTable(w.interfaces, w.source === 'netlink' ? { source: 'netlink' } : { source: 'os', ...(w.fallbackReason !== undefined ? { fallbackReason: w.fallbackReason } : {}) });
}
