/** The one response every benchmark asks for: a body of a known size, so each client's byte count can be checked. */

export const BODY_BYTES = 1024;
export const BODY_PATH = '/1k';

/** The same bytes from every server (nginx serves it from a file). */
export function benchBody(): Buffer {
  const b = Buffer.alloc(BODY_BYTES);
  for (let i = 0; i < BODY_BYTES; i++) b[i] = 0x61 + (i % 26);
  return b;
}

/** A body of the wrong size means a client (or the bench) is broken: the figure is not reported. */
export function checkBytes(client: string, got: number): void {
  if (got !== BODY_BYTES) throw new Error(`${client} read ${got} body bytes, expected ${BODY_BYTES}`);
}
