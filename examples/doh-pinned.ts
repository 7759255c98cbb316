/**
 * DNS-over-HTTPS through a pinned interface: the DoH request itself leaves from the interface (bound
 * to the device where possible, else to its address), so the lookup takes the same path as the traffic
 * it serves. Prints the ordered addresses and their TTLs.
 *
 *   node dist-test/examples/doh-pinned.js NAME DOH_URL INTERFACE [--cacert FILE]
 *
 * INTERFACE is an interface name; the transport takes it as the spec "if!INTERFACE" (an interface,
 * never a local host name), as it takes any of curl's specs: if!NAME, host!ADDR, ifhost!NAME!ADDR.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { httpsTransport } from '../src/connect/index.js';
import { resolve } from '../src/resolve/index.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { cacert: { type: 'string' } } });
const [name, dohUrl, iface] = positionals;
if (!name || !dohUrl || !iface) {
  console.error('usage: doh-pinned NAME DOH_URL INTERFACE [--cacert FILE]');
  process.exit(2);
}
const transport = httpsTransport({ interface: `if!${iface}`, ...(values.cacert ? { ca: readFileSync(values.cacert) } : {}) });
try {
  const addresses = await resolve(name, { doh: { url: dohUrl, transport }, cache: false });
  for (const a of addresses) console.log(`${a.address} IPv${a.family} ttl ${a.ttl ?? '-'} (${a.source})`);
} catch (err) {
  const e = err as { code?: string; message: string };
  console.error(`${e.code ?? 'error'}: ${e.message}`);
  process.exitCode = 1;
}
