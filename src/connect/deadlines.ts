/**
 * Connect time limits on the process clock, kept in one first-in first-out list per duration under a
 * single unref'd timer. Starting and cancelling one is an append and an unlink. Node's setTimeout and
 * clearTimeout, one pair per connect, would instead make and drop a timer list and call into C++ each
 * time when connects run one after another; connect is on every new connection's path.
 *
 * Within a list deadlines fall due in order (same duration, increasing start), so the timer only
 * looks at the head of each list. Only connect() with the default clock uses this; an injected clock
 * gets its own setTimeout per connect.
 */

class DeadlineList {
  head: Deadline | undefined;
  tail: Deadline | undefined;
  constructor(readonly ms: number) {}
}

export class Deadline {
  /** performance.now() when it falls due. */
  readonly at: number;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  list: DeadlineList | undefined;
  readonly onDue: () => void;

  constructor(at: number, onDue: () => void) {
    this.at = at;
    this.onDue = onDue;
  }
}

/** Lists by duration (ms). Empty lists are kept while there are few, so back-to-back connects allocate none. */
const lists = new Map<number, DeadlineList>();
const KEEP_EMPTY_LISTS = 16;
let timer: NodeJS.Timeout | undefined;
let timerAt = Infinity;

function arm(at: number, now: number): void {
  if (timer !== undefined) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(expire, Math.max(1, Math.ceil(at - now)));
  timer.unref();
}

function unlink(d: Deadline): void {
  const list = d.list!;
  if (d.prev) d.prev.next = d.next;
  else list.head = d.next;
  if (d.next) d.next.prev = d.prev;
  else list.tail = d.prev;
  d.prev = d.next = d.list = undefined;
}

function expire(): void {
  timer = undefined;
  timerAt = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const [ms, list] of lists) {
    for (let d = list.head; d !== undefined && d.at <= now; d = list.head) {
      unlink(d);
      d.onDue(); // may start new deadlines: they go to the tails, due later than `now`
    }
    if (list.head === undefined) lists.delete(ms);
    else if (list.head.at < next) next = list.head.at;
  }
  if (next < timerAt) arm(next, performance.now());
}

/** Calls `onDue` once `ms` have passed since `now` (performance.now()), unless cancelled first. */
export function startDeadline(ms: number, now: number, onDue: () => void): Deadline {
  const d = new Deadline(now + ms, onDue);
  let list = lists.get(ms);
  if (list === undefined) lists.set(ms, (list = new DeadlineList(ms)));
  d.list = list;
  d.prev = list.tail;
  if (list.tail) list.tail.next = d;
  else list.head = d;
  list.tail = d;
  if (d.at < timerAt) arm(d.at, now);
  return d;
}

/** Cancels a deadline that has not fallen due (a no-op for one that has). The timer is left to run out. */
export function cancelDeadline(d: Deadline): void {
  const list = d.list;
  if (list === undefined) return;
  unlink(d);
  if (list.head === undefined && lists.size > KEEP_EMPTY_LISTS) lists.delete(list.ms);
}

/** Deadlines not yet due or cancelled (for tests). */
export function pendingDeadlines(): number {
  let n = 0;
  for (const list of lists.values()) for (let d = list.head; d; d = d.next) n++;
  return n;
}
