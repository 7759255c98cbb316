/**
 * The socket options of one connect, checked once before any socket is opened: the option words the
 * addon sets on each socket (shared by all of them), and the beforeConnect hook with the SocketInfo
 * it is handed.
 */
import { HiperError, isHiperError } from '../shared/errors.js';
import type { Family } from '../shared/types.js';
import { setSocketOption } from '../bind/index.js';
// The option words are the addon's business, used here and in attempt.ts only (not the library surface).
import { optionNames, socketOptionWords, withFreebind } from '../bind/socket-options.js';
import { socketOptionsUnavailable, socketOptionsUnavailableError } from '../bind/device.js';
import type { SocketInfo, SocketOptions } from './egress-options.js';

export interface SocketOptionPlan {
  /** Option words for the addon; undefined when only a hook was given. */
  words: Int32Array | undefined;
  /** The same with IP_FREEBIND, for candidates whose local address may not be on this host. */
  freebindWords: Int32Array;
  beforeConnect: ((info: SocketInfo) => void) | undefined;
}

/**
 * The plan for `options`, or undefined when none is set. Bad input is ERR_INVALID_ARGUMENT naming the
 * option; options without the addon are ERR_SOCKET_OPTION_UNAVAILABLE naming them (never dropped).
 */
export function socketOptionPlan(options: SocketOptions | undefined): SocketOptionPlan | undefined {
  if (options === undefined) return undefined;
  const words = socketOptionWords(options);
  const hook = options.beforeConnect;
  if (words === undefined && hook === undefined) return undefined;
  const reason = socketOptionsUnavailable();
  if (reason !== undefined) throw socketOptionsUnavailableError([...(words ? optionNames(words) : []), ...(hook ? ['beforeConnect'] : [])], reason);
  return { words, freebindWords: withFreebind(words), beforeConnect: hook };
}

/** What a socket is, for the hook. */
export interface HookSocket {
  family: Family;
  remote: { address: string; port: number };
  device: string | undefined;
  localAddress: string | undefined;
}

/**
 * Runs the hook on the open, bound, unconnected fd. What it throws fails the attempt: a refused
 * info.setsockopt as ERR_SOCKET_OPTION_FAILED, anything else as ERR_BEFORE_CONNECT_FAILED with the
 * thrown error as cause. The hook is synchronous, as Go's Dialer.Control: a promise is refused.
 */
export function runBeforeConnect(hook: (info: SocketInfo) => void, fd: number, socket: HookSocket): void {
  const info: SocketInfo = {
    fd,
    family: socket.family,
    remote: socket.remote,
    setsockopt: (level, name, value) => setSocketOption(fd, level, name, value),
  };
  if (socket.device !== undefined) info.device = socket.device;
  if (socket.localAddress !== undefined) info.localAddress = socket.localAddress;
  const to = `${socket.remote.address}:${socket.remote.port}`;
  let result: unknown;
  try {
    result = hook(info);
  } catch (err) {
    if (isHiperError(err, 'ERR_SOCKET_OPTION_FAILED')) throw err;
    throw new HiperError('ERR_BEFORE_CONNECT_FAILED', `beforeConnect threw for the socket to ${to}: ${(err as Error)?.message ?? String(err)}`, {
      input: 'beforeConnect', cause: err,
    });
  }
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
    (result as Promise<unknown>).then(undefined, () => {}); // its outcome comes too late to matter; not an unhandled rejection
    throw new HiperError('ERR_BEFORE_CONNECT_FAILED', `beforeConnect returned a promise for the socket to ${to}: it must set its options synchronously, before the connect`, {
      input: 'beforeConnect',
    });
  }
}
