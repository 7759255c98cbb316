/**
 * connect(): open a connection from the right place. resolve -> egress -> plan (skips) -> Happy
 * Eyeballs race of bound sockets -> optional TLS, with a trace that explains every attempt and skip.
 */
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import { systemClock } from '../shared/clock.js';
import { channels } from '../shared/diagnostics.js';
import type { Skip } from '../shared/types.js';
import { deviceBinding, interfaceTable, type InterfaceTable } from '../bind/index.js';
import { applyConnectTo, resolve as defaultResolver } from '../resolve/index.js';
import { resolveEgress, type Egress } from './egress.js';
import { planAttempts } from './plan.js';
import { parsePortRange } from './ports.js';
import { Race } from './race.js';
import { startTls } from './tls.js';
import type { Attempt, ConnectOptions, Connection, ConnectTrace } from './types.js';

/** RFC 8305's recommended Connection Attempt Delay. */
export const DEFAULT_ATTEMPT_DELAY = 250;
/** curl's default connect timeout (CURLOPT_CONNECTTIMEOUT). */
export const DEFAULT_CONNECT_TIMEOUT = 300_000;
export const DEFAULT_MAX_CONCURRENT_ATTEMPTS = 4;

function checkOptions(o: ConnectOptions): void {
  if (typeof o?.host !== 'string' || o.host === '') {
    throw new HiperError('ERR_INVALID_ARGUMENT', `host must be a non-empty string, got ${JSON.stringify(o?.host)}`, { input: o?.host });
  }
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `port must be an integer 1-65535, got ${JSON.stringify(o.port)}`, { input: o.port });
  }
  const delay = o.happyEyeballsDelay;
  if (delay !== undefined && (!Number.isFinite(delay) || delay < 0)) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `happyEyeballsDelay must be a number of ms >= 0, got ${JSON.stringify(delay)}`, { input: delay });
  }
  if (o.timeout !== undefined && (!Number.isFinite(o.timeout) || o.timeout <= 0)) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `timeout must be a number of ms > 0, got ${JSON.stringify(o.timeout)}`, { input: o.timeout });
  }
}

/** The table, read again once if a named interface is missing (interfaces come and go). */
async function egressFor(o: ConnectOptions, resolver: NonNullable<ConnectOptions['resolver']>): Promise<{ egress: Egress; table: InterfaceTable }> {
  let table = interfaceTable();
  try {
    return { egress: await resolveEgress(o, table, resolver), table };
  } catch (err) {
    if ((err as HiperError).code !== 'ERR_INTERFACE_NOT_FOUND') throw err;
    table = interfaceTable({ refresh: true });
    return { egress: await resolveEgress(o, table, resolver), table };
  }
}

function summary(attempts: Attempt[], skips: Skip[]): string {
  const parts = attempts.map((a) => `${a.remote.address}:${a.remote.port} ${a.outcome}${a.error ? ` (${a.error})` : ''} via ${a.method}${a.interface ? ` ${a.interface}` : ''}`);
  for (const s of skips) parts.push(`${s.remote} skipped (${s.reason})`);
  return parts.join('; ');
}

/**
 * One connect() call: its steps, its time limit and its single settlement. A plain class rather than
 * nested promises: connect is on every new connection's path, so it allocates little.
 */
class ConnectOperation {
  private readonly clock;
  private readonly start: number;
  private race: Race | undefined;
  private handshake: TLSSocket | undefined;
  private skips: Skip[] = [];
  private timer: unknown;
  private settled = false;
  private readonly onAbort = (): void => this.giveUp(new HiperError('ERR_ABORTED', `connecting to ${this.options.host}:${this.options.port} was aborted`, {
    input: this.options.host, cause: this.options.signal?.reason,
  }));

