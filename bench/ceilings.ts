/**
 * Native load generators as ceilings: wrk (one thread; pipelining through a Lua script) and autocannon,
 * each only when installed. A run that saw errors or non-2xx answers gives no figure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A program found on PATH (only there, so that a PATH without it is how a run leaves it out). */
export function onPath(program: string): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { encoding: 'utf8' });
  const path = r.status === 0 ? r.stdout.trim() : '';
  return path.startsWith('/') ? path : undefined;
}

/** The wrk to use, or why there is none. */
export function findWrk(): { path: string } | { skipped: string } {
  const path = onPath('wrk');
  return path ? { path } : { skipped: 'wrk not on PATH (apt-get install wrk)' };
}

export function findAutocannon(): { path: string } | { skipped: string } {
  const path = onPath('autocannon');
  return path ? { path } : { skipped: 'autocannon not on PATH (not a dependency; npm install -g autocannon to include it)' };
}

export function wrkVersion(path: string): string {
  const r = spawnSync(path, ['-v'], { encoding: 'utf8' });
  return /wrk (\S+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
}

function run(cmd: string, args: string[], limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ended with ${code ?? signal}: ${out.trim().slice(-300)}`));
    });
  });
}

/** wrk's pipelining script: `depth` requests written back to back on each connection. */
export function wrkPipelineScript(depth: number, path: string): string {
  return `init = function(args)
  local r = {}
  for i = 1, ${depth} do r[i] = wrk.format(nil, "${path}") end
  req = table.concat(r)
end
request = function() return req end
`;
}

/** Requests per second from wrk's report; throws on socket errors or non-2xx answers. */
export function parseWrk(out: string): number {
  if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`wrk saw non-2xx answers: ${out}`);
  if (/Socket errors/.test(out)) throw new Error(`wrk saw socket errors: ${out}`);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`no Requests/sec in wrk's output: ${out}`);
  return Number(m[1]);
}

export async function wrkReqPerSec(wrk: string, url: string, o: { connections: number; depth: number; seconds: number }): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'hiper-bench-wrk-'));
  try {
    const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`];
    if (o.depth > 1) {
      const script = join(dir, 'pipeline.lua');
      writeFileSync(script, wrkPipelineScript(o.depth, new URL(url).pathname));
      args.push('-s', script);
    }
    return parseWrk(await run(wrk, [...args, url], o.seconds * 1000 + 10_000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function autocannonReqPerSec(path: string, url: string, o: { connections: number; depth: number; seconds: number }): Promise<number> {
  const out = await run(path, ['-j', '-c', String(o.connections), '-p', String(o.depth), '-d', String(o.seconds), url], o.seconds * 1000 + 20_000);
  const json = JSON.parse(out.slice(out.indexOf('{'))) as { requests: { average: number }; non2xx: number; errors: number };
  if (json.non2xx || json.errors) throw new Error(`autocannon saw ${json.non2xx} non-2xx answers and ${json.errors} errors`);
  return json.requests.average;
}
