/**
 * One HTTP/2 connection of a Multi: node:http2's client session over hiper's own connected TLS socket
 * (so device binding, the local address and the trace hold for it too), one stream per transfer. The
 * pool treats it like an H1Connection (both are a PooledConnection): `hasRoom` says whether one more
 * stream may be opened now (the server's SETTINGS_MAX_CONCURRENT_STREAMS; 100 until its SETTINGS
 * arrive), `onCapacity` tells the owner when that changes, and `onClosed` hands back the transfers that
 * got no byte of a response, so they can be tried again on another connection.
 *
 * Streams the server never processed (above the last stream id of its GOAWAY, or refused) are listed in
 * `unprocessed` as well: RFC 9113 §8.7 allows retrying those whatever their method. Each stream's
 * record and listeners are in h2-stream.ts.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders, type Settings } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { HiperError, errnoCode } from '../shared/errors.js';
import { SlotSet } from '../shared/slot-set.js';
import { remoteOf, type KeptTrace } from './kept-trace.js';
import { H2_CANCEL, H2_ENHANCE_YOUR_CALM, H2_NO_ERROR, H2_REFUSED_STREAM, h2Error } from './h2-errors.js';
import { h2RequestHeaders } from './h2-headers.js';
import { watchStream, type StreamOwner, type StreamRecord } from './h2-stream.js';
import { drainOrClose, pumpBody, type UploadSink } from './body/upload.js';
import type { ConnectionOwner, PooledConnection } from './pooled-connection.js';
import type { TransferImpl } from './transfer.js';

/** Limits and windows of a session; ParserLimits (maxHeadSize, maxHeaders) fit as they are. */
export interface H2Limits {
  /** Largest response header block, bytes (SETTINGS_MAX_HEADER_LIST_SIZE); default 64 KiB, as the h1 head limit. */
  maxHeadSize?: number;
  /** Most header fields in one response head; default 200, as h1. */
  maxHeaders?: number;
  /** Receive window of each stream, bytes (SETTINGS_INITIAL_WINDOW_SIZE); default 1 MiB. */
  streamWindow?: number;
  /** Receive window of the whole session, bytes; default 16 MiB. */
  connectionWindow?: number;
  /** Most 1xx responses before the final one; default 10, as h1. */
  maxInformational?: number;
}

/** Until the server's SETTINGS arrive, the concurrency RFC 9113 §6.5.2 suggests as a floor. */
const ASSUMED_MAX_STREAMS = 100;
/** SETTINGS_MAX_CONCURRENT_STREAMS when the server gives none: unlimited. */
const UNLIMITED_STREAMS = 0xffffffff;

export interface H2ConnectionOptions {
  id: number;
  /** Connected, with "h2" chosen by ALPN. */
  socket: TLSSocket;
  trace: KeptTrace;
  owner: ConnectionOwner;
  limits?: H2Limits | undefined;
}

/** Methods whose streams node:http2 ends with their HEADERS unless told otherwise (its own default). */
const ENDED_BY_DEFAULT = new Set(['GET', 'HEAD', 'DELETE']);
const END_STREAM = Object.freeze({ endStream: true });
const OPEN_STREAM = Object.freeze({ endStream: false });

/**
 * The options of session.request(): none when node:http2's default for the method already says whether
 * the HEADERS end the stream (node:http2 copies and validates an options object on every request).
 */
function streamOptions(method: string, endStream: boolean): { endStream: boolean } | undefined {
  if (endStream === ENDED_BY_DEFAULT.has(method)) return undefined;
  return endStream ? END_STREAM : OPEN_STREAM;
}

export class H2Connection implements PooledConnection, StreamOwner {
  readonly id: number;
  readonly socket: TLSSocket;
  readonly trace: KeptTrace;
  /** HTTP/2: streams side by side. */
  readonly multiplexed = true;
  /** The server's SETTINGS arrived (the stream limit is known). */
  pipelinable = false;
  /** Takes no more streams (GOAWAY seen, an error, or closing). */
  closing = false;
  closed = false;
  /** Kept for the chooser's view; HTTP/2 streams do not block one another. */
  readonly bytesOutstanding = 0;
  /** Streams opened on it so far. */
  requests = 0;
  /** HTTP/2 announces no idle timeout. */
  readonly idleLimit = undefined;
  /** Streams that got a final response head. */
  responses = 0;
  /** Streams refused by the server (REFUSED_STREAM) and sent again on this session. */
  refusedRetries = 0;
  /** Of the transfers handed back by onClosed, those the server certainly did not process. */
  readonly unprocessed = new Set<TransferImpl>();
  readonly session: ClientHttp2Session;

