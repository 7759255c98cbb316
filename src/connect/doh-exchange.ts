/**
 * One DoH request over a connected TLS socket (HTTP/1.1, one request per connection): the response
 * read up to a size limit, the socket closed at the end, on error and on abort.
 */
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { HiperError } from '../shared/errors.js';
import type { DohConnectionInfo, DohTransportRequest, DohTransportResponse } from '../resolve/types.js';

export interface ExchangeOptions {
  /** Largest response body read, bytes. */
  maxBody: number;
  /** The endpoint as written, for messages. */
  label: string;
  connection: DohConnectionInfo;
  signal?: AbortSignal;
  /** The error an abort of `signal` becomes. */
  aborted: () => unknown;
}

export function exchange(socket: TLSSocket, request: DohTransportRequest, o: ExchangeOptions): Promise<DohTransportResponse> {
  const { url, method, headers, body } = request;
  const { signal, maxBody } = o;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      socket.destroy();
      return true;
    };
    const fail = (err: unknown): void => {
      if (finish()) reject(err);
    };
    const onAbort = (): void => fail(o.aborted());
    const tooLarge = (n: number): HiperError => new HiperError('ERR_DOH_BAD_RESPONSE', `the DoH answer from ${o.label} is larger than ${maxBody} bytes (${n})`, {
      input: o.label, details: { reason: 'too-large', bytes: n },
    });
    // The socket is connected and verified already: node:https only writes the request and parses the answer.
    const req = httpsRequest(url, { method, headers, createConnection: () => socket });
    req.on('error', fail);
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBody) return fail(tooLarge(declared));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) return fail(tooLarge(size));
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('the DoH server closed the connection mid-answer')));
      res.on('end', () => {
        if (finish()) resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size), connection: o.connection });
      });
    });
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}
