interface Bucket {
  readonly deadline: number;
  readonly entries: Set<DeadlineEntry>;
}

/** One in-flight attempt watched by a `DeadlineTimer`. */
export interface DeadlineEntry {
  readonly controller: AbortController;
  /** The attempt number, for the timeout event. */
  readonly attempt: number;
  readonly bucket: Bucket;
  timedOut: boolean;
}

/**
 * Aborts attempts that outlive `timeoutMs`, with one timer for all of them.
 *
 * Why not cockatiel's `TimeoutPolicy`: it arms a Node timer per call, and creating and clearing a timer
 * per call cost more than the whole rest of the policy (bench/resilience measures it). Every attempt of
 * a policy has the same `timeoutMs`, so deadlines arrive in call order: a list of buckets, one per
 * `granularityMs`, is a priority queue; a finished attempt leaves its bucket in O(1); and the single
 * timer sleeps until the oldest bucket that still holds a running attempt. Buckets are at most
 * timeoutMs / 1000 wide (30 ms for 30 s), so a timeout fires at most 0.1 % late.
 */
export class DeadlineTimer {
  private readonly buckets: Bucket[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly granularityMs: number;

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (entry: DeadlineEntry) => void,
  ) {
    this.granularityMs = Math.max(1, Math.floor(timeoutMs / 1_000));
  }

  /** Starts watching `controller`: it is aborted with a `TimeoutError` when the deadline passes. */
  add(controller: AbortController, attempt: number): DeadlineEntry {
    const exact = Date.now() + this.timeoutMs;
    const deadline = Math.ceil(exact / this.granularityMs) * this.granularityMs;
    let bucket = this.head < this.buckets.length ? this.buckets[this.buckets.length - 1] : undefined;
    if (bucket?.deadline !== deadline) {
      bucket = { deadline, entries: new Set() };
      this.buckets.push(bucket);
    }
    const entry: DeadlineEntry = { controller, attempt, bucket, timedOut: false };
    bucket.entries.add(entry);
    if (this.timer === undefined) this.arm(deadline);
    return entry;
  }

  /** Stops watching: the attempt settled. */
  remove(entry: DeadlineEntry): void {
    entry.bucket.entries.delete(entry);
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(this.fire, Math.max(0, deadline - Date.now()));
    // Only running calls should keep a process alive, not the watchdog that times them out.
    this.timer.unref?.();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    while (this.head < this.buckets.length) {
      const bucket = this.buckets[this.head] as Bucket;
      // Empty buckets are dropped even before their time: only the newest bucket can still grow, and
      // `add` opens a new one when it finds none left.
      if (bucket.entries.size > 0 && bucket.deadline > now) break;
      this.head++;
      for (const entry of bucket.entries) {
        if (entry.controller.signal.aborted) continue; // the caller aborted first: not a timeout
        entry.timedOut = true;
        entry.controller.abort(new DOMException(`The attempt timed out after ${this.timeoutMs} ms.`, 'TimeoutError'));
        this.onTimeout(entry);
      }
      bucket.entries.clear();
    }
    // Drop the consumed prefix now and then rather than shifting the array for every bucket.
    if (this.head > 1_024 || this.head === this.buckets.length) {
      this.buckets.splice(0, this.head);
      this.head = 0;
    }
    const next = this.buckets[this.head];
    if (next) this.arm(next.deadline);
  };
}
