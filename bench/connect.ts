/**
 * Per-connection cost of hiper's connect() against plain net.connect(), sequential, on loopback, in
 * the same run: the variants alternate within each round so drift hits them alike.
 */
import net from 'node:net';
import { once } from 'node:events';
import { connect } from '../src/connect/index.js';
import { deviceBinding } from '../src/bind/index.js';
import { figure, fmt, isMain, perCallMicros, type Figure } from './stats.js';

export interface ConnectBench {
  variants: Array<{ name: string; usPerConnection: Figure; ratio: number }>;
  connectionsPerRun: number;
}

export async function benchConnect(opts: { quick: boolean }): Promise<ConnectBench> {
  const server = net.createServer((s) => s.on('error', () => {}).destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const count = opts.quick ? 200 : 2_000;
  const rounds = opts.quick ? 1 : 7;

  const plain = async (): Promise<void> => {
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.destroy();
  };
  const hiper = (extra: object) => async (): Promise<void> => {
    const { socket } = await connect({ host: '127.0.0.1', port, ...extra });
    socket.destroy();
  };
  const variants: Array<[string, () => Promise<void>]> = [
    ['net.connect', plain],
    ['hiper connect', hiper({})],
    ['hiper connect host!127.0.0.1 (address-bound)', hiper({ interface: 'host!127.0.0.1' })],
  ];
  if (deviceBinding().available) variants.push(['hiper connect if!lo (device-bound)', hiper({ interface: 'if!lo' })]);

  const samples = variants.map(() => [] as number[]);
  for (const [, fn] of variants) await perCallMicros(fn, 50, 2_000); // warm-up, not counted
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < variants.length; v++) samples[v]!.push(await perCallMicros(variants[v]![1], count, 10_000));
  }
  server.close();
  const base = figure(samples[0]!).median;
  return {
    connectionsPerRun: count,
    variants: variants.map(([name], i) => {
      const f = figure(samples[i]!);
      return { name, usPerConnection: f, ratio: f.median / base };
    }),
  };
}

export function printConnect(r: ConnectBench): void {
  console.log(`connect, sequential on loopback, µs per connection: median (min–max) of runs of ${r.connectionsPerRun}`);
  for (const v of r.variants) console.log(`  ${v.name.padEnd(48)} ${fmt(v.usPerConnection).padEnd(22)} ${v.ratio.toFixed(2)}x`);
}

if (isMain(import.meta.url)) printConnect(await benchConnect({ quick: process.argv.includes('--quick') }));
