/**
 * The responses the benchmarks ask for: fixed bodies of known sizes, one per path, so that each client's
 * byte count can be checked. Every server answers every path here (nginx serves them from files).
 */

/** Path → body bytes. */
export const BODIES: Readonly<Record<string, number>> = {
  '/1k': 1024,
  '/1m': 1024 * 1024,
};

/** The small body most scenarios ask for. */
export const BODY_PATH = '/1k';
/** The large body of the buffered-read scenario. */
export const LARGE_BODY_PATH = '/1m';

/** The known size of a path's body; throws for a path no server answers. */
export function bodyBytes(path: string): number {
  const n = BODIES[path];
  if (n === undefined) throw new Error(`no bench body at ${path} (known: ${Object.keys(BODIES).join(', ')})`);
  return n;
}

/** The same bytes from every server. */
export function benchBody(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = 0x61 + (i % 26);
  return b;
}

/** A body of the wrong size means a client (or the bench) is broken: the figure is not reported. */
export function checkBytes(client: string, path: string, got: number): void {
  const want = bodyBytes(path);
  if (got !== want) throw new Error(`${client} read ${got} body bytes of ${path}, expected ${want}`);
}

/** "1 KiB", "1 MiB". */
export function sizeLabel(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}