  private readonly owner: ConnectionOwner;
  /** Open streams (not a Map: see slot-set.ts). */
  private readonly streams = new SlotSet<StreamRecord>();
  private readonly unanswered: Array<{ seq: number; t: TransferImpl }> = [];
  private maxStreams = ASSUMED_MAX_STREAMS;
  private goaway: { code: number; lastStreamId: number } | undefined;
  private cause: Error | undefined;
  private seq = 0;
  private finishPending = false;
  readonly maxInformational: number;

  constructor({ id, socket, trace, owner, limits = {} }: H2ConnectionOptions) {
    this.id = id;
    this.socket = socket;
    this.trace = trace;
    this.owner = owner;
    this.maxInformational = limits.maxInformational ?? 10;
    if (socket.alpnProtocol !== 'h2') {
      throw new HiperError('ERR_INVALID_ARGUMENT', `connection ${id}: its TLS socket negotiated ${JSON.stringify(socket.alpnProtocol)}, not "h2"`, { input: socket.alpnProtocol });
    }
    socket.setNoDelay(true);
    const r = trace.remote;
    const address = r.address.replace(/%.*$/, '');
    // The authority only names the session; each stream carries its transfer's own :authority.
    this.session = http2.connect(`https://${r.family === 6 ? `[${address}]` : address}:${r.port}`, {
      createConnection: () => socket,
      peerMaxConcurrentStreams: ASSUMED_MAX_STREAMS,
      maxHeaderListPairs: (limits.maxHeaders ?? 200) + 4,
      settings: {
        enablePush: false,
        initialWindowSize: limits.streamWindow ?? 1024 * 1024,
        maxHeaderListSize: limits.maxHeadSize ?? 64 * 1024,
      },
    });
    this.session.on('remoteSettings', (settings: Settings) => this.onRemoteSettings(settings));
    this.session.on('goaway', (code: number, lastStreamId: number) => this.onGoaway(code, lastStreamId));
    this.session.on('error', (err: Error) => {
      this.cause ??= err;
    });
    this.session.on('close', () => this.finish());
    try {
      this.session.setLocalWindowSize(limits.connectionWindow ?? 16 * 1024 * 1024);
    } catch (err) {
      // Only a session already destroyed refuses; its 'close' reports it.
      this.cause ??= err as Error;
    }
  }

  /** Streams open (sent and not yet closed). */
  get depth(): number {
    return this.streams.size;
  }

  /** One more stream may be opened now. */
  get hasRoom(): boolean {
    return !this.closing && this.streams.size < this.maxStreams;
  }

