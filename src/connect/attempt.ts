/**
 * One connection attempt: open a socket bound as the candidate says (device through the addon, else
 * a local address), connect it, and settle once. Local port ranges are walked here: a port in use
 * moves to the next one; a range with no free port is ERR_LOCAL_PORT_EXHAUSTED. A socket with socket
 * options (or IP_FREEBIND) is always opened by the addon, which sets them before the bind and connect.
 */
import { Socket, type TcpSocketConnectOpts } from 'node:net';
import { HiperError, errnoCode, type HiperErrorCode } from '../shared/errors.js';
import type { BindMethod } from '../shared/types.js';
import { deviceBinding, connectBoundSocket, formatWithZone, type InterfaceTable } from '../bind/index.js';
import { withFreebind } from '../bind/socket-options.js';
import type { Candidate } from './plan.js';
import type { PortRange } from './ports.js';
import { runBeforeConnect, type SocketOptionPlan } from './socket-option-plan.js';
import type { Attempt } from './types.js';

export type AttemptState = 'connecting' | 'connected' | 'failed' | 'cancelled';

/**
 * What every attempt of one connect shares. Every field is always present (undefined when unused):
 * objects on the connect path keep one shape, built without spreading optional parts.
 */
export interface AttemptSetup {
  port: number;
  ports: PortRange | undefined;
  table: InterfaceTable;
  /** ms since connect() started, for the trace. */
  elapsed: () => number;
  /** Told of each attempt as it starts (diagnostics). */
  onAttempt: ((record: Attempt) => void) | undefined;
  /** Socket options for every socket of the connect, checked once (socketOptionPlan); undefined when none. */
  socketOptions: SocketOptionPlan | undefined;
}

export interface AttemptContext extends AttemptSetup {
  onConnected: (a: ConnectAttempt) => void;
  onFailed: (a: ConnectAttempt) => void;
}

/** The binding method a candidate gets on this host. */
export function bindMethodFor(c: Candidate, ports?: PortRange): BindMethod {
  if (c.device !== undefined && deviceBinding().available) return 'device';
  return c.localAddress !== undefined || ports !== undefined ? 'address' : 'none';
}

/** The short form a trace gives an attempt's error: the errno name, else hiper's code. */
export function describeError(err: unknown): string {
  if (err instanceof HiperError && err.code === 'ERR_SOCKET_OPTION_FAILED') return `${String(err.details.option)} ${String(err.details.errno)}`;
  if (err instanceof HiperError) return typeof err.details.errno === 'string' ? err.details.errno : err.code;
  return errnoCode(err) ?? String(err);
}

/** Refusals of the local end other than the bind itself, each its own code when every attempt had it. */
const LOCAL_END_CODES: ReadonlySet<HiperErrorCode> = new Set([
  'ERR_LOCAL_PORT_EXHAUSTED', 'ERR_SOCKET_OPTION_FAILED', 'ERR_BEFORE_CONNECT_FAILED', 'ERR_SOCKET_OPTION_UNAVAILABLE',
]);

/** A refusal of the local end: the device, the local address (not on this host), the local port or a socket option. */
export function isBindFailure(err: unknown): boolean {
  if (err instanceof HiperError) return err.code === 'ERR_DEVICE_BIND_FAILED' || LOCAL_END_CODES.has(err.code);
  return (err as { syscall?: unknown } | null)?.syscall === 'bind';
}

/**
 * For a connect whose every attempt was refused at the local end: the code it fails with (the one all
 * attempts share, else ERR_DEVICE_BIND_FAILED), what could not be done, the input it names (a socket
 * option; else undefined, the host) and the first attempt's error as cause.
 */
export function localEndFailure(attempts: readonly ConnectAttempt[]): { code: HiperErrorCode; what: string; input: unknown; cause: unknown } {
  const first = attempts[0]?.error;
  const shared = first instanceof HiperError && LOCAL_END_CODES.has(first.code)
    && attempts.every((a) => a.error instanceof HiperError && a.error.code === first.code) ? first : undefined;
  if (shared === undefined || shared.code === 'ERR_LOCAL_PORT_EXHAUSTED') {
    return { code: shared?.code ?? 'ERR_DEVICE_BIND_FAILED', what: 'could not bind the local end', input: undefined, cause: first };
  }
  const what = shared.code === 'ERR_BEFORE_CONNECT_FAILED' ? 'beforeConnect failed' : `could not set socket option ${String(shared.input)}`;
  return { code: shared.code, what: `${what} (${shared.message})`, input: shared.input, cause: shared };
}

export class ConnectAttempt {
  state: AttemptState = 'connecting';
  socket: Socket | undefined;
  /** Why it failed (state 'failed'). */
  error: unknown;
  readonly record: Attempt;
  private readonly ctx: AttemptContext;
  private readonly candidate: Candidate;
  private nextPort: number | undefined;

  constructor(candidate: Candidate, ctx: AttemptContext) {
    this.candidate = candidate;
    this.ctx = ctx;
    const { remote } = candidate;
    const to: Attempt['remote'] = { address: remote.address, port: ctx.port, family: remote.family };
    if (remote.scopeId !== undefined) to.scopeId = remote.scopeId;
    this.record = {
      remote: to,
      method: bindMethodFor(candidate, ctx.ports),
      startedAt: ctx.elapsed(),
      durationMs: 0,
      outcome: 'pending',
    };
    if (candidate.device !== undefined) this.record.interface = candidate.device;
    if (candidate.localAddress !== undefined) this.record.local = { address: candidate.localAddress };
    if (candidate.sourceRule !== undefined) this.record.sourceRule = candidate.sourceRule;
    this.nextPort = ctx.ports?.first;
  }

