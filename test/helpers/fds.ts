/** Open file descriptors of this process: a leak check for sockets. */
import { readdirSync } from 'node:fs';

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Waits (bounded) for destroyed sockets to release their fds: closing completes on a later tick. */
export async function fdsSettle(expected: number, tries = 50): Promise<number> {
  let n = openFds();
  for (let i = 0; i < tries && n > expected; i++) {
    await new Promise((r) => setImmediate(r));
    n = openFds();
  }
  return n;
}
