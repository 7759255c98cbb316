/**
 * Connection ids as one Multi gives them: every worker's Multi counts its connections from 1, so the
 * ids a caller sees are given here, in the order this thread first hears of each connection, and
 * never shared by two workers' connections. The memory stays bounded: a worker's connection first seen
 * before its `capacity` newest ones is forgotten, and gets a new id if it is still in use.
 */
export class ConnectionIds {
  private seq = 0;
  /** By worker slot, that worker's id → the id shown, in the order first seen. */
  private readonly byShard: Array<Map<number, number>> = [];

  constructor(private readonly capacity = 65_536) {}

  /** The id shown for connection `id` of the worker in slot `shard`. */
  of(shard: number, id: number): number {
    const ids = (this.byShard[shard] ??= new Map());
    let shown = ids.get(id);
    if (shown !== undefined) return shown;
    shown = ++this.seq;
    if (ids.size >= this.capacity) ids.delete(ids.keys().next().value!);
    ids.set(id, shown);
    return shown;
  }

  /** The worker in slot `shard` was replaced: its Multi counts from 1 again. */
  forget(shard: number): void {
    this.byShard[shard]?.clear();
  }
}
