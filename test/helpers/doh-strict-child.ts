/**
 * Child of the DoH strict test, run with HIPER_DEVICE_BINDING=off: one DoH lookup through a strict
 * transport pinned to an interface; prints the outcome as JSON.
 *
 *   node doh-strict-child.js DOH_URL CA_FILE SPEC
 */
import { readFileSync } from 'node:fs';
import { httpsTransport } from '../../src/connect/index.js';
import { resolve } from '../../src/resolve/index.js';
import { HiperError } from '../../src/shared/index.js';

const [url, caFile, spec] = process.argv.slice(2) as [string, string, string];
try {
  const transport = httpsTransport({ interface: spec, strict: true, ca: readFileSync(caFile, 'utf8') });
  const records = await resolve('www.hiper.test', { doh: { url, transport }, family: 4, cache: false });
  console.log(JSON.stringify({ code: 'resolved', records }));
} catch (err) {
  console.log(JSON.stringify({ code: err instanceof HiperError ? err.code : String(err), message: (err as Error).message }));
}
