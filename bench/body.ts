/**
 * The responses the benchmarks ask for: fixed bodies of known sizes, one per path, so that each client's
 * byte count can be checked. Every server answers every path here (nginx serves them from files).
 * Downloads are larger than a server keeps in memory: node:http writes one 1 MiB buffer over and over,
 * waiting for 'drain' (backpressure), and nginx serves a sparse file of that size.
 */

const MiB = 1024 * 1024;

/** Path → body bytes. */
export const BODIES: Readonly<Record<string, number>> = {
  '/1k': 1024,
  '/1m': MiB,
  '/16m': 16 * MiB,
};

/** Path → bytes of the downloads (answered as streams, never held whole). */
export const DOWNLOADS: Readonly<Record<string, number>> = {
  '/download-64m': 64 * MiB,
  '/download-1g': 1024 * MiB,
};

/** The piece a node:http server writes a download with. */
export const DOWNLOAD_PIECE = MiB;

/** The small body most scenarios ask for. */
export const BODY_PATH = '/1k';

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

/** The path of the download of `bytes`; throws for a size no server answers. */
export function downloadPath(bytes: number): string {
  const path = Object.keys(DOWNLOADS).find((p) => DOWNLOADS[p] === bytes);
  if (path === undefined) throw new Error(`no bench download of ${bytes} bytes (known: ${Object.values(DOWNLOADS).join(', ')})`);
  return path;
}

/** "1 KiB", "1 MiB", "1 GiB". */
export function sizeLabel(bytes: number): string {
  return bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : bytes >= MiB ? `${bytes / MiB} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}
