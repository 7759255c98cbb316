/**
 * rtnetlink framing (RFC 3549; linux/netlink.h, linux/rtnetlink.h): message headers and attributes, as
 * pure encode/decode functions over Buffers. Host byte order is little-endian on every Linux hiper
 * ships for (x64, arm64).
 */

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_DUMP = 0x300;

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_GETROUTE = 26;

/** Multicast groups for live changes. */
export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;

const HEADER = 16;
const align = (n: number): number => (n + 3) & ~3;

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  /** The message body after the 16-byte header (a view, not a copy). */
  body: Buffer;
}

/** The messages in a reply buffer, in order; a truncated tail is an error, not silently dropped. */
export function splitMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let at = 0;
  while (at + HEADER <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len < HEADER || at + len > buf.length) throw new RangeError(`netlink message of length ${len} at offset ${at} overruns ${buf.length} bytes`);
    out.push({ type: buf.readUInt16LE(at + 4), flags: buf.readUInt16LE(at + 6), seq: buf.readUInt32LE(at + 8), body: buf.subarray(at + HEADER, at + len) });
    at += align(len);
  }
  if (at < buf.length && buf.length - at >= 4) throw new RangeError(`${buf.length - at} stray bytes after the last netlink message`);
  return out;
}

/** The errno (positive) of an NLMSG_ERROR message; 0 is an acknowledgement. */
export function errorOf(m: NetlinkMessage): number {
  return -m.body.readInt32LE(0);
}

/**
 * Attributes (type → value views) of a body from `offset` on; nested ones are decoded by the caller.
 * With `wanted`, only those types are kept (a link carries about 40 attributes, hiper reads 5).
 */
export function attributes(body: Buffer, offset: number, wanted?: readonly number[]): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let at = offset;
  while (at + 4 <= body.length) {
    const len = body.readUInt16LE(at);
    if (len < 4 || at + len > body.length) break;
    // NLA_F_NESTED and NLA_F_NET_BYTEORDER are flags in the top bits of the type.
    const type = body.readUInt16LE(at + 2) & 0x3fff;
    if (wanted === undefined || wanted.includes(type)) out.set(type, body.subarray(at + 4, at + len));
    at += align(len);
  }
  return out;
}

export function attribute(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const out = Buffer.alloc(align(len));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

/** One request message: header, fixed body, attributes. */
export function request(type: number, flags: number, fixed: Buffer, attrs: Buffer[] = [], seq = 1): Buffer {
  const body = Buffer.concat([fixed, ...attrs]);
  const out = Buffer.alloc(HEADER + body.length);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(NLM_F_REQUEST | flags, 6);
  out.writeUInt32LE(seq, 8);
  out.writeUInt32LE(0, 12);
  body.copy(out, HEADER);
  return out;
}

/** A NUL-terminated string attribute. */
export function cString(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  return value.toString('utf8', 0, end < 0 ? value.length : end);
}
