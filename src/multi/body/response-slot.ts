/**
 * The `response` of a transfer added with `stream: true` (a Multi's own transfer and a ShardedMulti's
 * alike): its promise is made when first read, and settles with the head, or with the transfer's
 * failure, whichever comes first.
 */
import type { ResponseHead, StreamedResponse } from '../types.js';
import type { ResponseBody } from './stream.js';

export class ResponseSlot {
  private promise: Promise<StreamedResponse> | undefined;
  private settle: { resolve: (r: StreamedResponse) => void; reject: (e: unknown) => void } | undefined;
  private response: StreamedResponse | undefined;
  private failure: unknown;

  /** The head arrived; its body is `body`. */
  headed(head: ResponseHead, body: ResponseBody): void {
    const r: StreamedResponse = { status: head.status, statusMessage: head.statusMessage, httpVersion: head.httpVersion, headers: head.headers, body };
    this.response = r;
    this.settle?.resolve(r);
    this.settle = undefined;
  }

  /** The transfer failed (a response that came first stays as it was: its body carries the failure). */
  failed(error: unknown): void {
    this.failure ??= error;
    const settle = this.settle;
    this.settle = undefined;
    settle?.reject(error);
  }

  /** The promise; made on the first call, which marks `done` handled (the errors reach the caller through it). */
  get(done: Promise<unknown>): Promise<StreamedResponse> {
    if (this.promise === undefined) {
      done.catch(() => {});
      if (this.response !== undefined) this.promise = Promise.resolve(this.response);
      else if (this.failure !== undefined) this.promise = Promise.reject(this.failure);
      else this.promise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    }
    return this.promise;
  }
}
