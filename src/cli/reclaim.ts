/**
 * Node reads each socket chunk into a fresh buffer, and V8 frees the dead ones only when its young
 * generation fills up with objects, which a download hardly makes: a 1 GiB body leaves about 40 MB
 * of dead reads behind on Node 20 and about 90 MB on Node 24. The command asks for a young-generation
 * collection after every 8 MiB received or sent (under a millisecond each), which keeps its memory
 * flat; an upload from a file leaves its read buffers behind the same way.
 * Only the command does this: a program using the library keeps its own garbage-collection policy.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const EVERY = 8 * 1024 * 1024;

type Collect = (options: { type: 'minor' | 'major' }) => void;

function collector(): Collect | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as Collect;
  } catch {
    return undefined;
  }
}

export class ReadReclaimer {
  private readonly collect = collector();
  private since = 0;

  /** Follows what a transfer sends (its info's sizeUpload) until the returned stop is called. */
  followUpload(info: { readonly sizeUpload: number }): () => void {
    if (this.collect === undefined) return () => {};
    let seen = 0;
    const timer = setInterval(() => {
      this.received(info.sizeUpload - seen);
      seen = info.sizeUpload;
    }, 10);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** `bytes` more were received and passed on (or sent). */
  received(bytes: number): void {
    this.since += bytes;
    if (this.since < EVERY || this.collect === undefined) return;
    this.since = 0;
    this.collect({ type: 'minor' });
  }
}
