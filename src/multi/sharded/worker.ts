/**
 * The worker thread of the ShardedMulti worker pool: a Multi for each ShardedMulti that uses it
 * (hosted-multi.ts), the interface table its main thread sends (never read from netlink here), and
 * lookups through the main thread's resolver and cache (worker-lookups.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { feedInterfaceTable } from '../../bind/live.js';
import { HostedMulti } from './hosted-multi.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { tableFromWire } from './table-wire.js';
import { WorkerLookups } from './worker-lookups.js';
import { fromWire } from './wire.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const toMainClock = performance.timeOrigin - init.timeOrigin;
/** What this turn of the event loop reports, sent as one message once the turn's I/O is handled. */
let outbox: FromWorker[] = [];
let moving: ArrayBuffer[] = [];
const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(m);
  if (transfer !== undefined) moving.push(...transfer);
};
function flush(): void {
  const items = outbox;
  const transfer = moving;
  outbox = [];
  moving = [];
  port.postMessage(items.length === 1 ? items[0] : { t: 'batch', items } satisfies FromWorker, transfer);
}
feedInterfaceTable(tableFromWire(init.table));
const lookups = new WorkerLookups(post);
const multis = new Map<number, HostedMulti>();

port.on('message', handle);

function handle(m: ToWorker): void {
  switch (m.t) {
    case 'batch':
      for (const item of m.items) handle(item);
      return;
    case 'open':
      multis.set(m.m, new HostedMulti({ m: m.m, options: m.options, report: m.report, resolver: lookups.resolver, toMainClock, post }));
      return;
    case 'add':
      return multis.get(m.m)?.add(m);
    case 'remove':
      return multis.get(m.m)?.remove(m.id);
    case 'hold':
    case 'release':
      return multis.get(m.m)?.hold(m.id, m.t === 'hold');
    case 'ack':
      return multis.get(m.m)?.ack(m.id, m.bytes);
    case 'report':
      return multis.get(m.m)?.report();
    case 'forget-tls':
      return multis.get(m.m)?.forgetTls(m.ref);
    case 'close': {
      const hosted = multis.get(m.m);
      multis.delete(m.m);
      const closed = (): void => post({ t: 'closed', m: m.m });
      if (hosted === undefined) closed();
      else hosted.close().then(closed, closed);
      return;
    }
    case 'looked-up':
      return lookups.answered(m.rid, m.records);
    case 'lookup-failed':
      return lookups.answered(m.rid, undefined, fromWire(m.error));
    case 'table':
      return feedInterfaceTable(tableFromWire(m.table));
  }
}
