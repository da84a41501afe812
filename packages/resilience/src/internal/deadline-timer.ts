/** One in-flight attempt watched by a `DeadlineTimer`: a node of its list, in deadline order. */
export interface DeadlineEntry {
  readonly controller: AbortController;
  /** The attempt number, for the timeout event. */
  readonly attempt: number;
  readonly deadline: number;
  timedOut: boolean;
  previous: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  linked: boolean;
}

/**
 * Aborts attempts that outlive `timeoutMs`, with one timer for all of them.
 *
 * Why not cockatiel's `TimeoutPolicy`: it arms a Node timer per call, and creating and clearing a timer
 * per call cost more than the whole rest of the policy (bench/resilience measures it). Every attempt of
 * a policy has the same `timeoutMs` and a monotonic start time, so deadlines arrive in order: a doubly
 * linked list in insertion order is a priority queue, a settled attempt unlinks itself in O(1), and the
 * single timer sleeps until the oldest attempt still running. It wakes about once per `timeoutMs`.
 */
export class DeadlineTimer {
  private first: DeadlineEntry | undefined;
  private last: DeadlineEntry | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (entry: DeadlineEntry) => void,
  ) {}

  /** Starts watching `controller`: it is aborted with a `TimeoutError` when the deadline passes. */
  add(controller: AbortController, attempt: number): DeadlineEntry {
    // performance.now() is monotonic: a wall-clock step cannot reorder the list or fire early.
    const deadline = performance.now() + this.timeoutMs;
    const entry: DeadlineEntry = {
      controller,
      attempt,
      deadline,
      timedOut: false,
      previous: this.last,
      next: undefined,
      linked: true,
    };
    if (this.last) this.last.next = entry;
    else this.first = entry;
    this.last = entry;
    if (this.timer === undefined) this.arm(deadline);
    return entry;
  }

  /** Stops watching: the attempt settled. Safe to call twice, and after the entry timed out. */
  remove(entry: DeadlineEntry): void {
    if (!entry.linked) return;
    entry.linked = false;
    if (entry.previous) entry.previous.next = entry.next;
    else this.first = entry.next;
    if (entry.next) entry.next.previous = entry.previous;
    else this.last = entry.previous;
    entry.previous = undefined;
    entry.next = undefined;
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(deadline - performance.now())));
    // Only running calls should keep a process alive, not the watchdog that times them out.
    this.timer.unref?.();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    let entry = this.first;
    while (entry && entry.deadline <= now) {
      const next = entry.next;
      this.remove(entry);
      // The caller aborted first: that is a cancellation, not a timeout.
      if (!entry.controller.signal.aborted) {
        entry.timedOut = true;
        entry.controller.abort(new DOMException(`The attempt timed out after ${this.timeoutMs} ms.`, 'TimeoutError'));
        this.onTimeout(entry);
      }
      entry = next;
    }
    if (this.first) this.arm(this.first.deadline);
  };
}
