/** What the namespace beds share: running a command, and starting a peer network namespace. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export function run(args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Polls a condition with a bounded number of tries (no blind sleeps). */
export async function until(what: string, check: () => boolean, tries = 100, everyMs = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A process in a network namespace of its own, once the namespace exists. Refuses to run anywhere but
 * in a fresh namespace (lo alone), so that a real host's interfaces are never touched; brings lo up.
 */
export async function startPeerNamespace(bedName: string): Promise<ChildProcess> {
  const links = run(['ip', '-o', 'link']).split('\n').filter(Boolean);
  if (links.length !== 1 || !links[0]!.includes(' lo:')) {
    throw new Error(`the ${bedName} is built only inside a fresh network namespace (run the netns suite through npm test)`);
  }
  run(['ip', 'link', 'set', 'lo', 'up']);
  const peer = spawn('unshare', ['-n', 'sleep', '600'], { stdio: 'ignore' });
  const self = run(['readlink', '/proc/self/ns/net']).trim();
  await until('the peer namespace', () => {
    try { return run(['readlink', `/proc/${peer.pid}/ns/net`]).trim() !== self; } catch { return false; }
  });
  return peer;
}

/** Ends the processes a bed started (its servers, then its peer namespace) and waits for each to exit. */
export async function endProcesses(processes: readonly ChildProcess[]): Promise<void> {
  for (const c of processes) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill();
      await once(c, 'exit');
    }
  }
}

/** Runs an ES module `source` with node through `nsenter` (into a peer namespace); resolves once it prints "ready". */
export async function startNodeIn(nsenter: readonly string[], source: string): Promise<ChildProcess> {
  const child = spawn(nsenter[0]!, [...nsenter.slice(1), process.execPath, '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        if (buffered.includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`peer program exited (${code}) before it was ready`)));
    });
  } catch (e) {
    child.kill();
    throw e;
  }
  return child;
}
