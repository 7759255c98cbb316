/**
 * Device binding: sockets opened by the native addon with SO_BINDTODEVICE and/or a bound local
 * address, handed to Node as `new net.Socket({ fd })`. Without the addon (it did not build, or this is
 * not Linux), hiper falls back to address binding and says so through `deviceBinding()`.
 * HIPER_DEVICE_BINDING=off in the environment turns device binding off (address binding only).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { HiperError } from '../shared/errors.js';
import type { Family } from '../shared/types.js';

interface Addon {
  openSocket(family: Family, device: string | null, localAddress: string | null, localPort: number, scopeId: number):
    { fd: number } | { errno: number; syscall: string };
  nameToIndex(name: string): number;
}

export interface DeviceBindingStatus {
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
  /** Where the addon was loaded from. */
  path?: string;
}

let loaded: { addon?: Addon; status: DeviceBindingStatus } | undefined;

/** Walks up from this module to the package root, where node-gyp puts build/Release. */
function findAddon(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'build', 'Release', 'hiper_bind.node');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

function load(): { addon?: Addon; status: DeviceBindingStatus } {
  if (loaded) return loaded;
  if (process.env.HIPER_DEVICE_BINDING === 'off') {
    loaded = { status: { available: false, reason: 'turned off by HIPER_DEVICE_BINDING=off' } };
    return loaded;
  }
  if (process.platform !== 'linux') {
    loaded = { status: { available: false, reason: `device binding needs Linux (this is ${process.platform})` } };
    return loaded;
  }
  const path = findAddon();
  if (!path) {
    loaded = { status: { available: false, reason: 'the native addon was not built (node-gyp failed or was skipped at install)' } };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as Addon;
    loaded = { addon, status: { available: true, path } };
  } catch (err) {
    loaded = { status: { available: false, reason: `the native addon did not load: ${(err as Error).message}`, path } };
  }
  return loaded;
}

/** Whether sockets can be bound to a device here, and why not. */
export function deviceBinding(): DeviceBindingStatus {
  return load().status;
}

/** if_nametoindex() of this network namespace through the addon; undefined without it or for no such interface. */
export function addonIndexOf(name: string): number | undefined {
  const index = load().addon?.nameToIndex(name);
  return index ? index : undefined;
}

export interface OpenSocketOptions {
  family: Family;
  /** Interface name for SO_BINDTODEVICE. */
  device?: string;
  /** Local address to bind (no zone; give scopeId for link-local IPv6). */
  localAddress?: string;
  /** Local port; 0 or absent lets the kernel choose at connect time. */
  localPort?: number;
  scopeId?: number;
}

/**
 * Opens an unconnected TCP socket bound as asked, wrapped in a net.Socket ready for .connect().
 * Kernel refusals come back as ERR_DEVICE_BIND_FAILED with the errno name in `details.errno`
 * (EADDRINUSE for a taken port, ENODEV for a vanished device, EPERM without the capability).
 */
export function openBoundSocket(options: OpenSocketOptions): Socket {
  const { addon, status } = load();
  if (!addon) {
    throw new HiperError('ERR_DEVICE_BIND_UNAVAILABLE', `device binding is not available: ${status.reason}`, { input: options.device });
  }
  const r = addon.openSocket(options.family, options.device ?? null, options.localAddress ?? null, options.localPort ?? 0, options.scopeId ?? 0);
  if ('errno' in r) {
    const name = getSystemErrorName(-r.errno);
    const what = [options.device && `device ${options.device}`, options.localAddress && `address ${options.localAddress}`, options.localPort && `port ${options.localPort}`]
      .filter(Boolean).join(', ');
    throw new HiperError('ERR_DEVICE_BIND_FAILED', `${r.syscall} failed with ${name} binding a socket to ${what || 'nothing'}`, {
      input: options.device ?? options.localAddress,
      details: { errno: name, syscall: r.syscall },
    });
  }
  return new Socket({ fd: r.fd, readable: true, writable: true });
}
