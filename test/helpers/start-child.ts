/**
 * Child process of the start tests, so that what it sees is a fresh process's start: runs one transfer
 * of URL with the egress options given as JSON, then prints one JSON line: the status, whether the
 * process's interface table was read, and whether the addon is mapped into the process.
 *
 *   start-child.js URL '{"interface":"lo"}'
 */
import { readFileSync } from 'node:fs';
import { Multi } from '../../src/multi/index.js';
import { interfaceTable } from '../../src/bind/index.js';

const [url, egress = '{}'] = process.argv.slice(2);
const multi = new Multi();
try {
  const r = await multi.add({ url: url!, ...(JSON.parse(egress) as object) }).done;
  const addonMapped = readFileSync('/proc/self/maps', 'utf8').includes('hiper_bind.node');
  process.stdout.write(`${JSON.stringify({ status: r.status, tableRead: interfaceTable().isRead, addonMapped })}\n`);
} finally {
  await multi.close();
}
