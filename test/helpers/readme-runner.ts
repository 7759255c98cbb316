/**
 * Runs README.md's snippets where their servers are: inside a fresh network namespace, as
 *
 *   unshare -rn node dist-test/test/helpers/readme-runner.js PLAN.json
 *
 * Brings lo up, makes a certificate for localhost, 127.0.0.1 and ::1, starts the README's servers at
 * their fixed places (readme-servers.ts), then runs each snippet of the plan one after another in the
 * consumer project, with the certificate trusted through NODE_EXTRA_CA_CERTS and a hard time limit.
 * Prints one JSON array on stdout: every snippet's exit code, signal, whether the limit killed it,
 * stdout and stderr. Snippets run with spawn, not spawnSync: the servers live in this process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makeCert } from './cert.js';
import { startReadmeServers } from './readme-servers.js';

export interface RunnerPlan {
  /** Where the snippets run: the consumer project. */
  cwd: string;
  /** Hard limit per snippet, ms: then its process group is killed. */
  timeoutMs: number;
  snippets: Array<{ name: string; argv: string[] }>;
}

export interface SnippetRun {
  name: string;
  code: number | null;
  signal: string | null;
  /** Killed by the time limit rather than ended by itself. */
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function runOne(plan: RunnerPlan, snippet: RunnerPlan['snippets'][number], env: NodeJS.ProcessEnv): Promise<SnippetRun> {
  const started = performance.now();
  // A process group of its own, so the limit ends what the snippet started too (sh → npx → node).
  const child = spawn(snippet.argv[0]!, snippet.argv.slice(1), { cwd: plan.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
  }, plan.timeoutMs);
  return new Promise((resolve) => {
    child.on('error', (err) => (stderr += `spawn failed: ${err.message}\n`));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ name: snippet.name, code, signal, timedOut, ms: Math.round(performance.now() - started), stdout, stderr });
    });
  });
}

const planPath = process.argv[2];
if (!planPath) throw new Error('usage: unshare -rn node readme-runner.js PLAN.json');
const plan = JSON.parse(readFileSync(planPath, 'utf8')) as RunnerPlan;

// The ports are fixed: never start the servers in a namespace that has more than a loopback link.
const links = ip(['-o', 'link']).split('\n').filter(Boolean);
if (links.length !== 1 || !links[0]!.includes(' lo:')) throw new Error('readme-runner runs only inside a fresh network namespace (unshare -rn)');
ip(['link', 'set', 'lo', 'up']);

const cert = makeCert(['localhost', '127.0.0.1', '::1']);
const servers = await startReadmeServers(cert);
const env = { ...process.env, NODE_EXTRA_CA_CERTS: cert.certPath };
const results: SnippetRun[] = [];
try {
  for (const snippet of plan.snippets) results.push(await runOne(plan, snippet, env));
} finally {
  await servers.close();
  cert.cleanup();
}
process.stdout.write(JSON.stringify(results));
