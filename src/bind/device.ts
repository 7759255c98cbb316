/**
 * Device binding: sockets opened by the native addon with SO_BINDTODEVICE and/or a bound local
 * address, handed to Node as `new net.Socket({ fd })` (openBoundSocket) or, on the connect path,
 * attached to the handle of a connecting net.Socket (connectBoundSocket). The addon is the package's
 * prebuild, else a local build (addon.ts); without either (or off Linux), hiper falls back to address
 * binding and says so through `deviceBinding()`.
 * HIPER_DEVICE_BINDING=off in the environment turns device binding off (address binding only).
 * The same addon sets socket options (socket-options.ts) between the socket's open and its bind.
 */
import { closeSync } from 'node:fs';
import { Socket, isIP } from 'node:net';
import { endianness } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { HiperError } from '../shared/errors.js';
import type { Family } from '../shared/types.js';
import { hiperAddon, type AddonSource, type HiperAddon } from './addon.js';
import { optionNames, optionOfCall, optionValue, permissionHint } from './socket-options.js';

export interface DeviceBindingStatus {
  available: boolean;
  /** Which addon was loaded: the package's prebuild, a build made at install, or none. */
  addon: AddonSource | 'absent';
  /** Why not, when not available. */
  reason?: string;
  /** Where the addon was loaded from (or, when it failed to load, where it was tried). */
  path?: string;
}

let loaded: { addon?: HiperAddon; status: DeviceBindingStatus } | undefined;

function load(): { addon?: HiperAddon; status: DeviceBindingStatus } {
  if (loaded) return loaded;
  const absent = (reason: string, path?: string) => ({ status: { available: false, addon: 'absent' as const, reason, ...(path ? { path } : {}) } });
  const r = hiperAddon();
  if (process.env.HIPER_DEVICE_BINDING === 'off') loaded = absent('turned off by HIPER_DEVICE_BINDING=off');
  else loaded = r.addon ? { addon: r.addon, status: { available: true, addon: r.source, path: r.path } } : absent(r.reason, r.path);
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
  /** Option words (socket-options.ts) set before the bind; absent: none, and nothing more crosses into C. */
  socketOptions?: Int32Array;
  /**
   * Runs on the open, bound, unconnected fd (connect's beforeConnect hook); a throw closes the fd
   * and is thrown on.
   */
  beforeConnect?: (fd: number) => void;
}

/** Why socket options cannot be set here, or undefined when they can. */
export function socketOptionsUnavailable(): string | undefined {
  const { addon, status } = load();
  if (!addon) return status.reason;
  if (!addon.setsockopt) return `the addon ${status.path} predates socket options (rebuild it: npx node-gyp rebuild)`;
  return undefined;
}

/** ERR_SOCKET_OPTION_UNAVAILABLE naming what was asked for. */
export function socketOptionsUnavailableError(asked: string[], reason: string): HiperError {
  return new HiperError('ERR_SOCKET_OPTION_UNAVAILABLE', `socket options ${asked.join(', ')} need hiper's native addon, which is not available: ${reason}`, {
    input: asked[0], details: { options: asked, reason },
  });
}

/** A setsockopt refused by the kernel, naming the option (as written), its value and the errno; `errno` is positive. */
export function socketOptionFailed(option: string, errno: number, syscall: string, value?: number): HiperError {
  const name = getSystemErrorName(-errno);
  const hint = name === 'EPERM' ? permissionHint(option) : undefined;
  return new HiperError('ERR_SOCKET_OPTION_FAILED', `${syscall} failed with ${name} setting ${option}${value === undefined ? '' : ` ${value}`}${hint ? `: ${hint}` : ''}`, {
    input: option, details: { errno: name, syscall, option, ...(value === undefined ? {} : { value }) },
  });
}

/** `errno` is positive, as the kernel's. */
function bindFailed(options: OpenSocketOptions, errno: number, syscall: string): HiperError {
  const name = getSystemErrorName(-errno);
  const what = [options.device && `device ${options.device}`, options.localAddress && `address ${options.localAddress}`, options.localPort && `port ${options.localPort}`]
    .filter(Boolean).join(', ');
  return new HiperError('ERR_DEVICE_BIND_FAILED', `${syscall} failed with ${name} binding a socket to ${what || 'nothing'}`, {
    input: options.device ?? options.localAddress,
    details: { errno: name, syscall },
  });
}

/** A bound, unconnected fd from the addon, or ERR_DEVICE_BIND_FAILED / ERR_DEVICE_BIND_UNAVAILABLE. */
function openFd(options: OpenSocketOptions, datagram = false): number {
  const { addon, status } = load();
  if (!addon && (options.socketOptions !== undefined || options.beforeConnect !== undefined)) {
    throw socketOptionsUnavailableError(options.socketOptions ? optionNames(options.socketOptions) : ['beforeConnect'], status.reason ?? 'no addon');
  }
  if (!addon) {
    throw new HiperError('ERR_DEVICE_BIND_UNAVAILABLE', `device binding is not available: ${status.reason}`, { input: options.device });
  }
  const { family, device = null, localAddress = null, localPort = 0, scopeId = 0, socketOptions: words, beforeConnect } = options;
  if (datagram && !addon.openFd) {
    throw new HiperError('ERR_DEVICE_BIND_UNAVAILABLE', `the addon ${status.path} predates UDP device binding`, { input: options.device });
  }
  if ((words !== undefined || beforeConnect !== undefined) && !addon.setsockopt) {
    throw socketOptionsUnavailableError(words ? optionNames(words) : ['beforeConnect'], socketOptionsUnavailable()!);
  }
  if (addon.openFd) {
    const fd = words === undefined
      ? addon.openFd(family, device, localAddress, localPort, scopeId, datagram)
      : addon.openFd(family, device, localAddress, localPort, scopeId, datagram, words);
    if (fd < 0) {
      const syscall = addon.lastSyscall?.() ?? 'socket';
      const option = optionOfCall(syscall);
      throw option === undefined ? bindFailed(options, -fd, syscall) : socketOptionFailed(option, -fd, syscall, optionValue(words!, option));
    }
    if (beforeConnect !== undefined) {
      try {
        beforeConnect(fd);
      } catch (err) {
        closeSync(fd);
        throw err;
      }
    }
    return fd;
  }
  const r = addon.openSocket(family, device, localAddress, localPort, scopeId);
  if ('errno' in r) throw bindFailed(options, r.errno, r.syscall);
  return r.fd;
}

