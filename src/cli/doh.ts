/**
 * --doh-url on the command line: which flags go with it and where the DoH requests leave from.
 * resolve: --interface SPEC is the DoH request's egress. connect and get: the DoH requests leave through
 * the transfer's --interface. Everywhere, --dns-interface NAME (a device) pins them instead, as
 * "if!NAME"; --strict, --cacert and -k apply to them too. --dns-servers, --dns-ipv4-addr and
 * --dns-ipv6-addr are for DNS servers and do not go with --doh-url.
 */
import { httpsTransport, type HttpsTransportOptions } from '../connect/index.js';
import type { multiDohTransport } from '../multi/index.js';
import type { DohConnectionInfo, DohTransport, ResolveOptions } from '../resolve/index.js';
import { flag, str, tlsOptions, usageError, type Values } from './args.js';
import { bindWords } from '../shared/index.js';
import { hostPort } from './format.js';

/** What a transfer's flags say about its own connection, which its DoH requests follow. */
export interface TransferEgress {
  /** One spec, or a failover list the DoH requests follow too. */
  interface?: string | string[];
  failback?: boolean;
  strict?: boolean;
  /** ms */
  timeout?: number;
  happyEyeballsDelay?: number;
}

export interface DohPlan {
  url: string;
  /** The DoH connection: egress and TLS trust. */
  transport: HttpsTransportOptions;
}

const DNS_SERVER_FLAGS = ['dns-servers', 'dns-ipv4-addr', 'dns-ipv6-addr'] as const;

/** The DoH request's interface spec: --dns-interface (a device) over the command's own. */
function dohInterface(values: Values, own: string | string[] | undefined, ownFlag: string): string | string[] | undefined {
  const device = str(values, 'dns-interface');
  if (device === undefined) return own;
  if (device.includes('!')) {
    throw usageError('--dns-interface', `--dns-interface takes an interface name, got "${device}" (${ownFlag} takes a spec such as if!NAME or host!ADDR)`);
  }
  if (device === '') throw usageError('--dns-interface', '--dns-interface takes an interface name, got ""');
  return `if!${device}`;
}

/**
 * The DoH plan of a command, or undefined without --doh-url. `transfer` is the connect or get
 * transfer's egress; resolve has none, and its --interface and --strict are the DoH request's.
 */
export function dohPlan(values: Values, transfer?: TransferEgress): DohPlan | undefined {
  const url = str(values, 'doh-url');
  if (url === undefined) {
    if (transfer === undefined) {
      for (const f of ['interface', 'cacert', 'insecure'] as const) {
        if (values[f] !== undefined) throw usageError(`--${f}`, `--${f} applies to the DoH request of resolve (with --doh-url); DNS servers take --dns-interface, --dns-ipv4-addr or --dns-ipv6-addr`);
      }
    }
    return undefined;
  }
  for (const f of DNS_SERVER_FLAGS) {
    if (values[f] !== undefined) throw usageError(`--${f}`, `--${f} is for DNS servers and does not go with --doh-url (the DoH request leaves through --interface or --dns-interface)`);
  }
  if (transfer === undefined && values['dns-interface'] !== undefined && values.interface !== undefined) {
    throw usageError('--dns-interface', '--dns-interface and --interface both say where the DoH request leaves from: give one');
  }
  const own = transfer === undefined ? str(values, 'interface') : transfer.interface;
  const spec = dohInterface(values, own, '--interface');
  const strict = transfer === undefined ? flag(values, 'strict') : transfer.strict === true;
  const transport: HttpsTransportOptions = {
    ...(spec !== undefined ? { interface: spec } : {}),
    ...(spec === own && transfer?.failback !== undefined ? { failback: transfer.failback } : {}),
    ...(strict ? { strict } : {}),
    ...(transfer?.timeout !== undefined ? { connectTimeout: transfer.timeout } : {}),
    ...(transfer?.happyEyeballsDelay !== undefined ? { happyEyeballsDelay: transfer.happyEyeballsDelay } : {}),
    ...tlsOptions(values),
  };
  return { url, transport };
}

/**
 * The egress of a plan's DoH requests when they go as transfers of the command's Multi
 * (multiDohTransport): the transport's options, its TLS trust as one `tls` object.
 */
export function multiDohEgress(t: HttpsTransportOptions): Parameters<typeof multiDohTransport>[1] {
  return {
    ...(t.interface !== undefined ? { interface: t.interface } : {}),
    ...(t.failback !== undefined ? { failback: t.failback } : {}),
    ...(t.strict !== undefined ? { strict: t.strict } : {}),
    ...(t.happyEyeballsDelay !== undefined ? { happyEyeballsDelay: t.happyEyeballsDelay } : {}),
    ...(t.connectTimeout !== undefined ? { connectTimeout: t.connectTimeout } : {}),
    ...(t.ca !== undefined || t.rejectUnauthorized !== undefined
      ? { tls: { ...(t.ca !== undefined ? { ca: t.ca } : {}), ...(t.rejectUnauthorized !== undefined ? { rejectUnauthorized: t.rejectUnauthorized } : {}) } }
      : {}),
  };
}

/** A transport that remembers the connection of each request, for the command's output. */
function watched(inner: DohTransport, seen: DohConnectionInfo[]): DohTransport {
  const transport: DohTransport = async (request) => {
    const response = await inner(request);
    if (response.connection) seen.push(response.connection);
    return response;
  };
  // The same answers as the inner transport: the same cache entries.
  return inner.identity === undefined ? transport : Object.assign(transport, { identity: inner.identity });
}

/**
 * The resolve options with DoH over connect() (for commands without a Multi). --dns-interface is the
 * transport's then, not the resolver's; the connections of the DoH requests are added to `seen`.
 */
export function withDoh(o: ResolveOptions, plan: DohPlan | undefined, seen: DohConnectionInfo[] = []): ResolveOptions {
  if (plan === undefined) return o;
  const { dnsInterface: _pinsTheTransport, ...rest } = o;
  return { ...rest, doh: { url: plan.url, transport: watched(httpsTransport(plan.transport), seen) } };
}

/** One DoH connection as the commands print it. */
export function dohLine(c: DohConnectionInfo): string {
  const from = c.localAddress ? hostPort(c.localAddress, c.localPort ?? 0) : '?';
  const to = c.remoteAddress ? hostPort(c.remoteAddress, c.remotePort ?? 0) : '?';
  const via = c.interface ? ` via ${c.interface}` : c.egressInterface ? ` out ${c.egressInterface}` : '';
  return `  doh      ${from} -> ${to}${via} (${bindWords(c.bindMethod)})${c.egressWarning ? `; ${c.egressWarning}` : ''}`;
}
