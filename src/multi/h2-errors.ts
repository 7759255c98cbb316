/**
 * HTTP/2 error codes (RFC 9113 §7) by name, and the ERR_HTTP2 errors that carry them: a transfer whose
 * stream was reset, or whose session went away, is told which code the peer gave.
 */
import { HiperError } from '../shared/errors.js';

const NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED',
  'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
] as const;

export const H2_NO_ERROR = 0;
export const H2_INTERNAL_ERROR = 2;
export const H2_REFUSED_STREAM = 7;
export const H2_CANCEL = 8;
export const H2_ENHANCE_YOUR_CALM = 11;

/** "REFUSED_STREAM (0x7)"; codes without a name (extensions) as "UNKNOWN (0x...)". */
export function h2CodeName(code: number): string {
  return `${NAMES[code] ?? 'UNKNOWN'} (0x${code.toString(16)})`;
}

export interface H2ErrorFacts {
  /** The HTTP/2 error code the peer gave (RST_STREAM or GOAWAY). */
  code: number;
  /** 'stream' for RST_STREAM, 'goaway' for a session the peer ended. */
  frame: 'stream' | 'goaway';
  streamId?: number;
  /** The transfer's URL. */
  input: string;
  cause?: unknown;
}

/** An ERR_HTTP2 whose details name the code: { h2Code: 'INTERNAL_ERROR', h2CodeNumber: 2, frame, streamId }. */
export function h2Error(message: string, facts: H2ErrorFacts): HiperError {
  return new HiperError('ERR_HTTP2', `${message}: ${h2CodeName(facts.code)}`, {
    input: facts.input,
    ...(facts.cause !== undefined ? { cause: facts.cause } : {}),
    details: { h2Code: NAMES[facts.code] ?? 'UNKNOWN', h2CodeNumber: facts.code, frame: facts.frame, ...(facts.streamId !== undefined ? { streamId: facts.streamId } : {}) },
  });
}
