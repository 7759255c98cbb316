/**
 * `hiper get -v`'s connect lines as they happen, in curl's words: each skip, each attempt when it
 * starts, each attempt that failed, and the connection made (or the connect given up). Read from the
 * diagnostics channels, so DoH connections show too.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Attempt, ConnectTrace } from '../connect/index.js';
import { channels } from '../shared/diagnostics.js';
import { HiperError } from '../shared/errors.js';
import { bindWords, type Skip } from '../shared/index.js';
import { hostPort } from './format.js';

interface Target {
  host: string;
  port: number;
}

/** curl's "*   Trying 127.0.0.1:80...", with where it leaves from and how it is bound. */
export function tryingLine(a: Attempt): string {
  const from = a.local?.address ? ` from ${a.local.address}${a.local.port ? ` port ${a.local.port}` : ''}` : '';
  const via = a.interface ? ` via ${a.interface}` : '';
  const how = a.method !== 'none' ? ` (${a.method})` : '';
  return `*   Trying ${hostPort(a.remote.address, a.remote.port, a.remote.family)}${from}${via}${how}...`;
}

export function skipLine(s: Skip): string {
  return `* skip ${s.remote}: ${s.reason} (${s.code})`;
}

export function attemptFailedLine(a: Attempt): string {
  const what = a.failedAt === 'bind' ? 'bind for' : 'connect to';
  return `* ${what} ${a.remote.address} port ${a.remote.port} failed: ${a.error ?? 'error'}`;
}

/** curl's "* Connected to HOST (IP) port N", with the local end, the link and the binding, then TLS. */
export function connectedLines(t: ConnectTrace): string[] {
  const via = t.interface ? ` via ${t.interface}` : '';
  const link = t.egressInterface !== undefined && t.egressInterface !== t.interface ? `, leaving through ${t.egressInterface}` : '';
  const lines = [`* Connected to ${t.host} (${t.remote.address}) port ${t.remote.port} from ${hostPort(t.local.address, t.local.port)}${via} (${bindWords(t.bindMethod)}${link})`];
  if (t.requested !== undefined) lines.push(`* connect-to: ${t.requested.host}:${t.requested.port} sent to ${t.host}:${t.port}`);
  if (t.egressWarning !== undefined) lines.push(`* warning: ${t.egressWarning}`);
  if (t.tlsVersion !== undefined) lines.push(`* SSL connection using ${t.tlsVersion}`);
  if (t.alpn !== undefined) lines.push(`* ALPN: server accepted ${t.alpn}`);
  if (t.tlsName !== undefined) lines.push(`* tls name ${t.tlsName} (SNI and certificate check)`);
  return lines;
}

export function connectFailedLine(target: Target, error: unknown): string {
  // The code only: the message follows in the command's own error line.
  const why = error instanceof HiperError ? error.code : error instanceof Error ? error.message : String(error);
  return `* Failed to connect to ${target.host} port ${target.port}: ${why}`;
}

/**
 * Listens while a run lasts. An attempt's record is published when it starts and completed in place;
 * a failure is said at the next event (the next attempt starts at once after one fails, or the connect
 * ends), so the lines keep the order things happened in.
 */
export class VerboseConnectLog {
  private pending: Attempt[] = [];
  private readonly handlers: Array<[string, (message: unknown) => void]>;

  constructor(private readonly say: (line: string) => void) {
    this.handlers = [
      [channels.connectSkip.name as string, (m) => {
        this.flush();
        this.say(skipLine((m as { skip: Skip }).skip));
      }],
      [channels.connectAttempt.name as string, (m) => {
        this.flush();
        const a = (m as { attempt: Attempt }).attempt;
        this.pending.push(a);
        this.say(tryingLine(a));
      }],
      [channels.connectSuccess.name as string, (m) => {
        this.flush();
        for (const l of connectedLines((m as { trace: ConnectTrace }).trace)) this.say(l);
      }],
      [channels.connectFailure.name as string, (m) => {
        this.flush();
        const { host, port, error } = m as Target & { error: unknown };
        this.say(connectFailedLine({ host, port }, error));
      }],
    ];
    for (const [name, fn] of this.handlers) subscribe(name, fn);
  }

  /** Says each attempt that failed since the last event; forgets those that ended otherwise. */
  private flush(): void {
    const still: Attempt[] = [];
    for (const a of this.pending) {
      if (a.outcome === 'failed') this.say(attemptFailedLine(a));
      else if (a.outcome === 'pending') still.push(a);
    }
    this.pending = still;
  }

  close(): void {
    this.flush();
    for (const [name, fn] of this.handlers) unsubscribe(name, fn);
  }
}
