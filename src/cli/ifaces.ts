/**
 * `hiper ifaces [--json] [--details] [--watch]`: the interface table as the kernel has it (netlink:
 * state, type, MTU, address flags), whether device binding is available, and with --watch each change
 * as it happens. --details adds link speed (systeminformation, slow: it is loaded only then).
 */
// The modules of the table itself, not bind's whole public face: this command runs at a shell's speed.
import { interfaceTable, watchInterfaces, type InterfaceChange } from '../bind/live.js';
import { InterfaceTable } from '../bind/interfaces.js';
import { deviceBinding } from '../bind/device.js';
import type { EnrichedInterface } from '../bind/enrich.js';

export interface IfacesOptions {
  json: boolean;
  details?: boolean;
  watch?: boolean;
  /** --watch ends when this is aborted (the command line: SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

function linkLine(i: EnrichedInterface): string {
  const facts = [i.state, i.type, i.kind, i.flags && !i.flags.includes('up') ? 'admin down' : undefined, i.mtu ? `mtu ${i.mtu}` : undefined,
    i.speed && i.speed > 0 ? `${i.speed} Mbit/s` : undefined, i.mac].filter(Boolean).join(', ');
  return `${i.index ?? '?'}: ${i.name}${facts ? `  (${facts})` : ''}`;
}

function addressLines(i: EnrichedInterface): string[] {
  if (i.addresses.length === 0) return ['    (no addresses)'];
  return i.addresses.map((a) => {
    const scope = a.scopeId !== undefined && a.scope === 'link-local' ? ` scope ${a.scope} %${a.scopeId}` : ` scope ${a.scope}`;
    const flags = (a.flags ?? []).filter((f) => f !== 'permanent');
    const life = a.preferredLifetime !== undefined ? ` preferred ${a.preferredLifetime}s valid ${a.validLifetime ?? 'forever'}s` : '';
    return `    inet${a.family === 6 ? '6' : ''} ${a.cidr}${scope}${flags.length ? ` ${flags.join(' ')}` : ''}${life}`;
  });
}

/** One line per change, as --watch prints it. */
export function changeLine(c: InterfaceChange): string {
  switch (c.kind) {
    case 'link-added':
    case 'link-removed':
      return `${c.name}: link ${c.kind === 'link-added' ? 'added' : 'removed'}${c.state ? ` (${c.state})` : ''}`;
    case 'link-state':
      return `${c.name}: ${c.from ?? '?'} -> ${c.to ?? '?'}${c.flagsTo.includes('up') ? '' : ' (admin down)'}${c.usable ? '' : ', unusable'}`;
    case 'address-added':
    case 'address-removed':
      return `${c.name}: address ${c.cidr} ${c.kind === 'address-added' ? 'added' : 'removed'}`;
    case 'address-flags':
      return `${c.name}: address ${c.cidr} flags ${c.from.join(' ') || '-'} -> ${c.to.join(' ') || '-'}`;
  }
}

export async function ifacesCommand(options: IfacesOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  // With --watch the subscription comes first, so no change between the table and the first line is lost.
  const pending: InterfaceChange[][] = [];
  let print: ((changes: InterfaceChange[]) => void) | undefined;
  const watching = options.watch ? watchInterfaces((changes) => (print ? print(changes) : pending.push(changes))) : undefined;
  if (watching && 'reason' in watching) {
    process.stderr.write(`hiper: ifaces --watch needs netlink: ${watching.reason}\n`);
    return 45;
  }
  // A listing alone reads the table once and follows nothing (no subscription to open and close).
  const table = watching ? interfaceTable({ refresh: true }) : InterfaceTable.read();
  const interfaces: EnrichedInterface[] = options.details ? await (await import('../bind/enrich.js')).enrichInterfaces(table) : table.interfaces.map((i) => ({ ...i }));
  const binding = deviceBinding();
  if (options.json) {
    const doc = { deviceBinding: binding, tableSource: table.source, ...(table.fallbackReason ? { fallbackReason: table.fallbackReason } : {}), interfaces };
    out.write(`${JSON.stringify(doc, null, options.watch ? 0 : 2)}\n`);
  } else {
    const { deviceBindingLine, tableSourceLine } = await import('./version.js');
    for (const i of interfaces) out.write([linkLine(i), ...addressLines(i)].join('\n') + '\n');
    out.write(`${tableSourceLine(table)}\n${deviceBindingLine(binding)}\n`);
  }
  if (!watching) return 0;
  print = (changes) => {
    const at = new Date().toISOString();
    for (const c of changes) out.write(options.json ? `${JSON.stringify({ at, ...c })}\n` : `${at} ${changeLine(c)}\n`);
  };
  for (const changes of pending.splice(0)) print(changes);
  return new Promise((resolve) => {
    // The subscription does not keep the process alive; this timer does, until the signal.
    const keep = setInterval(() => {}, 1 << 30);
    const end = (): void => {
      clearInterval(keep);
      watching.stop();
      resolve(0);
    };
    if (options.signal?.aborted) end();
    else options.signal?.addEventListener('abort', end, { once: true });
  });
}
