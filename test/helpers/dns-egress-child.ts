/**
 * Child of the DNS egress tests, run with HIPER_DEVICE_BINDING=off (device binding is decided once per
 * process): resolves argv[2] with the JSON options in argv[3] and prints one JSON line with the
 * records or the error, and every "hiper:dns:query" message.
 */
import { subscribe } from 'node:diagnostics_channel';
import { resolve, type DnsQueryMessage, type ResolveOptions } from '../../src/resolve/index.js';
import { HiperError } from '../../src/shared/index.js';

const messages: DnsQueryMessage[] = [];
subscribe('hiper:dns:query', (m) => messages.push(m as DnsQueryMessage));
const [name, options] = [process.argv[2]!, JSON.parse(process.argv[3]!) as ResolveOptions];
try {
  const records = await resolve(name, options);
  console.log(JSON.stringify({ records, messages }));
} catch (err) {
  console.log(JSON.stringify({ error: { code: err instanceof HiperError ? err.code : String(err), message: (err as Error).message }, messages }));
}
