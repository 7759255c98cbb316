/**
 * c10k: per-request time on one active connection while 10, 1,000 and 10,000 idle keep-alive
 * connections are open in the same client, and the client's RSS per idle connection. Each client runs
 * in a child process (clean memory figures, and an open-file limit raised to the hard limit).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { withRaisedNofile, type NofileLimit } from './fdlimit.js';
import type { ClientKind } from './clients.js';
import type { C10kArgs } from './c10k-child.js';
import type { C10kClient, C10kResult } from './results.js';

const CHILD = fileURLToPath(new URL('./c10k-child.js', import.meta.url));
/** 'net' is a bare socket per connection, no HTTP client: the floor for RSS and latency. */
export const C10K_KINDS: ClientKind[] = ['hiper', 'undici', 'node:http', 'net'];

export interface C10kPlan {
  levels: number[];
  rounds: number;
  count: number;
  maxMs: number;
  warmup: number;
  growMs: number;
  /** Time limit for one client's whole child process, ms. */
  childMs: number;
}

function runChild(args: C10kArgs, limitMs: number): Promise<C10kClient> {
  const cmd = withRaisedNofile(process.execPath, ['--expose-gc', CHILD, JSON.stringify(args)]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let result: C10kClient | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as C10kClient;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`the c10k child for ${args.kind} ended with ${code ?? signal} and no result${signal === 'SIGKILL' ? ` (time limit ${limitMs} ms)` : ''}`));
    });
  });
}

export async function benchC10k(server: { name: string; port: number; nofile: NofileLimit | undefined }, plan: C10kPlan, log: (line: string) => void): Promise<C10kResult> {
  const out: C10kResult = { server: server.name, serverNofile: server.nofile, requestsPerRun: plan.count, clients: [], skipped: [] };
  // The server holds one socket per client connection too.
  const levels = plan.levels.filter((n) => {
    if (server.nofile === undefined || n + 100 <= server.nofile.soft) return true;
    out.skipped.push({ name: `${n} idle`, reason: `the server's open-file limit ${server.nofile.soft} is too low` });
    return false;
  });
  const raisedBy = withRaisedNofile(process.execPath, []).how;
  for (const kind of C10K_KINDS) {
    const args: C10kArgs = { kind, origin: `http://127.0.0.1:${server.port}`, levels, rounds: plan.rounds, count: plan.count, maxMs: plan.maxMs, warmup: plan.warmup, growMs: plan.growMs, raisedBy };
    try {
      const r = await runChild(args, plan.childMs);
      out.clients.push(r);
      for (const s of r.skipped) out.skipped.push(s);
      // Memory per idle connection means something only over many connections: shown for the largest level.
      const last = r.levels[r.levels.length - 1];
      const us = r.levels.map((l) => `${l.idle} idle ${l.usPerRequest.median.toFixed(1)}`).join(', ');
      log(`  ${r.name}: ${last ? `µs/request at ${us}; ${(last.rssPerIdle / 1024).toFixed(1)} KiB RSS per idle connection` : r.skipped.map((s) => s.reason).join('; ')}`);
    } catch (e) {
      out.skipped.push({ name: kind, reason: (e as Error).message, failed: true });
    }
  }
  const vsNet = rssAgainstNet(out);
  if (vsNet) log(`  RSS per idle connection at ${vsNet.idle} idle: hiper ${(vsNet.hiper / 1024).toFixed(1)} KiB, a bare net.Socket ${(vsNet.net / 1024).toFixed(1)} KiB (${(vsNet.hiper / vsNet.net).toFixed(2)}x)`);
  return out;
}

/** hiper's RSS per idle connection and a bare net.Socket's, at the largest level both reached. */
export function rssAgainstNet(r: C10kResult): { idle: number; hiper: number; net: number } | undefined {
  const top = (kind: ClientKind) => {
    const levels = r.clients.find((c) => c.kind === kind)?.levels ?? [];
    return levels[levels.length - 1];
  };
  const hiper = top('hiper');
  const net = top('net');
  if (hiper === undefined || net === undefined || hiper.idle !== net.idle || net.rssPerIdle <= 0) return undefined;
  return { idle: hiper.idle, hiper: hiper.rssPerIdle, net: net.rssPerIdle };
}
