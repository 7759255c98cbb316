/**
 * A multi-homed health check: one target probed through every interface of this host, each probe
 * pinned with `if!NAME`, and a line per interface saying whether it works, from which address, and
 * what was skipped (an interface without IPv6 falls back to IPv4: curl bug 1189's fix).
 *
 *   node dist-test/examples/health-check.js URL [--resolve HOST:PORT:ADDR[,ADDR...]] [--timeout MS]
 */
import { parseArgs } from 'node:util';
import { interfaceTable } from '../src/bind/index.js';
import { Multi } from '../src/multi/index.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { resolve: { type: 'string', multiple: true }, timeout: { type: 'string' } } });
const url = positionals[0];
if (!url) {
  console.error('usage: health-check URL [--resolve HOST:PORT:ADDR[,ADDR...]] [--timeout MS]');
  process.exit(2);
}

const multi = new Multi({ connectTimeout: Number(values.timeout ?? 3000) });
const names = interfaceTable({ refresh: true }).interfaces.map((i) => i.name);
const probes = names.map((name) => {
  const t = multi.add({ url, interface: `if!${name}`, ...(values.resolve ? { resolve: { pinned: values.resolve } } : {}) });
  return t.done.then(
    ({ status, info }) => {
      const skipped = info.connectTrace?.skips.map((s) => ` (skipped ${s.remote}: ${s.reason})`).join('') ?? '';
      return `${name}: ok ${status} from ${info.local?.address} (${info.bindMethod}) in ${info.timings.total.toFixed(1)} ms${skipped}`;
    },
    (err: { code?: string; message: string }) => `${name}: failed ${err.code ?? 'error'}: ${err.message.split('\n')[0]}`,
  );
});
for (const line of await Promise.all(probes)) console.log(line);
await multi.close();
