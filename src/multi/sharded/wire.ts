/**
 * Errors and the values that may hold them (an error's details, a transfer's info with its connect
 * trace) as plain data that a structured clone keeps whole: a clone of an Error keeps its message but
 * drops its code, input and details, so errors are taken apart here and made again on the other side.
 */
import { ERROR_CODES, HiperError, type HiperErrorCode } from '../../shared/errors.js';
import type { WireError } from './protocol.js';

const ERROR_MARK = '__hiperWireError';
/** Deeper than any trace hiper makes: below it, values are left as they are. */
const MAX_DEPTH = 12;

export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), hiper: false };
  const w: WireError = { name: err.name, message: err.message, hiper: err instanceof HiperError };
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === 'code') w.code = String(v);
    else if (k === 'input') w.input = wireValue(v);
    else if (k === 'details') w.details = wireValue(v);
    else if (typeof v !== 'function') extra[k] = wireValue(v);
  }
  if (err.cause !== undefined) w.cause = wireValue(err.cause);
  if (Object.keys(extra).length > 0) w.extra = extra;
  return w;
}

export function fromWire(w: WireError): Error {
  const cause = w.cause === undefined ? undefined : fromWireValue(w.cause);
  if (w.hiper && w.code !== undefined && w.code in ERROR_CODES) {
    return new HiperError(w.code as HiperErrorCode, w.message, {
      input: fromWireValue(w.input), details: (fromWireValue(w.details) ?? {}) as Record<string, unknown>, ...(cause !== undefined ? { cause } : {}),
    });
  }
  const e = new Error(w.message, cause === undefined ? undefined : { cause });
  e.name = w.name;
  if (w.code !== undefined) (e as Error & { code: string }).code = w.code;
  for (const [k, v] of Object.entries(w.extra ?? {})) (e as unknown as Record<string, unknown>)[k] = fromWireValue(v);
  return e;
}

/** A value with every Error inside it made plain (marked); functions become their names in brackets. */
export function wireValue(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? `[function ${v.name || 'anonymous'}]` : v;
  if (depth > MAX_DEPTH) return v;
  if (v instanceof Error) return { [ERROR_MARK]: toWire(v) };
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const w = wireValue(v[i], depth + 1);
      if (w !== v[i]) (out ??= v.slice())[i] = w;
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const w = wireValue(x, depth + 1);
    if (w !== x) (out ??= { ...v })[k] = w;
  }
  return out ?? v;
}

/** The inverse of wireValue: marked errors are made again. */
export function fromWireValue(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date) return v;
  if (ERROR_MARK in v) return fromWire((v as Record<string, WireError>)[ERROR_MARK]!);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = fromWireValue(v[i], depth + 1);
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) o[k] = fromWireValue(o[k], depth + 1);
  return v;
}
