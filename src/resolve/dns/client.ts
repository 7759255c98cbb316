/**
 * hiper's DNS client for explicit servers whose queries must leave through a device: one query type,
 * the servers in order, each try on a fresh device-bound socket with a fresh ID, like c-ares's defaults
 * but bounded: `tries` rounds over the servers, the per-try timeout doubling each round. A truncated
 * UDP answer is asked again over TCP on the same egress. NXDOMAIN and answers end the query; SERVFAIL,
 * REFUSED, other RCODEs and malformed replies pass to the next server and that server is not asked
 * again; timeouts and socket errors pass to the next server and are tried again next round.
 */
import type { Clock } from '../../shared/clock.js';
import { HiperError, errnoCode } from '../../shared/errors.js';
import type { Family } from '../../shared/types.js';
import { dnsError, fromRcode } from '../errors.js';
import type { DnsServer } from '../servers.js';
import { publishDnsQuery, serverLabel, type DnsEgress } from './egress.js';
import { encodeDnsQuery, type DnsQueryType } from './message.js';
import type { DnsAnswer } from './reply.js';
import { tcpTry } from './tcp.js';
import type { TryLimits, TryOutcome } from './try.js';
import { udpTry } from './udp.js';

/** Rounds over the servers. */
export const DEFAULT_DNS_TRIES = 2;
/** Time limit of a first try, ms; each later round doubles it. */
export const DEFAULT_DNS_TRY_TIMEOUT_MS = 2_000;
/** Upper bounds for the options, so that every loop stays bounded. */
const MAX_TRIES = 8;

export interface DnsClientRequest {
  name: string;
  type: DnsQueryType;
  servers: readonly DnsServer[];
  /** The egress of a query to this server (device, and the local address of the server's family). */
  egress: (server: DnsServer) => DnsEgress;
  signal: AbortSignal;
  clock: Clock;
  tries?: number;
  tryTimeoutMs?: number;
}

/** What one server's try came to, kept for the error when no server answers. */
export interface DnsAttempt {
  server: string;
  transport: 'udp' | 'tcp';
  try: number;
  /** 'timeout', an errno name or error code, an RCODE, or 'malformed'. */
  outcome: string;
}

/** How telling a failure is: an RCODE beats a malformed reply beats a socket error beats silence. */
type Failure =
  | { rank: 3; server: string; rcode: string }
  | { rank: 2; server: string; why: string }
  | { rank: 1; server: string; error: unknown }
  | { rank: 0 };

function checkCount(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new HiperError('ERR_INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, { input: v });
  }
  return v;
}

export async function askServers(request: DnsClientRequest): Promise<DnsAnswer[]> {
  const { name, type, servers, signal, clock } = request;
  const tries = checkCount('tries', request.tries ?? DEFAULT_DNS_TRIES, 1, MAX_TRIES);
  const baseTimeout = checkCount('tryTimeoutMs', request.tryTimeoutMs ?? DEFAULT_DNS_TRY_TIMEOUT_MS, 1, 60_000);
  const family: Family = type === 'A' ? 4 : 6;
  const attempts: DnsAttempt[] = [];
  const done = new Set<DnsServer>();
  let failure: Failure = { rank: 0 };
  const fail = (f: Failure): void => {
    if (f.rank > failure.rank) failure = f;
  };

  for (let round = 0; round < tries; round++) {
    const limits: TryLimits = { clock, signal, name, timeoutMs: baseTimeout * 2 ** round };
    for (const server of servers) {
      if (done.has(server)) continue;
      const label = serverLabel(server);
      const egress = request.egress(server);
      const query = encodeDnsQuery(name, type);
      const tell = (transport: 'udp' | 'tcp'): void => publishDnsQuery({
        name, type, server: label, transport, method: 'device', device: egress.device, localAddress: egress.localAddress, try: round + 1,
      });
      tell('udp');
      let transport: 'udp' | 'tcp' = 'udp';
      let outcome: TryOutcome = await udpTry(egress, server, query, limits);
      if (outcome.kind === 'reply' && outcome.reply.kind === 'truncated') {
        transport = 'tcp';
        tell('tcp');
        outcome = await tcpTry(egress, server, query, limits);
      }
      const record = (what: string): void => { attempts.push({ server: label, transport, try: round + 1, outcome: what }); };
      if (outcome.kind === 'timeout') {
        record('timeout');
        continue;
      }
      if (outcome.kind === 'error') {
        const err = outcome.error;
        // No addon able to open this socket: every server would fail alike.
        if (err instanceof HiperError && err.code === 'ERR_DEVICE_BIND_UNAVAILABLE') throw err;
        record(err instanceof HiperError ? String(err.details.errno ?? err.code) : errnoCode(err) ?? 'error');
        fail({ rank: 1, server: label, error: err });
        if (err instanceof HiperError) done.add(server); // the binding failed: it would fail again
        continue;
      }
      const reply = outcome.reply;
      switch (reply.kind) {
        case 'answer':
          return reply.answers;
        case 'rcode':
          record(reply.rcode);
          if (reply.rcode === 'NXDOMAIN') throw fromRcode(reply.rcode, name, family, 'dns', { server: label, queries: attempts });
          fail({ rank: 3, server: label, rcode: reply.rcode });
          done.add(server);
          break;
        case 'malformed':
          record('malformed');
          fail({ rank: 2, server: label, why: reply.why });
          done.add(server);
          break;
        case 'truncated': // only after TCP, where tcpTry reports it as malformed
          break;
      }
    }
  }
  throw failureError(failure, name, family, servers, attempts);
}

function failureError(f: Failure, name: string, family: Family, servers: readonly DnsServer[], attempts: DnsAttempt[]): HiperError {
  // `queries`, not `attempts`: that key holds connection attempts in connect's errors.
  const details = { family, source: 'dns', queries: attempts };
  switch (f.rank) {
    case 3:
      return fromRcode(f.rcode, name, family, 'dns', { server: f.server, queries: attempts });
    case 2:
      return dnsError('ERR_DNS_FAILED', name, `malformed answer from ${f.server}: ${f.why}`, { ...details, server: f.server });
    case 1: {
      if (f.error instanceof HiperError) return f.error;
      const errno = errnoCode(f.error);
      return dnsError('ERR_DNS_FAILED', name, `asking ${f.server} failed: ${(f.error as Error)?.message ?? String(f.error)}`, { ...details, server: f.server, errno }, f.error);
    }
    case 0:
      return dnsError('ERR_DNS_FAILED', name, `no answer from ${servers.map(serverLabel).join(', ')} (timed out, ${attempts.length} tries)`, { ...details, errno: 'ETIMEOUT' });
  }
}
