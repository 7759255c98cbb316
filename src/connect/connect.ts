/**
 * connect(): open a connection from the right place. egress -> resolve -> plan (skips) -> Happy
 * Eyeballs race of bound sockets -> optional TLS, with a trace that explains every attempt and skip.
 */
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { channels } from '../shared/diagnostics.js';
import { bindWords, type AddressRecord, type Skip } from '../shared/types.js';
import { deviceBinding, interfaceTable, type InterfaceTable } from '../bind/index.js';
import { addressSelectionOf, applyConnectTo, resolve as defaultResolver } from '../resolve/index.js';
import type { Resolver } from '../resolve/types.js';
import { firstUsableLink, planEgress, type Egress } from './egress.js';
import { literalAddresses } from './literal.js';
import { cancelDeadline, startDeadline, type Deadline } from './deadlines.js';
import { planAttempts, planLinkAttempts, type Plan } from './plan.js';
import { expectedLink, routeMismatch, routeTruth, type Leg } from './route-truth.js';
import { parsePortRange, type PortRange } from './ports.js';
import { Race, type RaceResult } from './race.js';
import { bindMethodFor, localEndFailure, type AttemptSetup } from './attempt.js';
import { socketOptionPlan } from './socket-option-plan.js';
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

function summary(attempts: Attempt[], skips: Skip[]): string {
  const parts = attempts.map((a) => `${a.remote.address}:${a.remote.port} ${a.outcome}${a.error ? ` (${a.error})` : ''}, ${bindWords(a.method)}${a.interface ? ` to ${a.interface}` : ''}`);
  for (const s of skips) parts.push(`${s.remote} skipped${s.interface !== undefined && !s.reason.includes(s.interface) ? ` on ${s.interface}` : ''} (${s.reason})`);
  return parts.join('; ');
}

/**
 * One connect() call: its steps, its time limit and its single settlement. A plain class driven by
 * callbacks rather than nested promises: connect is on every new connection's path, so it allocates
 * little, and with nothing to look up (an address literal, an interface or local address given as a
 * literal) it runs straight from the call to the socket's connect without waiting for a microtask.
 */
class ConnectOperation {
  private readonly clock: Clock;
  private readonly start: number;
  private readonly resolver: Resolver;
  private race: Race | undefined;
  private handshake: TLSSocket | undefined;
  private skips: Skip[] = [];
  /** The time limit: on the shared deadline list with the default clock, else a timer of the injected clock. */
  private deadline: Deadline | undefined;
  private timer: unknown;
  private settled = false;
  private ports: PortRange | undefined;
  private target!: { host: string; port: number };
  private table!: InterfaceTable;
  private egress!: Egress;
  private addresses!: AddressRecord[];
  private namelookup = 0;
  /** Set only with a signal. */
  private onAbort: (() => void) | undefined;

