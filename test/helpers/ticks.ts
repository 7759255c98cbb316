/**
 * Resolves once the promise reactions queued so far and this tick's nextTick callbacks have run: a Multi
 * has then dispatched the transfers added just before.
 */
export function endOfTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}
