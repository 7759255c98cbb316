/**
 * IPv6 link-local with a zone id: a URL like http://[fe80::1%25eth0]:8080/ (the RFC 6874 form that
 * WHATWG URL, and so fetch, rejects) works as it is in hiper's own API, and the connection leaves
 * through the zone's interface. Prints where it left from.
 *
 *   node dist-test/examples/link-local.js 'http://[fe80::1%25eth0]:8080/'
 */
import { Multi } from '../src/multi/index.js';

const url = process.argv[2];
if (!url) {
  console.error("usage: link-local 'http://[fe80::1%25IFACE]:PORT/'");
  process.exit(2);
}
const multi = new Multi();
try {
  const { status, info } = await multi.add({ url }).done;
  console.log(`${status} from [${info.local?.address}]:${info.local?.port} via ${info.interface ?? '(no interface)'} (${info.bindMethod}) to [${info.remote?.address}]:${info.remote?.port}`);
} catch (err) {
  const e = err as Error & { code?: string };
  console.error(`${e.code ?? 'error'}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await multi.close();
}
