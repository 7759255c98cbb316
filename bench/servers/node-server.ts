/** Starts the node:http benchmark server as a child process, with the open-file limit raised for c10k. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { withRaisedNofile, type NofileLimit } from '../fdlimit.js';

export interface NodeServer {
  h1Port: number;
  /** 0 when started without a certificate. */
  h2Port: number;
  nofile: NofileLimit | undefined;
  pid: number;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./node-server-main.js', import.meta.url));

export async function startNodeServer(cert?: { keyPath: string; certPath: string }): Promise<NodeServer> {
  const cmd = withRaisedNofile(process.execPath, [MAIN, JSON.stringify(cert ?? {})]);
  const child = spawn(cmd.command, cmd.args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = await readyLine(child, 10_000);
  return {
    h1Port: ready.h1,
    h2Port: ready.h2,
    nofile: ready.nofile,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

function readyLine(child: ChildProcess, ms: number): Promise<{ h1: number; h2: number; nofile?: NofileLimit }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the node benchmark server did not start within ${ms} ms`)), ms);
    const lines = createInterface({ input: child.stdout! });
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.once('exit', (code, signal) => fail(new Error(`the node benchmark server exited (${code ?? signal}) before it was ready`)));
    child.once('error', fail);
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(JSON.parse(line.slice(6)));
    });
  });
}

/** Closes the child's stdin (its signal to exit); kills it if it has not gone within 2 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await gone;
  clearTimeout(timer);
}
