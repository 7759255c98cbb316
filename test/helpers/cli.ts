/** Runs the compiled `hiper` command, or an example, as a child process: exit code, stdout and stderr. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A compiled example script by name ("health-check"). */
export function example(name: string): string {
  return fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
}

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  return runNode(CLI, args, options);
}

export function runNode(script: string, args: string[], options: RunOptions = {}): Promise<CliRun> {
  return runProgram(process.execPath, [script, ...args], options);
}

/** Debian's real curl with these arguments (parity tests). */
export function runCurl(args: string[], options: RunOptions = {}): Promise<CliRun> {
  return runProgram('curl', args, options);
}

export function runProgram(program: string, args: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} ${args.join(' ')} did not finish within ${options.timeoutMs ?? 20_000} ms\n${out}\n${err}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
