/**
 * What the progress display learns from the run's transfers through the diagnostics channels: the
 * announced body size (Content-Length of the final head) and the bytes sent so far. The DoH lookups'
 * own transfers are left out.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Transfer } from '../multi/index.js';
import { channels } from '../shared/diagnostics.js';
import type { Progress } from './progress.js';

export function feedProgress(progress: Progress, dohUrl: string | undefined): { close(): void } {
  if (!progress.active) return { close: () => {} };
  let sending: Transfer | undefined;
  const own = (t: Transfer): boolean => dohUrl === undefined || !String(t.info.url).startsWith(dohUrl);
  const onStart = (m: unknown): void => {
    const t = (m as { transfer: Transfer }).transfer;
    if (!own(t)) return;
    sending = t;
  };
  const onHeaders = (m: unknown): void => {
    const { transfer, headers } = m as { transfer: Transfer; headers: Array<[string, string]> };
    if (!own(transfer)) return;
    const length = headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
    const size = length !== undefined && /^\d+$/.test(length.trim()) ? Number(length) : undefined;
    progress.expect(transfer.info.method === 'HEAD' ? undefined : size);
  };
  // Upload bytes are read off the transfer's info when the display draws.
  progress.sentBytes = () => sending?.info.sizeUpload ?? 0;
  subscribe(channels.transferStart.name as string, onStart);
  subscribe(channels.transferHeaders.name as string, onHeaders);
  return {
    close: () => {
      progress.sentBytes = undefined;
      unsubscribe(channels.transferStart.name as string, onStart);
      unsubscribe(channels.transferHeaders.name as string, onHeaders);
    },
  };
}
