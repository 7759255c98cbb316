/**
 * One probe of the start section, in a fresh process (a cold start is what it measures):
 *   start-child.js multi URL   imports hiper's Multi, makes one and adds one transfer of URL (no egress
 *                              options), timing each step, then waits for the whole response
 *   start-child.js net URL     the floor: the first net.connect() and write of a GET in a fresh process,
 *                              then the whole response
 * Prints `RESULT {json}` with the times in ms.
 */
import { connect } from 'node:net';

export interface StartProbe {
  /** multi: the import of hiper's Multi. */
  importMs?: number;
  /** multi: `new Multi()`. */
  constructMs?: number;
  /** multi: the first add() call; net: net.connect() with the write of the request. */
  firstCallMs: number;
  /** From the call to the whole response. */
  transferMs: number;
}

const now = (): number => performance.now();

async function multiProbe(url: string): Promise<StartProbe> {
  const t0 = now();
  const { Multi } = await import('../src/multi/index.js');
  const t1 = now();
  const multi = new Multi();
  const t2 = now();
  const transfer = multi.add({ url });
  const t3 = now();
  const r = await transfer.done;
  const t4 = now();
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  await multi.close();
  return { importMs: t1 - t0, constructMs: t2 - t1, firstCallMs: t3 - t2, transferMs: t4 - t2 };
}

async function netProbe(url: string): Promise<StartProbe> {
  const { hostname, port, pathname } = new URL(url);
  const t0 = now();
  const socket = connect({ host: hostname, port: Number(port) });
  socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  const t1 = now();
  let head = '';
  for await (const chunk of socket) if (head.length < 16) head += (chunk as Buffer).toString('latin1');
  const t2 = now();
  if (!head.startsWith('HTTP/1.1 200')) throw new Error(`answer ${JSON.stringify(head.slice(0, 16))}`);
  return { firstCallMs: t1 - t0, transferMs: t2 - t0 };
}

const [mode, url] = process.argv.slice(2);
if ((mode !== 'multi' && mode !== 'net') || url === undefined) throw new Error('usage: start-child.js multi|net URL');
const probe = await (mode === 'multi' ? multiProbe(url) : netProbe(url));
process.stdout.write(`RESULT ${JSON.stringify(probe)}\n`);
