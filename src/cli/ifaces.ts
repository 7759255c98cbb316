/** `hiper ifaces [--json]`: the interface table, with whether device binding is available. */
import { deviceBinding, enrichInterfaces, interfaceTable } from '../bind/index.js';
import { deviceBindingLine } from './version.js';

export async function ifacesCommand(options: { json: boolean }, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const interfaces = await enrichInterfaces(interfaceTable({ refresh: true }));
  const binding = deviceBinding();
  if (options.json) {
    out.write(JSON.stringify({ deviceBinding: binding, interfaces }, null, 2) + '\n');
    return 0;
  }
  for (const i of interfaces) {
    const facts = [i.operstate, i.type, i.virtual ? 'virtual' : undefined, i.speed && i.speed > 0 ? `${i.speed} Mbit/s` : undefined, i.mtu ? `mtu ${i.mtu}` : undefined]
      .filter(Boolean).join(', ');
    out.write(`${i.index ?? '?'}: ${i.name}${facts ? `  (${facts})` : ''}\n`);
    if (i.addresses.length === 0) out.write('    (no addresses)\n');
    for (const a of i.addresses) {
      const scope = a.scopeId !== undefined && a.scope === 'link-local' ? ` scope ${a.scope} %${a.scopeId}` : ` scope ${a.scope}`;
      out.write(`    inet${a.family === 6 ? '6' : ''} ${a.cidr}${scope}\n`);
    }
  }
  out.write(`${deviceBindingLine(binding)}\n`);
  return 0;
}
