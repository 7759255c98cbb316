/**
 * One client under test in a process of its own (forked by client-process.ts, talking over the IPC
 * channel): made from the spec in the first message, then one bounded load per `run` message, measured
 * with this process's own CPU time. Exits on `close`, and when the parent goes away.
 */
import { isSkipped, type BenchClient } from './clients.js';
import { makeClient, type ClientSpec } from './client-spec.js';
import { drive, type Bounds, type LoadRun } from './load.js';

export type ToChild =
  | { op: 'init'; spec: ClientSpec }
  | { op: 'run'; path: string; bounds: Bounds }
  | { op: 'close' };

export type FromChild =
  | { op: 'ready'; name: string }
  | { op: 'skipped'; reason: string }
  | { op: 'ran'; run: LoadRun }
  | { op: 'error'; message: string };

const send = (m: FromChild): void => void process.send!(m);
const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

let client: BenchClient | undefined;

async function handle(m: ToChild): Promise<void> {
  switch (m.op) {
    case 'init': {
      const c = await makeClient(m.spec);
      if (isSkipped(c)) return send({ op: 'skipped', reason: c.skipped });
      client = c;
      return send({ op: 'ready', name: c.name });
    }
    case 'run':
      if (client === undefined) return send({ op: 'error', message: 'run before init' });
      return send({ op: 'ran', run: await drive(client, m.path, m.bounds) });
    case 'close':
      await client?.close();
      process.exit(0);
  }
}

if (!process.send) throw new Error('client-child.js runs as a forked child (client-process.ts)');
process.on('message', (m: ToChild) => {
  handle(m).catch((e: unknown) => send({ op: 'error', message: firstLine(e) }));
});
// The parent is gone (ended, or killed by its own time limit): nothing left to measure for.
process.on('disconnect', () => process.exit(0));
