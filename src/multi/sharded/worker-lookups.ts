/**
 * A worker's resolver: every name is looked up by the main thread, through its resolver and its one
 * DNS cache (and its in-flight sharing), so N workers ask the network no more than one Multi would.
 * An address literal needs no cache and is answered here. An abort signal cannot cross: its abort
 * is sent as a message, and the main thread aborts its own lookup.
 */
import { isIP } from 'node:net';
import { resolve as localResolve } from '../../resolve/index.js';
import type { AddressRecord } from '../../shared/types.js';
import type { ResolveOptions, Resolver } from '../../resolve/types.js';
import type { FromWorker } from './protocol.js';

interface Pending {
  resolve: (records: AddressRecord[]) => void;
  reject: (err: unknown) => void;
  stop: (() => void) | undefined;
}

export class WorkerLookups {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly post: (m: FromWorker) => void) {}

  readonly resolver: Resolver = (host: string, options: ResolveOptions = {}) => {
    if (isIP(host) !== 0) return localResolve(host, options);
    const { signal, ...rest } = options;
    const rid = ++this.seq;
    return new Promise<AddressRecord[]>((resolve, reject) => {
      let stop: (() => void) | undefined;
      if (signal !== undefined) {
        const onAbort = (): void => this.post({ t: 'lookup-abort', rid });
        signal.addEventListener('abort', onAbort, { once: true });
        stop = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(rid, { resolve, reject, stop });
      this.post({ t: 'lookup', rid, host, options: rest });
      if (signal?.aborted) this.post({ t: 'lookup-abort', rid });
    });
  };

  answered(rid: number, records: AddressRecord[] | undefined, error?: unknown): void {
    const p = this.pending.get(rid);
    if (p === undefined) return;
    this.pending.delete(rid);
    p.stop?.();
    if (records !== undefined) p.resolve(records);
    else p.reject(error);
  }
}
