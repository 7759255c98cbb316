/**
 * `hiper demo` (what `npm start` runs): a short tour on this machine with nothing else running. An
 * embedded HTTP server on loopback, then: the interface table, one connect with its trace, and a batch
 * of pipelined transfers with their timings and connections, drawn as a waterfall in a temp dir.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../connect/index.js';
import { Multi, type TransferResult } from '../multi/index.js';
import { errorLines, ms, stdio, traceLines, type Io } from './format.js';
import { ifacesCommand } from './ifaces.js';
import { waterfallSvg } from './waterfall.js';

const TRANSFERS = 20;
const PIPELINE = 8;

/** /item/N answers N KiB of a repeating pattern, keep-alive. */
async function startServer(): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const n = Number(/^\/item\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
    const body = Buffer.alloc(Math.min(n, 1024) * 1024, 'hiper ');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

function heading(io: Io, n: number, title: string, command: string): void {
  io.out.write(`\n${n}. ${title}\n   $ ${command}\n\n`);
}

export async function demoCommand(io: Io = stdio): Promise<number> {
  const { server, port } = await startServer();
  try {
    io.out.write('hiper demo: where traffic leaves from, on this machine (an embedded server on 127.0.0.1, nothing leaves loopback)\n');

    heading(io, 1, 'The interfaces, their addresses and scopes', 'hiper ifaces');
    const indent = { write: (s: string | Uint8Array) => io.out.write(String(s).replace(/^(?=.)/gm, '   ')) };
    await ifacesCommand({ json: false }, indent as NodeJS.WritableStream);

    heading(io, 2, 'One connection, explained: every address, attempt and skip', `hiper connect localhost ${port}`);
    try {
      const { socket, trace } = await connect({ host: 'localhost', port });
      socket.destroy();
      for (const l of traceLines(trace)) io.out.write(`   ${l}\n`);
      if (trace.attempts.some((a) => a.outcome === 'failed')) io.out.write('   (the server listens on IPv4 only: the IPv6 attempt failed and the next address was tried)\n');
    } catch (err) {
      for (const l of errorLines(err)) io.out.write(`   ${l}\n`);
    }

    heading(io, 3, `${TRANSFERS} transfers on one thread, pipelined up to ${PIPELINE} deep`, `hiper get --pipeline ${PIPELINE} http://127.0.0.1:${port}/item/{1..${TRANSFERS}}`);
    const multi = new Multi({ pipelining: true, maxPipelineLength: PIPELINE, maxConnectionsPerHost: 3 });
    const results = await Promise.all(Array.from({ length: TRANSFERS }, (_, i) => multi.add({ url: `http://127.0.0.1:${port}/item/${(i % 7) * 16 + 1}` }).done));
    await multi.close();
    io.out.write(transferTable(results));
    const connections = new Set(results.map((r) => r.info.connectionId)).size;
    const total = Math.max(...results.map((r) => r.info.startTime + r.info.timings.total)) - Math.min(...results.map((r) => r.info.startTime));
    io.out.write(`\n   ${TRANSFERS} transfers on ${connections} connection${connections === 1 ? '' : 's'} in ${ms(total)}: the first waited for its connection (the leader),\n`);
    io.out.write('   the others joined its pipeline once it answered with HTTP/1.1 keep-alive, and a new connection opened when it was full.\n');
    const dir = mkdtempSync(join(tmpdir(), 'hiper-demo-'));
    const svg = join(dir, 'waterfall.svg');
    writeFileSync(svg, waterfallSvg(results.map((r) => r.info), 'hiper demo: pipelined transfers'));
    io.out.write(`   waterfall of the run: ${svg}\n`);

    io.out.write(`
Next, on your own network:
   hiper resolve example.com -6
   hiper connect example.com 443 --interface if!eth0
   hiper get --interface if!eth0 -w '%{local_ip} via %{interface} (%{bind_method}) %{http_code}\\n' https://example.com/
   hiper get --parallel --http2 --waterfall run.svg https://example.com/a https://example.com/b
   hiper --help
`);
    return 0;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

function transferTable(results: TransferResult[]): string {
  const rows = [['#', 'conn', 'pos', 'reused', 'status', 'bytes', 'written', 'first byte', 'total']];
  for (const r of results) {
    const i = r.info;
    rows.push([String(i.id), String(i.connectionId ?? '-'), String(i.pipelinePosition), i.reused ? 'yes' : 'no', String(r.status), String(i.sizeDownload),
      ms(i.timings.pretransfer), ms(i.timings.starttransfer), ms(i.timings.total)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => '   ' + row.map((cell, c) => (c < 5 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n') + '\n';
}