  /** One stream before the server's SETTINGS tell its limit, then up to the limit (no pipeline limit applies). */
  hasRoomFor(): boolean {
    return this.hasRoom && (this.pipelinable || this.streams.size === 0);
  }

  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until its SETTINGS arrive). */
  get maxConcurrentStreams(): number {
    return this.maxStreams;
  }

  /** Opens a stream for a transfer's request. */
  send(t: TransferImpl): void {
    if (this.closed) {
      t.fail(new HiperError('ERR_CONNECTION_CLOSED', `connection ${this.id} to ${this.remote()} is closed; ${t.info.url} was not sent`, { input: t.info.url }));
      return;
    }
    const seq = ++this.seq;
    if (this.closing) {
      // GOAWAY seen (or closing): the request never leaves; the owner gets it back with the others.
      this.unanswered.push({ seq, t });
      this.unprocessed.add(t);
      return;
    }
    const position = this.streams.size;
    const reused = this.requests > 0;
    this.requests++;
    const rec: StreamRecord = { conn: this, t, seq, stream: undefined as unknown as ClientHttp2Stream, state: 'sent', endStream: false, refusedOnce: false, informational: 0, slot: -1 };
    this.streams.add(rec);
    t.sent(this, position, reused);
    this.openStream(rec, h2RequestHeaders(t));
  }

  /** Only the line of the unanswered: a stream's record stops delivering once abandoned. */
  holds(t: TransferImpl): boolean {
    return this.unanswered.some((u) => u.t === t);
  }

  /** Cancels the transfer's stream (RST_STREAM CANCEL); its slot frees when the stream closes. */
  abandon(t: TransferImpl): void {
    const rec = this.recordOf(t);
    if (rec === undefined || rec.state === 'abandoned') return;
    rec.state = 'abandoned';
    if (!rec.stream.closed) rec.stream.close(H2_CANCEL);
  }

  /** Closes the session (GOAWAY); open streams are cut and the unanswered reported to the owner. */
  close(): void {
    this.closing = true;
    if (this.closed) return;
    if (!this.session.destroyed) {
      if (this.streams.size === 0) this.session.close();
      else this.session.destroy();
    }
    this.finishSoon();
  }

  remote(): string {
    return remoteOf(this.trace);
  }

  // --- streams

  private openStream(rec: StreamRecord, headers: OutgoingHttpHeaders): void {
    const body = rec.t.request.body;
    const endStream = body.length === 0 && rec.t.request.source === undefined;
    let stream: ClientHttp2Stream;
    try {
      stream = this.session.request(headers, streamOptions(rec.t.method, endStream));
    } catch (err) {
      this.streams.delete(rec);
      const code = errnoCode(err) ?? '';
      if (/HEADER|TOKEN|CHAR|PSEUDO/.test(code)) {
        rec.t.fail(new HiperError('ERR_INVALID_HEADER', `the request headers of ${rec.t.info.url} are not valid in HTTP/2: ${(err as Error).message}`, { input: rec.t.info.url, cause: err }));
        if (!this.closing) this.owner.onCapacity(this);
        return;
      }
      // The session takes no more streams (stream ids used up, or it is going): hand the transfer back.
      this.cause ??= err as Error;
      this.unanswered.push({ seq: rec.seq, t: rec.t });
      this.unprocessed.add(rec.t);
      this.close();
      return;
    }
    watchStream(stream, rec);
    if (body.length === 1) {
      stream.end(body[0]);
    } else if (body.length > 0) {
      stream.cork();
      for (const b of body) stream.write(b);
      stream.uncork();
      stream.end();
    } else if (rec.t.request.source !== undefined) {
      this.upload(rec, stream);
    }
  }

  /** Sends a streamed request body on its stream, with the stream's flow control as backpressure. */
  private upload(rec: StreamRecord, stream: ClientHttp2Stream): void {
    const t = rec.t;
    const sink: UploadSink = {
      write: (b) => stream.write(b),
      drain: () => drainOrClose(stream),
      end: () => stream.end(),
      get stopped() {
        return t.ended || rec.stream !== stream || stream.destroyed;
      },
    };
    pumpBody(t.request.source!, sink, {
      chunked: false, length: t.request.bodySize, url: t.info.url,
      onProgress: (sent) => {
        t.info.sizeUpload = sent;
      },
    }).catch((err: unknown) => {
      t.fail(err as HiperError);
      if (!stream.closed) stream.close(H2_CANCEL);
    });
  }

  /** The transfer's reader is behind: its stream stops reading, so its window stops opening and the server waits. */
  pause(t: TransferImpl): void {
    this.recordOf(t)?.stream.pause();
  }

  resume(t: TransferImpl): void {
    const rec = this.recordOf(t);
    if (rec !== undefined && !rec.stream.destroyed) rec.stream.resume();
  }

  /**
   * The open stream of a transfer. A walk over the open streams: only a removal, a timeout or a reader
   * that is behind asks, and the common path (a stream closing) has its record in hand.
   */
  private recordOf(t: TransferImpl): StreamRecord | undefined {
    for (const rec of this.streams) if (rec.t === t) return rec;
    return undefined;
  }

  /** A stream closed: the transfer is complete, fails, goes back to the owner, or is sent again. */
  onStreamClosed(rec: StreamRecord, stream: ClientHttp2Stream): void {
    if (rec.state === 'settled' || rec.stream !== stream) return;
    const code = stream.rstCode ?? H2_NO_ERROR;
    const destroyed = this.closed || this.session.destroyed;
    // A streamed body was read as it was sent: it cannot go again.
    const resendable = rec.t.request.source === undefined;
    if (rec.state === 'sent' && resendable && !rec.t.ended && !destroyed && this.goaway === undefined && code === H2_REFUSED_STREAM && !rec.refusedOnce) {
      // Not processed (RFC 9113 §8.7): once more on this session, which now knows the server's limit.
      rec.refusedOnce = true;
      this.refusedRetries++;
      this.openStream(rec, h2RequestHeaders(rec.t));
      return;
    }
    this.settle(rec, code, destroyed);
    if (this.closing) this.finishSoon();
    else this.owner.onCapacity(this);
  }

  /**
   * Accounts for a closed stream. `destroyed`: the session was gone when it closed, so its code is the
   * session's, not one the peer gave this stream.
   */
  private settle(rec: StreamRecord, code: number, destroyed: boolean): void {
    const was = rec.state;
    rec.state = 'settled';
    // A transfer run again (TransferOptions.retry) may have a new stream on this session by now: only this record goes.
    this.streams.delete(rec);
    const t = rec.t;
    if (was === 'abandoned' || was === 'complete' || t.ended) return;
    const answered = was !== 'sent';
    const streamId = rec.stream.id;
    const url = t.info.url;
    const going = destroyed || this.goaway !== undefined;
    if (!answered && (going || code === H2_REFUSED_STREAM)) {
      if (going) {
        this.unanswered.push({ seq: rec.seq, t });
        const above = this.goaway !== undefined && (streamId === undefined || streamId > this.goaway.lastStreamId);
        if (above || code === H2_REFUSED_STREAM) this.unprocessed.add(t);
      } else {
        // Refused again on this session: another connection may be sent it (the owner's retry rules).
        const error = h2Error(`stream ${streamId} of connection ${this.id} to ${this.remote()} was refused twice for ${url}`, { code, frame: 'stream', input: url, ...(streamId !== undefined ? { streamId } : {}) });
        this.owner.onTurnedAway(this, t, true, error);
      }
      return;
    }
    if (!answered && !destroyed && code === H2_ENHANCE_YOUR_CALM) {
      // The server asks to slow down: an idempotent request may go once more, on a new connection.
      const error = h2Error(`stream ${streamId} of connection ${this.id} to ${this.remote()} was reset before answering ${url}`, { code, frame: 'stream', input: url, ...(streamId !== undefined ? { streamId } : {}) });
      this.owner.onTurnedAway(this, t, false, error);
      return;
    }
    const when = answered ? 'in the middle of the response to' : 'before answering';
    const id = streamId !== undefined ? { streamId } : {};
    const cause = this.cause ? { cause: this.cause } : {};
    if (!destroyed) {
      // Its own RST_STREAM (from the peer, or ours on a malformed response), even after a GOAWAY.
      t.fail(h2Error(`stream ${streamId} of connection ${this.id} to ${this.remote()} was reset ${when} ${url}`, { code, frame: 'stream', input: url, ...id }));
    } else if (this.goaway !== undefined) {
      t.fail(h2Error(`connection ${this.id} to ${this.remote()}: the server ended the session (GOAWAY, last stream ${this.goaway.lastStreamId}) ${when} ${url}`, {
        code: this.goaway.code, frame: 'goaway', input: url, ...id, ...cause,
      }));
    } else {
      t.fail(new HiperError('ERR_CONNECTION_CLOSED', `connection ${this.id} to ${this.remote()} closed ${when} ${url}`, { input: url, ...cause }));
    }
  }

  // --- session events

  private onRemoteSettings(settings: Settings): void {
    const before = this.maxStreams;
    this.maxStreams = settings.maxConcurrentStreams ?? UNLIMITED_STREAMS;
    const first = !this.pipelinable;
    this.pipelinable = true;
    if ((first || this.maxStreams > before) && !this.closing) this.owner.onCapacity(this);
  }

  private onGoaway(code: number, lastStreamId: number): void {
    this.goaway = { code, lastStreamId };
    const wasClosing = this.closing;
    this.closing = true;
    // The owner stops choosing it, and moves its waiting transfers elsewhere.
    if (!wasClosing) this.owner.onCapacity(this);
    this.finishSoon();
  }

  /**
   * Once it takes no more streams and none is open, the connection is done, whether or not the peer
   * closes its end (node:http2 emits 'close' only when the socket closes, and a server may keep it
   * open after its GOAWAY). Checked on the next turn, after node:http2 has sent its own GOAWAY.
   */
  private finishSoon(): void {
    if (this.finishPending || this.closed) return;
    this.finishPending = true;
    setImmediate(() => {
      this.finishPending = false;
      if (this.closed || !this.closing || this.streams.size > 0) return;
      if (!this.session.destroyed) this.session.destroy();
      this.finish();
      setImmediate(() => this.socket.destroy());
    });
  }

  /** The session is gone: streams still open are cut, the unanswered go back to the owner (once). */
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.pipelinable = false;
    // Streams whose own 'close' has not come yet are cut by the session's end.
    for (const rec of this.streams.snapshot()) this.settle(rec, rec.stream.rstCode ?? H2_NO_ERROR, true);
    const unanswered = this.unanswered.filter((u) => !u.t.ended).sort((a, b) => a.seq - b.seq).map((u) => u.t);
    this.unanswered.length = 0;
    for (const t of this.unprocessed) if (t.ended) this.unprocessed.delete(t);
    this.owner.onClosed(this, unanswered);
  }
}
