/**
 * The live interface table. The process's table is read once, at its first use, and then kept current:
 * from that read on, the kernel's link and address notifications make hiper read it again (once per
 * burst of notifications), so connect never plans on a link that went down, and listeners are told
 * what changed, after the cached table is the new one. The subscription never keeps the process alive.
 * Without netlink there is nothing to follow: the table is read again only on `refresh`, and
 * `watchInterfaces` says why.
 */
import { InterfaceTable, linkUsable, type InterfaceAddress, type NetworkInterface } from './interfaces.js';
import { watchKernel } from './netlink/kernel.js';
import type { OperState } from './netlink/messages.js';

export type InterfaceChange =
  | { kind: 'link-added' | 'link-removed'; name: string; index?: number; state?: OperState; usable: boolean }
  | { kind: 'link-state'; name: string; index?: number; from?: OperState; to?: OperState; flagsFrom: string[]; flagsTo: string[]; usable: boolean }
  | { kind: 'address-added' | 'address-removed'; name: string; index?: number; address: string; cidr: string; family: 4 | 6 }
  | { kind: 'address-flags'; name: string; index?: number; address: string; cidr: string; family: 4 | 6; from: string[]; to: string[] };

export type InterfaceListener = (changes: InterfaceChange[], table: InterfaceTable) => void;

const same = (a: readonly string[] = [], b: readonly string[] = []): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function addressChanges(name: string, index: number | undefined, before: InterfaceAddress[], after: InterfaceAddress[]): InterfaceChange[] {
  const out: InterfaceChange[] = [];
  const key = (a: InterfaceAddress) => `${a.address}/${a.prefixLength ?? ''}`;
  const old = new Map(before.map((a) => [key(a), a]));
  const now = new Map(after.map((a) => [key(a), a]));
  const base = (a: InterfaceAddress) => ({ name, ...(index !== undefined ? { index } : {}), address: a.address, cidr: a.cidr, family: a.family });
  for (const [k, a] of old) if (!now.has(k)) out.push({ kind: 'address-removed', ...base(a) });
  for (const [k, a] of now) {
    const was = old.get(k);
    if (!was) out.push({ kind: 'address-added', ...base(a) });
    else if (!same(was.flags, a.flags)) out.push({ kind: 'address-flags', ...base(a), from: was.flags ?? [], to: a.flags ?? [] });
  }
  return out;
}

/** What differs between two tables, link by link (by index, else by name). */
export function diffTables(before: InterfaceTable, after: InterfaceTable): InterfaceChange[] {
  const out: InterfaceChange[] = [];
  const find = (t: InterfaceTable, i: NetworkInterface) => (i.index !== undefined ? t.byIndex(i.index) : undefined) ?? t.get(i.name);
  const idx = (i: NetworkInterface) => (i.index !== undefined ? { index: i.index } : {});
  for (const was of before.interfaces) {
    if (!find(after, was)) out.push({ kind: 'link-removed', name: was.name, ...idx(was), ...(was.state ? { state: was.state } : {}), usable: false });
  }
  for (const now of after.interfaces) {
    const was = find(before, now);
    if (!was) {
      out.push({ kind: 'link-added', name: now.name, ...idx(now), ...(now.state ? { state: now.state } : {}), usable: linkUsable(now) });
      out.push(...addressChanges(now.name, now.index, [], now.addresses));
      continue;
    }
    if (was.state !== now.state || !same(was.flags, now.flags)) {
      out.push({
        kind: 'link-state', name: now.name, ...idx(now),
        ...(was.state ? { from: was.state } : {}), ...(now.state ? { to: now.state } : {}),
        flagsFrom: was.flags ?? [], flagsTo: now.flags ?? [], usable: linkUsable(now),
      });
    }
    out.push(...addressChanges(now.name, now.index, was.addresses, now.addresses));
  }
  return out;
}

const listeners = new Set<InterfaceListener>();
let current: InterfaceTable | undefined;
/** The kernel subscription, or why there is none. */
let following: { stop: () => void } | { reason: string } | undefined;
let pending = false;
/** The table comes from another thread (feedInterfaceTable): this one never reads the kernel. */
let fed = false;

/** The table the listeners last heard of: what they hear next is the change from it to `current`. */
let heard: InterfaceTable | undefined;

/** Tells the listeners what changed since they last heard (nothing when nothing did). */
function notify(): void {
  const before = heard;
  const after = (heard = current);
  if (before === undefined || after === undefined || listeners.size === 0) return;
  const changes = diffTables(before, after);
  if (changes.length === 0) return;
  for (const l of [...listeners]) l(changes, after);
}

function reread(): void {
  pending = false;
  current = InterfaceTable.read();
  notify();
}

function follow(): { stop: () => void } | { reason: string } {
  if (following === undefined) {
    const w = watchKernel(() => {
      if (pending) return;
      pending = true;
      // Notifications that arrive together (a link going down with its addresses) are one read.
      setImmediate(reread);
    });
    following = 'reason' in w ? w : { stop: w };
  }
  return following;
}

/** The first table: read at its first use, and followed from then on (so the subscription misses nothing after the read). */
function firstTable(): InterfaceTable {
  return InterfaceTable.deferred(() => {
    follow();
    return InterfaceTable.read();
  });
}

/**
 * The cached table of this network namespace's interfaces, kept current where netlink is there;
 * `refresh` reads it again now. The first table is read when something is first looked up in it,
 * so a connection without egress options never reads the kernel.
 */
export function interfaceTable(options: { refresh?: boolean } = {}): InterfaceTable {
  if (options.refresh && !fed) {
    const unread = current === undefined || !current.isRead;
    current = InterfaceTable.read();
    // Nobody has heard of an unread table: this one is where the listeners start. Otherwise the kernel's
    // own notification may come after this read and find nothing new: the listeners hear the change
    // from here, on the next turn (not inside the caller's step).
    if (unread) heard = current;
    else setImmediate(notify);
  } else if (!current) {
    heard = current = firstTable();
  }
  if (current.isRead) follow();
  return current;
}

/**
 * Makes `table` this thread's table, from now on fed by its owner instead of read from the kernel (a
 * ShardedMulti worker gets its main thread's table and each change of it): listeners hear what changed.
 */
export function feedInterfaceTable(table: InterfaceTable): void {
  fed = true;
  following ??= { stop: () => {} };
  heard ??= current;
  current = table;
  notify();
}

/**
 * Calls `listener` with each change of this namespace's links and addresses, until `stop()`. The
 * changes of one burst of notifications come in one call.
 */
export function watchInterfaces(listener: InterfaceListener): { stop: () => void } | { reason: string } {
  interfaceTable({ refresh: true }); // the state the first change is told against
  notify(); // earlier listeners hear what this read found; the new one starts from it
  const f = follow();
  if ('reason' in f) return f;
  listeners.add(listener);
  return { stop: () => void listeners.delete(listener) };
}