  /** Opens the socket; a failure at once (a bind refused) is reported through onFailed before this returns. */
  start(): void {
    this.ctx.onAttempt?.(this.record);
    this.open();
  }

  private open(): void {
    const port = this.nextPort;
    if (this.nextPort !== undefined) this.nextPort = this.nextPort < this.ctx.ports!.last ? this.nextPort + 1 : undefined;
    let socket: Socket;
    try {
      socket = this.openSocket(port);
    } catch (err) {
      if (port !== undefined && (err as HiperError).details?.errno === 'EADDRINUSE') return this.portTaken(port, err);
      return this.fail(err);
    }
    this.socket = socket;
    const onError = (err: Error): void => {
      if (socket !== this.socket) return;
      if (port !== undefined && errnoCode(err) === 'EADDRINUSE') return this.portTaken(port, err);
      this.fail(err);
    };
    socket.on('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError); // the winner is handed over clean
      this.connected(socket);
    });
  }

  private openSocket(port: number | undefined): Socket {
    const c = this.candidate;
    const { remote } = c;
    if (this.ctx.socketOptions !== undefined || c.freebind === true) return this.openWithOptions(port);
    if (this.record.method === 'device') {
      return connectBoundSocket({ family: remote.family, device: c.device, localAddress: c.localAddress, localPort: port, scopeId: c.localScopeId }, this.ctx.port, c.connectHost);
    }
    if (c.localAddress !== undefined && port === undefined && deviceBinding().available) {
      // A local address without a port, through the addon: the port is chosen at connect time
      // (IP_BIND_ADDRESS_NO_PORT), unique per remote rather than per host, and the kernel does not
      // search for a free port at bind time as it does for Node's localAddress (about 13 µs per
      // connection back to back on loopback). Explicit ports keep Node's path and its SO_REUSEADDR.
      return connectBoundSocket({ family: remote.family, localAddress: c.localAddress, scopeId: c.localScopeId }, this.ctx.port, c.connectHost);
    }
    const to: TcpSocketConnectOpts = { host: c.connectHost, port: this.ctx.port, family: remote.family };
    if (c.localAddress !== undefined) {
      const zone = c.localScopeId === undefined ? undefined : this.ctx.table.byIndex(c.localScopeId)?.name;
      to.localAddress = formatWithZone(c.localAddress, zone);
    }
    if (port !== undefined) to.localPort = port;
    return new Socket().connect(to);
  }

  /**
   * Through the addon whatever the binding (also none): the options are set before the bind and the
   * connect (SO_MARK decides the route), then the hook runs on the bound, unconnected fd.
   */
  private openWithOptions(port: number | undefined): Socket {
    const c = this.candidate;
    const plan = this.ctx.socketOptions;
    const device = this.record.method === 'device' ? c.device : undefined;
    const hook = plan?.beforeConnect;
    const remote = { address: c.remote.address, port: this.ctx.port };
    return connectBoundSocket({
      family: c.remote.family,
      device,
      localAddress: c.localAddress,
      localPort: port,
      scopeId: c.localScopeId,
      socketOptions: c.freebind === true ? plan?.freebindWords ?? withFreebind(undefined) : plan?.words,
      beforeConnect: hook && ((fd: number) => runBeforeConnect(hook, fd, { family: c.remote.family, remote, device, localAddress: c.localAddress })),
    }, this.ctx.port, c.connectHost);
  }

  private portTaken(port: number, err: unknown): void {
    this.socket?.destroy();
    this.socket = undefined;
    if (this.nextPort !== undefined) return this.open();
    const { first, last } = this.ctx.ports!;
    this.fail(new HiperError('ERR_LOCAL_PORT_EXHAUSTED', `every local port in ${first}-${last} is in use (last tried ${port})`, { input: `${first}-${last}`, cause: err }));
  }

  private connected(socket: Socket): void {
    if (this.state !== 'connecting') return;
    this.state = 'connected';
    this.record.outcome = 'connected';
    this.record.durationMs = this.ctx.elapsed() - this.record.startedAt;
    this.record.local = { address: socket.localAddress ?? this.candidate.localAddress ?? '', port: socket.localPort ?? 0 };
    this.ctx.onConnected(this);
  }

  private fail(err: unknown): void {
    if (this.state !== 'connecting') return;
    this.state = 'failed';
    this.error = err;
    this.socket?.destroy();
    this.record.outcome = 'failed';
    this.record.error = describeError(err);
    this.record.failedAt = isBindFailure(err) ? 'bind' : 'connect';
    this.record.durationMs = this.ctx.elapsed() - this.record.startedAt;
    this.ctx.onFailed(this);
  }

  /** A loser of the race, or the whole connect given up: close without reporting. */
  cancel(): void {
    if (this.state !== 'connecting') return;
    this.state = 'cancelled';
    this.record.outcome = 'cancelled';
    this.record.durationMs = this.ctx.elapsed() - this.record.startedAt;
    this.socket?.destroy();
  }
}
