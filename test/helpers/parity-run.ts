/**
 * One side of a parity case: a client (curl or `hiper get`) run in a fresh directory, steps in order,
 * with stdout kept as bytes and the directory's files read back afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CLI } from './cli.js';

export type Client = 'curl' | 'hiper';

export interface StepResult {
  code: number | null;
  out: Buffer;
  err: string;
}

export interface SideResult {
  client: Client;
  steps: StepResult[];
  /** Every file in the directory after the last step, by relative path. */
  files: Map<string, Buffer>;
  ms: number;
}

/** The environment both clients get: no proxy settings, and a HOME with no .curlrc in it. */
function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/proxy/i.test(k) && !/^CURL_HOME$/i.test(k)) env[k] = v;
  return { ...env, HOME: home, XDG_CONFIG_HOME: home };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: Buffer.concat(out), err });
    });
  });
}

function readTree(dir: string, root = dir, into = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) readTree(p, root, into);
    else into.set(relative(root, p), readFileSync(p));
  }
  return into;
}

export interface SideOptions {
  /** Argument lists, run one after the other in the same directory. */
  steps: string[][];
  /** Files put in the directory before the first step. */
  files?: Record<string, string | Buffer>;
  timeoutMs?: number;
}

/** Runs the steps with `client` in a new directory (its cwd), then removes the directory. */
export async function runSide(client: Client, options: SideOptions): Promise<SideResult> {
  const base = mkdtempSync(join(tmpdir(), `parity-${client}-`));
  const cwd = join(base, 'cwd');
  const home = join(base, 'home');
  mkdirSync(cwd);
  mkdirSync(home);
  try {
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(cwd, name), content);
    const env = cleanEnv(home);
    const started = Date.now();
    const steps: StepResult[] = [];
    for (const args of options.steps) {
      steps.push(client === 'curl'
        ? await run('/usr/bin/curl', args, cwd, env, options.timeoutMs ?? 15_000)
        : await run(process.execPath, [CLI, 'get', ...args], cwd, env, options.timeoutMs ?? 15_000));
    }
    return { client, steps, files: readTree(cwd), ms: Date.now() - started };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
