/**
 * Which worker a transfer goes to: the one its pool key (scheme, host, port, egress) hashes to, the
 * key one Multi pools connections by, so that transfers that could share a connection (reuse,
 * pipelining, leader queueing) always meet in the same worker's Multi.
 */
import { connectHost, type TargetUrl } from '../../shared/url.js';
import { ONLY_HTTP11 } from '../host.js';
import { egressKey } from '../options.js';
import type { MultiOptions, TransferOptions } from '../types.js';

/** The pool key of a transfer, as Multi.add makes it. */
export function poolKey(options: TransferOptions, target: TargetUrl, defaults: Pick<MultiOptions, 'tls' | 'httpVersion'>): string {
  const https = target.scheme === 'https';
  const version = options.httpVersion ?? defaults.httpVersion;
  const only11 = https && (version === '1.1' || version === '1.0');
  const egress = egressKey(options, https ? options.tls ?? defaults.tls : undefined) + (only11 ? ONLY_HTTP11 : '');
  return `${target.scheme}|${connectHost(target)}|${target.port}|${egress}`;
}

/** FNV-1a over the key's UTF-16 units, folded onto `shards` (the same key always gives the same shard). */
export function shardOf(key: string, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
