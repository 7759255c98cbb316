/** `hiper --version` / `-V`: hiper's version, the Node.js running it, and which device-binding addon loaded. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceBinding, type DeviceBindingStatus } from '../bind/index.js';

/** hiper's own package.json, the nearest one above this module that is named hiper. */
export function hiperVersion(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hiper' && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level
    }
  }
  return 'unknown';
}

/** One line on device binding, as `ifaces` and `--version` print it. */
export function deviceBindingLine(b: DeviceBindingStatus = deviceBinding()): string {
  return b.available
    ? `device binding: available (SO_BINDTODEVICE), ${b.addon} addon ${b.path}`
    : `device binding: unavailable, address binding only (${b.reason})`;
}

export function versionCommand(out: NodeJS.WritableStream = process.stdout): number {
  out.write(`hiper ${hiperVersion()} (Node.js ${process.version}, ${process.platform} ${process.arch})\n${deviceBindingLine()}\n`);
  return 0;
}
