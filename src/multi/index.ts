/** src/multi: many transfers on one thread, over pooled connections, with HTTP/1.1 pipelining. */
export { Multi } from './multi.js';
export { ShardedMulti, type ShardedMultiOptions } from './sharded/index.js';
export { TimerHeap, type TimerEntry } from './timers.js';
export { multiDohTransport } from './doh-transport.js';
export { nextRedirect, REDIRECT_STATUSES, type RedirectFrom, type RedirectStep } from './redirect.js';
export * from './h1/index.js';
export type {
  ConnectionChooser, ConnectionView, HttpVersionChoice, EgressOptions as TransferEgressOptions, MultiApi, MultiOptions, MultiStats, ResponseHead as TransferResponseHead,
  Transfer, TransferInfo, TransferOptions, TransferResult, StreamedResponse, RequestBody, ResponseBody, RetryOptions, RetryEvent, RetryReason,
} from './types.js';
