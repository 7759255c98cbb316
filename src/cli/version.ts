/**
 * `hiper --version` / `-V`, in curl's shape: hiper's version with the Node.js running it, which
 * device-binding addon loaded, where the interface table comes from, then Protocols and Features.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { deviceBinding, InterfaceTable, type DeviceBindingStatus } from '../bind/index.js';

let cachedVersion: string | undefined;

/** hiper's own package.json, the nearest one above this module that is named hiper. */
export function hiperVersion(from = dirname(fileURLToPath(import.meta.url))): string {
  if (cachedVersion !== undefined) return cachedVersion;
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hiper' && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // no package.json at this level
    }
  }
  return (cachedVersion = 'unknown');
}

/** One line on device binding, as `ifaces` and `--version` print it. */
export function deviceBindingLine(b: DeviceBindingStatus = deviceBinding()): string {
  return b.available
    ? `device binding: available (SO_BINDTODEVICE), ${b.addon} addon ${b.path}`
    : `device binding: unavailable, address binding only (${b.reason})`;
}

/** Where the interface table comes from: the kernel over rtnetlink, or Node's list without link states. */
export function tableSourceLine(t: Pick<InterfaceTable, 'source' | 'fallbackReason'>): string {
  return t.source === 'netlink' ? 'interface table: kernel (rtnetlink)' : `interface table: os.networkInterfaces(), no link states (${t.fallbackReason ?? 'given'})`;
}

/** curl's Features words for what this build and this Node.js can do, sorted as curl sorts them. */
export function features(b: DeviceBindingStatus = deviceBinding(), z: object = zlib): string[] {
  const list = ['AsynchDNS', 'IPv6', 'HTTP2', 'HTTP1.1-pipelining', 'happy-eyeballs', 'DoH', 'SSL', 'Largefile', 'libz'];
  if ('createBrotliDecompress' in z) list.push('brotli');
  if ('createZstdDecompress' in z) list.push('zstd');
  if (b.available) list.push('device-binding');
  return list.sort((a, c) => a.toLowerCase().localeCompare(c.toLowerCase()));
}

export function versionText(b: DeviceBindingStatus = deviceBinding(), table: Pick<InterfaceTable, 'source' | 'fallbackReason'> = InterfaceTable.read()): string {
  return [
    `hiper ${hiperVersion()} (Node.js ${process.version}, ${process.platform} ${process.arch})`,
    deviceBindingLine(b),
    tableSourceLine(table),
    'Protocols: http https',
    `Features: ${features(b).join(' ')}`,
  ].join('\n') + '\n';
}

export function versionCommand(out: NodeJS.WritableStream = process.stdout): number {
  out.write(versionText());
  return 0;
}