  constructor(
    private readonly options: ConnectOptions,
    private readonly resolve: (c: Connection) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.clock = options.clock ?? systemClock;
    this.start = this.clock.now();
    this.resolver = options.resolver ?? defaultResolver;
    const timeoutMs = options.timeout ?? DEFAULT_CONNECT_TIMEOUT;
    const onDue = (): void => this.timedOut(timeoutMs);
    if (options.clock === undefined) this.deadline = startDeadline(timeoutMs, this.start, onDue);
    else this.timer = this.clock.setTimeout(onDue, timeoutMs);
    const { signal } = options;
    if (signal) {
      this.onAbort = (): void => this.giveUp(new HiperError('ERR_ABORTED', `connecting to ${options.host}:${options.port} was aborted`, {
        input: options.host, cause: signal.reason,
      }));
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  private elapsed = (): number => this.clock.now() - this.start;

  private timedOut(timeoutMs: number): void {
    this.timer = this.deadline = undefined;
    const attempts = this.race?.attempts.map((a) => a.record) ?? [];
    const { host, port } = this.options;
    this.giveUp(new HiperError('ERR_TIMEOUT', `connecting to ${host}:${port} took longer than ${timeoutMs} ms${attempts.length || this.skips.length ? `: ${summary(attempts, this.skips)}` : ''}`, {
      input: host, details: { attempts, skips: this.skips, timeoutMs },
    }));
  }

  /** Ends with `err` and closes what is still open; settled first, so the race's own ending is not taken for the outcome. */
  private giveUp(err: unknown): void {
    if (this.settled) return;
    this.settle(undefined, err);
    this.race?.cancel();
    this.handshake?.destroy();
  }

  private settle(connection: Connection | undefined, err?: unknown): void {
    if (this.settled) {
      connection?.socket.destroy(); // finished after the time limit or an abort: nobody owns it
      return;
    }
    this.settled = true;
    if (this.deadline !== undefined) cancelDeadline(this.deadline);
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
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
    this.step(this.begin);
  }

  /** Runs one step; what it throws ends the connect. */
  private step<T>(fn: (this: ConnectOperation, arg: T) => void, arg?: T): void {
    if (this.settled) return; // given up (time limit, abort) while a lookup was under way
    try {
      fn.call(this, arg as T);
    } catch (err) {
      this.giveUp(err);
    }
  }

  private begin(): void {
    const options = this.options;
    this.ports = parsePortRange(options.localPort);
    this.target = options.connectTo?.length ? applyConnectTo(options.connectTo, options.host, options.port) : { host: options.host, port: options.port };
    const egress = this.planEgress();
    if (egress instanceof Promise) egress.then((e) => this.step(this.withEgress, e), (err: unknown) => this.giveUp(err));
    else this.withEgress(egress);
  }

  /** The egress for the cached interface table, read again once if a named interface is missing (interfaces come and go). */
  private planEgress(): Egress | Promise<Egress> {
    this.table = interfaceTable();
    try {
      return planEgress(this.options, this.table, this.resolver);
    } catch (err) {
      if ((err as HiperError).code !== 'ERR_INTERFACE_NOT_FOUND') throw err;
      this.table = interfaceTable({ refresh: true });
      return planEgress(this.options, this.table, this.resolver);
    }
  }

  private withEgress(egress: Egress): void {
    const { options, target } = this;
    this.egress = egress;
    // With a list, every link is device-bound (a list names links only): strict needs the binding for each.
    if (options.strict && (egress.device !== undefined || egress.links !== undefined) && !deviceBinding().available) {
      throw new HiperError('ERR_DEVICE_BIND_UNAVAILABLE', `strict: "${egress.label}" needs device binding, which is unavailable (${deviceBinding().reason}); no connection was attempted`, { input: options.interface });
    }
    const literal = literalAddresses(target.host, options);
    if (literal) return this.withAddresses(literal);
    // With an interface list, the lookup follows the first link that is usable now.
    const device = egress.device ?? (egress.links !== undefined ? firstUsableLink(egress.links, this.table) : undefined);
    const dnsInterface = options.dnsFollowsInterface && device !== undefined && options.resolve?.dnsServers?.length && options.resolve.dnsInterface === undefined
      ? { dnsInterface: device } : {};
    // On a pinned interface, each destination's source for RFC 6724 is the address bound there.
    const pinned = device !== undefined ? { addressSelection: { ...options.resolve?.addressSelection, interface: device } } : {};
    this.resolver(target.host, {
      ...options.resolve,
      ...pinned,
      ...dnsInterface,
      // strict holds for the lookup too: DNS queries to a DNS interface only through its device.
      ...(options.strict ? { strict: true } : {}),
      ...(options.family ? { family: options.family } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      port: target.port,
    }).then((addresses) => this.step(this.withAddresses, addresses), (err: unknown) => this.giveUp(err));
  }

  private withAddresses(addresses: AddressRecord[]): void {
    const { options, target, egress } = this;
    this.namelookup = this.elapsed();
    this.addresses = addresses;
    // if2ip chooses among a pinned interface's addresses with the same policy table the ordering used.
    const selection = (egress.device !== undefined && egress.locals === undefined) || egress.links !== undefined ? { selection: addressSelectionOf(options.resolve ?? {}) } : {};
    const plan = egress.links !== undefined ? planLinkAttempts(addresses, egress.links, this.table, selection) : planAttempts(addresses, egress, this.table, selection);
    if (options.strict) this.keepPinnedRoutes(plan);
    this.skips = plan.skips;
    if (channels.connectSkip.hasSubscribers) for (const skip of plan.skips) channels.connectSkip.publish({ host: target.host, port: target.port, skip });
    if (plan.candidates.length === 0 && plan.skips.length > 0 && plan.skips.every((s) => s.code === 'no-route')) {
      // No route at all is the network's answer, not the egress's (curl: 7, "Couldn't connect to server").
      throw new HiperError('ERR_CONNECT_ALL_FAILED', `could not connect to ${target.host}:${target.port}: ${summary([], this.skips)}`, {
        input: target.host, details: { attempts: [], skips: this.skips, addresses },
      });
    }
    if (plan.candidates.length === 0) {
      const who = egress.links !== undefined ? `no link of the list ${egress.label}` : egress.label ?? 'this host';
      throw new HiperError('ERR_INTERFACE_NO_ADDRESS', `${who} cannot reach any address of ${target.host}: ${summary([], this.skips)}`, {
        input: options.interface ?? options.localAddress ?? target.host, details: { skips: this.skips, addresses },
      });
    }
    const setup: AttemptSetup = {
      port: target.port,
      ports: this.ports,
      table: this.table,
      elapsed: this.elapsed,
      onAttempt: channels.connectAttempt.hasSubscribers
        ? (attempt: Attempt): void => channels.connectAttempt.publish({ host: target.host, port: target.port, attempt })
        : undefined,
      socketOptions: socketOptionPlan(options.socketOptions),
    };
    // The race may end before the constructor returns (every attempt refused at once).
    this.race = new Race(plan.candidates, setup, {
      delay: options.happyEyeballsDelay ?? DEFAULT_ATTEMPT_DELAY,
      maxConcurrent: DEFAULT_MAX_CONCURRENT_ATTEMPTS,
      clock: this.clock,
    }, (result) => this.step(this.raced, result));
  }

  /**
   * strict: a candidate not bound to a device leaves where the kernel routes it; one whose route
   * leaves through another link than its local address's (or cannot be told) is skipped before any
   * packet is sent.
   */
  private keepPinnedRoutes(plan: Plan): void {
    plan.candidates = plan.candidates.filter((c) => {
      const method = bindMethodFor(c, this.ports);
      if (method === 'device' || c.localAddress === undefined) return true;
      const off = routeMismatch({ method, device: c.device, local: c.localAddress, remote: c.remote.address, family: c.remote.family, scopeId: c.remote.scopeId, mark: this.options.socketOptions?.fwmark }, this.table);
      if (off === undefined) return true;
      plan.skips.push({ remote: c.remote.address, family: c.remote.family, code: off.code, reason: `strict: ${off.reason}` });
      return false;
    });
  }

  /** trace.egressInterface and, when it is not the link asked for, trace.egressWarning. */
  private recordEgress(trace: ConnectTrace, winner: Attempt): void {
    const leg: Leg = { method: winner.method, device: winner.interface, local: trace.local.address || undefined, remote: trace.remote.address, family: trace.remote.family, scopeId: winner.remote.scopeId, mark: this.options.socketOptions?.fwmark };
    const table = this.table;
    if (this.egress.device === undefined && this.egress.locals === undefined && this.egress.links === undefined) {
      // Nothing was asked for: the route is looked up only if someone reads it.
      let link: string | null | undefined;
      Object.defineProperty(trace, 'egressInterface', {
        enumerable: true,
        configurable: true,
        get: () => (link === undefined ? (link = routeTruth(leg, table).link ?? null) : link) ?? undefined,
      });
      return;
    }
    const truth = routeTruth(leg, table);
    if (truth.link !== undefined) trace.egressInterface = truth.link;
    const meant = expectedLink(leg, table);
    if (meant !== undefined && truth.link !== undefined && truth.link !== meant) {
      trace.egressWarning = `asked for ${meant}, but the kernel routes ${leg.remote} from ${leg.local} through ${truth.link} (${winner.method === 'device' ? 'device' : 'address'} binding)`;
    } else if (meant !== undefined && truth.link === undefined) {
      trace.egressWarning = `cannot tell which link the packets use: ${truth.unknown}`;
    }
  }

  private raced({ winner, attempts }: RaceResult): void {
    const { options, target } = this;
    const records = attempts.map((a) => a.record);
    if (!winner) {
      const failed = records.filter((r) => r.outcome === 'failed');
      if (failed.length > 0 && failed.length === records.length && failed.every((r) => r.failedAt === 'bind')) {
        // Nothing got as far as the network: the local end was refused each time (curl's 45, not 7).
        const refused = localEndFailure(attempts);
        throw new HiperError(refused.code, `${refused.what} to connect to ${target.host}:${target.port}: ${summary(records, this.skips)}`, {
          input: refused.input ?? target.host, cause: refused.cause, details: { attempts: records, skips: this.skips, addresses: this.addresses },
        });
      }
      throw new HiperError('ERR_CONNECT_ALL_FAILED', `could not connect to ${target.host}:${target.port}: ${summary(records, this.skips)}`, {
        input: target.host, details: { attempts: records, skips: this.skips, addresses: this.addresses },
      });
    }
    const socket = winner.socket!;
    const trace: ConnectTrace = {
      host: target.host,
      port: target.port,
      addresses: this.addresses,
      attempts: records,
      skips: this.skips,
      local: { address: winner.record.local?.address ?? '', port: winner.record.local?.port ?? 0 },
      remote: { address: winner.record.remote.address, port: target.port, family: winner.record.remote.family },
      bindMethod: winner.record.method,
      timings: { namelookup: this.namelookup, connect: this.elapsed() },
    };
    if (target.host !== options.host || target.port !== options.port) trace.requested = { host: options.host, port: options.port };
    if (winner.record.interface !== undefined) trace.interface = winner.record.interface;
    this.recordEgress(trace, winner.record);
    if (!options.tls) return this.settle({ socket, trace });
    const tlsOptions = options.tls === true ? {} : options.tls;
    // The host asked for names the server, wherever connectTo sent the connection: SNI and the
    // certificate check use it (a certificate for the connectTo target alone must not pass).
    const name = options.host;
    const bare = name.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const servername = tlsOptions.servername ?? (isIP(bare) ? undefined : name);
    trace.tlsName = servername ?? bare;
    const handshake = startTls(socket, { ...tlsOptions, ...(servername ? { servername } : {}) }, name);
    this.handshake = handshake.secure;
    handshake.ready.then((secure) => {
      trace.timings.appconnect = this.elapsed();
      if (secure.alpnProtocol) trace.alpn = secure.alpnProtocol;
      const version = secure.getProtocol();
      if (version) trace.tlsVersion = version;
      this.settle({ socket: secure, trace });
    }, (err: unknown) => this.giveUp(err));
  }
}

export function connect(options: ConnectOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    checkOptions(options);
    new ConnectOperation(options, resolve, reject).run();
  });
}
