/**
 * The parent's side of a client in its own process (client-child.ts): start it, ask it for one bounded
 * load at a time, close it. Every child has a hard time limit, every answer a deadline; a child that
 * crashes, stalls or breaks a limit is killed, and what was asked of it fails with the reason.
 * Children still alive when this process exits are killed with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Skipped } from './clients.js';
import type { ClientSpec } from './client-spec.js';
import type { FromChild, ToChild } from './client-child.js';
import { STALL_MS, type Bounds, type LoadRun, type Runner } from './load.js';

const CHILD = fileURLToPath(new URL('./client-child.js', import.meta.url));
/** Time for a child to start and make its client (an h2 client includes a TLS handshake). */
const START_MS = 15_000;
/** Room beyond a run's own stall limit for the child's answer to arrive. */
const ANSWER_MS = 3_000;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface ClientProcess extends Runner {
  readonly kind: ClientSpec['kind'];
  readonly pid: number;
  close(): Promise<void>;
}

class Child {
  private readonly proc: ChildProcess;
  private readonly life: NodeJS.Timeout;
  /** Why the child can no longer be used. */
  private gone: string | undefined;
  private waiting: { resolve(m: FromChild): void; reject(e: Error): void; timer: NodeJS.Timeout } | undefined;

  /** The client's name once it is made; its kind until then. */
  constructor(public label: string, lifeMs: number) {
    this.proc = fork(CHILD, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    live.add(this.proc);
    this.life = setTimeout(() => this.kill(`killed at its time limit of ${lifeMs} ms`), lifeMs);
    this.proc.on('message', (m: FromChild) => this.answer(m));
    this.proc.once('error', (e) => this.end(`could not run (${e.message})`));
    this.proc.once('exit', (code, signal) => {
      live.delete(this.proc);
      clearTimeout(this.life);
      this.end(`its process ended (${code ?? signal})`);
    });
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  /** One message to the child and its answer within `ms`; the child is killed if none comes. */
  ask(m: ToChild, ms: number): Promise<FromChild> {
    if (this.gone) return Promise.reject(new Error(`${this.label}: ${this.gone}`));
    if (this.waiting) return Promise.reject(new Error(`${this.label}: asked twice at once`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.kill(`no answer within ${ms} ms (stalled)`), ms);
      this.waiting = { resolve, reject, timer };
      this.proc.send(m, (e) => {
        if (e) this.kill(`could not be reached (${e.message})`);
      });
    });
  }

  private answer(m: FromChild): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    clearTimeout(w.timer);
    w.resolve(m);
  }

  /** The child is unusable from now on; a question waiting for it fails with the reason. */
  private end(why: string): void {
    this.gone ??= why;
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    clearTimeout(w.timer);
    w.reject(new Error(`${this.label}: ${this.gone}`));
  }

  kill(why: string): void {
    this.end(why);
    this.proc.kill('SIGKILL');
  }

  /** Asks the child to close its client and exit; kills it if it has not within `ms`. */
  async close(ms: number): Promise<void> {
    clearTimeout(this.life);
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    const timer = setTimeout(() => this.kill('did not exit when closed'), ms);
    if (this.gone === undefined) this.proc.send({ op: 'close' } satisfies ToChild, () => {});
    else this.proc.kill('SIGKILL');
    await exited;
    clearTimeout(timer);
    this.gone ??= 'closed';
  }
}

/**
 * A client in a child process of its own, ready to run; or why the client is left out (`skipped`: not
 * available here). Throws when the child broke while starting (a failure).
 */
export async function startClientProcess(spec: ClientSpec, lifeMs: number): Promise<ClientProcess | Skipped> {
  const child = new Child(spec.kind, lifeMs);
  let m: FromChild;
  try {
    m = await child.ask({ op: 'init', spec }, START_MS);
  } catch (e) {
    await child.close(2_000);
    throw e;
  }
  if (m.op !== 'ready') {
    await child.close(2_000);
    if (m.op === 'skipped') return { skipped: m.reason };
    throw new Error(`${spec.kind}: ${m.op === 'error' ? m.message : `unexpected answer ${m.op}`}`);
  }
  const name = m.name;
  child.label = name;
  return {
    kind: spec.kind,
    name,
    pid: child.pid,
    async run(path: string, bounds: Bounds): Promise<LoadRun> {
      const a = await child.ask({ op: 'run', path, bounds }, bounds.maxMs + (bounds.stallMs ?? STALL_MS) + ANSWER_MS);
      if (a.op === 'ran') return a.run;
      throw new Error(a.op === 'error' ? a.message : `${name}: unexpected answer ${a.op}`);
    },
    close: () => child.close(2_000),
  };
}