/** setsockopt(2) through the addon: an int value or raw bytes; ERR_SOCKET_OPTION_FAILED naming level and name. */
export function setSocketOption(fd: number, level: number, name: number, value: number | Uint8Array): void {
  const set = sockoptAddon().setsockopt!;
  if (typeof value === 'number' && (!Number.isInteger(value) || value < -0x8000_0000 || value > 0xffff_ffff)) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `setsockopt(level ${level}, name ${name}) takes a 32-bit integer or a Uint8Array, got ${value}`, { input: value });
  }
  const r = set(fd, level, name, typeof value === 'number' ? value | 0 : value);
  if (r < 0) throw socketOptionFailed(`level ${level} name ${name}`, -r, `setsockopt(${level}, ${name})`);
}

/** getsockopt(2) through the addon: the option's bytes (at most `size`); ERR_SOCKET_OPTION_FAILED on failure. */
export function getSocketOption(fd: number, level: number, name: number, size = 4): Buffer {
  const out = Buffer.alloc(size);
  const r = sockoptAddon().getsockopt!(fd, level, name, out);
  if (r < 0) throw socketOptionFailed(`level ${level} name ${name}`, -r, `getsockopt(${level}, ${name})`);
  return out.subarray(0, r);
}

/** An int option's value (getsockopt with an int). */
export function getSocketOptionInt(fd: number, level: number, name: number): number {
  const b = getSocketOption(fd, level, name, 4);
  return b.length === 4 ? (endianness() === 'LE' ? b.readInt32LE(0) : b.readInt32BE(0)) : b.length === 1 ? b[0]! : NaN;
}

function sockoptAddon(): HiperAddon {
  const reason = socketOptionsUnavailable();
  if (reason !== undefined) throw socketOptionsUnavailableError(['setsockopt'], reason);
  return load().addon!;
}

/**
 * A UDP socket bound as asked (device and/or local address and port), as an fd for
 * `dgram.createSocket(...).bind({ fd })`: DNS queries that must leave through a device.
 */
export function openBoundUdpFd(options: OpenSocketOptions): number {
  return openFd(options, true);
}

/**
 * Opens an unconnected TCP socket bound as asked, wrapped in a net.Socket ready for .connect().
 * Kernel refusals come back as ERR_DEVICE_BIND_FAILED with the errno name in `details.errno`
 * (EADDRINUSE for a taken port, ENODEV for a vanished device, EPERM without the capability).
 */
export function openBoundSocket(options: OpenSocketOptions): Socket {
  return new Socket({ fd: openFd(options), readable: true, writable: true });
}

/** The part of Node's TCP handle that connectBoundSocket uses: what `new net.Socket({ fd })` calls. */
interface OpenableHandle {
  open(fd: number): number;
  /** -1 until the kernel socket exists. */
  fd: number;
}

let handleOpens: boolean | undefined;

/**
 * Whether a connecting net.Socket has a handle that takes an fd and no kernel socket yet, that is
 * whether Node still defers the connect of an address literal (checked once, on a socket destroyed
 * before its connect runs).
 */
function canOpenHandle(): boolean {
  if (handleOpens === undefined) {
    const probe = new Socket();
    probe.connect({ port: 9, host: '127.0.0.1' });
    const handle = (probe as unknown as { _handle?: Partial<OpenableHandle> })._handle;
    handleOpens = typeof handle?.open === 'function' && handle.fd === -1;
    probe.destroy();
  }
  return handleOpens;
}

/**
 * openBoundSocket and connect(port, host) in one, cheaper: `new net.Socket({ fd })` first asks the
 * kernel what the fd is (four system calls) and builds the socket on a slow path, about 15 µs more
 * per connection. Here a plain socket is made to connect, and the bound fd is put under its handle
 * before the connect, which Node defers to the next tick for an address literal, reaches the kernel.
 * `host` must be an IP literal of `options.family` (a link-local IPv6 one may carry its zone).
 */
export function connectBoundSocket(options: OpenSocketOptions, port: number, host: string): Socket {
  // A name would be looked up, and Node may then try its addresses on sockets of its own.
  if (isIP(host) !== options.family) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `connectBoundSocket needs an IPv${options.family} address literal, got "${host}"`, { input: host });
  }
  if (!canOpenHandle()) return openBoundSocket(options).connect(port, host);
  const fd = openFd(options);
  const socket = new Socket();
  socket.connect({ port, host });
  const err = (socket as unknown as { _handle: OpenableHandle })._handle.open(fd);
  if (err !== 0) {
    socket.destroy(); // before its deferred connect: nothing leaves without the binding
    closeSync(fd);
    throw bindFailed(options, -err, 'open');
  }
  return socket;
}
