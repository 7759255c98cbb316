/** Resolves once what this tick queued with process.nextTick has run: a Multi has dispatched the transfers added in it. */
export function endOfTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}
