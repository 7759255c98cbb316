/**
 * Pins fetch's egress with hiper's undici connector and prints what happened: which local address
 * the connection left from, what was tried and what was skipped.
 *
 *   node dist-test/examples/pin-fetch-egress.js URL [INTERFACE] [--resolve HOST:PORT:ADDR[,ADDR...]]
 *   HIPER_URL=... HIPER_INTERFACE=if!eth1 node dist-test/examples/pin-fetch-egress.js
 *
 * URL may carry a zone ("http://[fe80::1%25eth0]:8080/"): fetch's URL parser rejects it, so it is split
 * off and given to the connector. In an application, import from 'hiper/adapters'.
 */
import { parseArgs } from 'node:util';
import { Agent, fetch } from 'undici';
import { hiperConnector, splitZone, type HiperConnectorOptions } from '../src/adapters/index.js';
import type { ConnectTrace } from '../src/connect/index.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { resolve: { type: 'string', multiple: true } } });
const target = positionals[0] ?? process.env.HIPER_URL;
const egress = positionals[1] ?? process.env.HIPER_INTERFACE;
if (!target) {
  console.error('usage: pin-fetch-egress URL [INTERFACE] [--resolve HOST:PORT:ADDR[,ADDR...]]');
  process.exit(2);
}

const { url, zone } = splitZone(target);
let trace: ConnectTrace | undefined;
const options: HiperConnectorOptions = { onConnect: (t) => (trace = t) };
if (egress) options.interface = egress;
if (zone) options.zone = zone;
if (values.resolve) options.resolve = { pinned: values.resolve };
const dispatcher = new Agent({ connect: hiperConnector(options) });

console.log(`GET ${url}${zone ? ` (zone ${zone})` : ''} via ${egress ?? 'any interface'}`);
try {
  const res = await fetch(url, { dispatcher });
  const body = await res.text();
  if (trace) {
    const { local, remote, bindMethod, attempts, skips } = trace;
    console.log(`connected from ${local.address} port ${local.port} to ${remote.address} port ${remote.port} (bound by ${bindMethod}, ${attempts.length} attempt(s))`);
    for (const s of skips) console.log(`skipped ${s.remote}: ${s.reason}`);
  }
  console.log(`status ${res.status}: ${body.trim().split('\n')[0]}`);
} catch (err) {
  const cause = (err as Error).cause as { code?: string; message?: string } | undefined;
  console.log(`failed: ${cause?.code ?? (err as Error).name}: ${cause?.message ?? (err as Error).message}`);
  process.exitCode = 1;
} finally {
  await dispatcher.close();
}
