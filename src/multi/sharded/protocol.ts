/**
 * The messages between a ShardedMulti and its workers. Functions stay on the main thread: the worker
 * says when a callback is due (a head, a body slice, a retry, a lookup) and the main thread answers.
 * Body bytes travel as transferred ArrayBuffers (moved, not copied); errors as WireErrors.
 */
import type { AddressRecord } from '../../shared/types.js';
import type { NetworkInterface } from '../../bind/interfaces.js';
import type { ResolveOptions } from '../../resolve/types.js';
import type { MultiOptions, MultiStats, ResponseHead, RetryReason, TransferInfo, TransferOptions } from '../types.js';

/** A HiperError (or any other error) as plain data; `fromWire` makes the error again. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  input?: unknown;
  details?: unknown;
  cause?: unknown;
  /** Other own properties (errno, syscall, address...). */
  extra?: Record<string, unknown>;
  /** A HiperError (its code is one of the table's). */
  hiper: boolean;
}

/** An interface table as plain data. */
export interface WireTable {
  interfaces: NetworkInterface[];
  source: 'netlink' | 'os';
  fallbackReason?: string;
}

/** Which of a transfer's callbacks the worker reports (the functions themselves stay on the main thread). */
export interface CallbackFlags {
  onData: boolean;
  onHeaders: boolean;
  onRetry: boolean;
}

/**
 * A worker's answer to 'report', written into shared memory while the main thread waits for it
 * (stats() and timeout() are synchronous): [done flag (Int32 0)] then, as Float64 from byte 8, the
 * counters of STAT_NAMES and when its next timer is due (main thread's clock, -1 none).
 */
export const STAT_NAMES = ['transfersRunning', 'transfersQueued', 'connections', 'connectionsIdle', 'connectionsOpened', 'connectionsClosedIdle', 'retries'] as const satisfies ReadonlyArray<keyof MultiStats>;
export const REPORT_BYTES = 8 + 8 * (STAT_NAMES.length + 1);

/** The transfer options that cross: no functions, the url as a string, tls by reference. */
export type WireTransferOptions = Omit<TransferOptions, 'url' | 'onData' | 'onHeaders' | 'tls'> & { url: string };

/**
 * Body bytes a worker sends for one transfer before the main thread says it received them: the bound
 * on what is in flight between the threads when the reader stops (its 'hold' arrives one message late).
 */
export const SLICE_WINDOW = 256 * 1024;
/** The main thread acknowledges received body bytes in steps of this many (small bodies never need one). */
export const ACK_STEP = 64 * 1024;

/** What a worker thread starts with (workerData). */
export interface WorkerInit {
  /** The main thread's interface table, so the worker never reads netlink itself. */
  table: WireTable;
  /** The main thread's performance.timeOrigin: info times are reported on its scale. */
  timeOrigin: number;
}

/**
 * A worker thread hosts one Multi for each ShardedMulti that uses it (workers are kept by the process
 * and shared, so a new ShardedMulti does not pay for starting threads); `m` names that Multi.
 */
export type ToWorker =
  /** A Multi with these options (no functions); 'report' is answered in `report` (REPORT_BYTES). */
  | { t: 'open'; m: number; options: MultiOptions; report: SharedArrayBuffer }
  | { t: 'add'; m: number; id: number; options: WireTransferOptions; calls: CallbackFlags; tlsRef?: number; tls?: TransferOptions['tls'] }
  | { t: 'remove'; m: number; id: number }
  /** The main thread's reader is behind (an onData promise pending, a stream past its high-water mark) / caught up. */
  | { t: 'hold'; m: number; id: number }
  | { t: 'release'; m: number; id: number }
  /** `bytes` more of the transfer's body slices arrived here (SLICE_WINDOW). */
  | { t: 'ack'; m: number; id: number; bytes: number }
  | { t: 'report'; m: number }
  | { t: 'forget-tls'; m: number; ref: number }
  /** Ends every transfer (ERR_ABORTED) and closes the Multi's connections; answered with 'closed'. */
  | { t: 'close'; m: number }
  | { t: 'looked-up'; rid: number; records: AddressRecord[] }
  | { t: 'lookup-failed'; rid: number; error: WireError }
  | { t: 'table'; table: WireTable }
  /** The messages of one turn of the main thread's event loop, in order (one postMessage for a burst of adds). */
  | { t: 'batch'; items: ToWorker[] };

/** What one of a worker's Multis reports. */
export type FromMulti =
  | { t: 'head'; m: number; id: number; head: ResponseHead; info: TransferInfo }
  /** A body slice, copied once into `chunk` (an exact ArrayBuffer, transferred); `size` is info.sizeDownload after it. */
  | { t: 'data'; m: number; id: number; chunk: ArrayBuffer; size: number }
  | { t: 'retry'; m: number; id: number; reason: RetryReason; delay: number; left: number; status?: number; error?: WireError }
  | {
    t: 'done'; m: number; id: number; head: ResponseHead; trailers: Array<[string, string]>; info: TransferInfo;
    /** The buffered body's bytes, in a transferred ArrayBuffer of exactly its length; absent when empty. */
    body?: ArrayBuffer;
  }
  | { t: 'failed'; m: number; id: number; error: WireError; info: TransferInfo }
  | { t: 'closed'; m: number };

export type FromWorker =
  | FromMulti
  | { t: 'lookup'; rid: number; host: string; options: ResolveOptions }
  | { t: 'lookup-abort'; rid: number }
  /** The messages of one turn of the worker's event loop, in order, with every ArrayBuffer they move. */
  | { t: 'batch'; items: FromWorker[] };