  constructor(
    private readonly options: ConnectOptions,
    private readonly resolve: (c: Connection) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.clock = options.clock ?? systemClock;
    this.start = this.clock.now();
    const timeoutMs = options.timeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.timer = this.clock.setTimeout(() => this.timedOut(timeoutMs), timeoutMs);
    if (options.signal) {
      if (options.signal.aborted) this.onAbort();
      else options.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  private elapsed = (): number => this.clock.now() - this.start;

  private timedOut(timeoutMs: number): void {
    this.timer = undefined;
    const attempts = this.race?.attempts.map((a) => a.record) ?? [];
    const { host, port } = this.options;
    this.giveUp(new HiperError('ERR_TIMEOUT', `connecting to ${host}:${port} took longer than ${timeoutMs} ms${attempts.length || this.skips.length ? `: ${summary(attempts, this.skips)}` : ''}`, {
      input: host, details: { attempts, skips: this.skips, timeoutMs },
    }));
  }

  private giveUp(err: unknown): void {
    this.race?.cancel();
    this.handshake?.destroy();
    this.settle(undefined, err);
  }

  private settle(connection: Connection | undefined, err?: unknown): void {
    if (this.settled) {
      connection?.socket.destroy(); // finished after the time limit or an abort: nobody owns it
      return;
    }
    this.settled = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const { host, port } = this.options;
    if (connection) {
      if (channels.connectSuccess.hasSubscribers) channels.connectSuccess.publish({ host, port, trace: connection.trace });
      this.resolve(connection);
    } else {
      if (channels.connectFailure.hasSubscribers) channels.connectFailure.publish({ host, port, error: err });
      this.reject(err);
    }
  }

  run(): void {
    if (channels.connectStart.hasSubscribers) {
      channels.connectStart.publish({ host: this.options.host, port: this.options.port, interface: this.options.interface });
    }
    this.steps().then((c) => this.settle(c), (e) => this.giveUp(e));
  }

  private async steps(): Promise<Connection> {
    const options = this.options;
    const resolver = options.resolver ?? defaultResolver;
    const ports = parsePortRange(options.localPort);
    const target = options.connectTo?.length ? applyConnectTo(options.connectTo, options.host, options.port) : { host: options.host, port: options.port };
    const { egress, table } = await egressFor(options, resolver);
    if (options.strict && egress.device !== undefined && !deviceBinding().available) {
      throw new HiperError('ERR_DEVICE_BIND_UNAVAILABLE', `strict: "${egress.label}" needs device binding, which is unavailable (${deviceBinding().reason}); no connection was attempted`, { input: options.interface });
    }
    const addresses = await resolver(target.host, {
      ...options.resolve,
      ...(options.family ? { family: options.family } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      port: target.port,
    });
    const namelookup = this.elapsed();
    if (this.settled) throw new HiperError('ERR_ABORTED', 'connect was given up during the lookup');
    const plan = planAttempts(addresses, egress, table);
    this.skips = plan.skips;
    if (channels.connectSkip.hasSubscribers) for (const skip of plan.skips) channels.connectSkip.publish({ host: target.host, port: target.port, skip });
    if (plan.candidates.length === 0) {
      throw new HiperError('ERR_INTERFACE_NO_ADDRESS', `${egress.label ?? 'this host'} cannot reach any address of ${target.host}: ${summary([], this.skips)}`, {
        input: options.interface ?? options.localAddress ?? target.host, details: { skips: this.skips, addresses },
      });
    }
    const onAttempt = channels.connectAttempt.hasSubscribers
      ? (attempt: Attempt): void => channels.connectAttempt.publish({ host: target.host, port: target.port, attempt })
      : undefined;
    this.race = new Race(plan.candidates, { port: target.port, ...(ports ? { ports } : {}), table, elapsed: this.elapsed, ...(onAttempt ? { onAttempt } : {}) }, {
      delay: options.happyEyeballsDelay ?? DEFAULT_ATTEMPT_DELAY,
      maxConcurrent: DEFAULT_MAX_CONCURRENT_ATTEMPTS,
      clock: this.clock,
    });
    const { winner, attempts } = await this.race.result();
    const records = attempts.map((a) => a.record);
    if (!winner) {
      throw new HiperError('ERR_CONNECT_ALL_FAILED', `could not connect to ${target.host}:${target.port}: ${summary(records, this.skips)}`, {
        input: target.host, details: { attempts: records, skips: this.skips, addresses },
      });
    }
    const socket = winner.socket!;
    const trace: ConnectTrace = {
      host: target.host,
      port: target.port,
      addresses,
      attempts: records,
      skips: this.skips,
      local: { address: winner.record.local?.address ?? '', port: winner.record.local?.port ?? 0 },
      remote: { address: winner.record.remote.address, port: target.port, family: winner.record.remote.family },
      bindMethod: winner.record.method,
      timings: { namelookup, connect: this.elapsed() },
    };
    if (winner.record.interface !== undefined) trace.interface = winner.record.interface;
    if (!options.tls) return { socket, trace };
    const tlsOptions = options.tls === true ? {} : options.tls;
    const servername = tlsOptions.servername ?? (isIP(target.host) ? undefined : target.host);
    const handshake = startTls(socket, { ...tlsOptions, ...(servername ? { servername } : {}) }, target.host);
    this.handshake = handshake.secure;
    const secure = await handshake.ready;
    trace.timings.appconnect = this.elapsed();
    if (secure.alpnProtocol) trace.alpn = secure.alpnProtocol;
    const version = secure.getProtocol();
    if (version) trace.tlsVersion = version;
    return { socket: secure, trace };
  }
}

export function connect(options: ConnectOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    checkOptions(options);
    new ConnectOperation(options, resolve, reject).run();
  });
}
