/**
 * One in-flight attempt watched by a `DeadlineTimer`: a node of its list, in deadline order, and the
 * attempt's AbortController.
 */
export class DeadlineEntry {
  /** Set when the deadline passed while the attempt ran (and its caller had not aborted it). */
  timedOut = false;
  /** `performance.now()` time at which it times out; infinite until the timer stamps it. */
  deadline = Number.POSITIVE_INFINITY;
  previous: DeadlineEntry | undefined = undefined;
  next: DeadlineEntry | undefined = undefined;
  linked = true;
  private ownController: AbortController | undefined;
  private timeoutReason: DOMException | undefined = undefined;
  private forwardAbort: (() => void) | undefined = undefined;
  private settled = false;

  constructor(
    /** The attempt number, for the timeout event. */
    readonly attempt: number,
    controller: AbortController | undefined,
    /** The caller's signal: its abort is passed on to the controller while the attempt runs. */
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    this.ownController = controller;
  }

  /**
   * The attempt's controller, made on first read. Most functions never look at their signal, and an
   * AbortController plus a listener on the caller's signal per attempt was the largest single cost of
   * a call through a policy. A controller made late starts in the state an early one would be in by
   * then: aborted with the `TimeoutError` if the deadline passed, with the caller's reason if the
   * caller aborted during the attempt, and otherwise following the caller's signal until the attempt
   * settles. The timeout itself does not depend on it: `timedOut` and the timeout event happen either
   * way; a function that never read its signal just had nothing to abort.
   */
  get controller(): AbortController {
    if (this.ownController) return this.ownController;
    const controller = new AbortController();
    this.ownController = controller;
    const caller = this.callerSignal;
    if (this.timeoutReason) {
      controller.abort(this.timeoutReason);
    } else if (caller && !this.settled) {
      if (caller.aborted) {
        controller.abort(caller.reason);
      } else {
        this.forwardAbort = () => controller.abort(caller.reason);
        caller.addEventListener('abort', this.forwardAbort, { once: true });
      }
    }
    return controller;
  }

  /** True when the attempt was aborted (by its caller) before its deadline: a cancellation, no timeout. */
  get aborted(): boolean {
    return this.ownController ? this.ownController.signal.aborted : this.callerSignal?.aborted === true;
  }

  /** The deadline passed: mark it and abort the controller, if one was made. */
  expire(reason: DOMException): void {
    this.timedOut = true;
    this.timeoutReason = reason;
    this.ownController?.abort(reason);
  }

  /** The attempt settled: stop following the caller's signal. */
  detach(): void {
    this.settled = true;
    if (this.forwardAbort) this.callerSignal?.removeEventListener('abort', this.forwardAbort);
    this.forwardAbort = undefined;
  }
}

/**
 * Aborts attempts that outlive `timeoutMs`, with one timer for all of them.
 *
 * Why not cockatiel's `TimeoutPolicy`: it arms a Node timer per call, and creating and clearing a timer
 * per call cost more than the whole rest of the policy (bench/resilience measures it). Every attempt of
 * a policy has the same `timeoutMs` and a monotonic start time, so deadlines arrive in order: a doubly
 * linked list in insertion order is a priority queue, a settled attempt unlinks itself in O(1), and the
 * single timer sleeps until the oldest attempt still running. It wakes about once per `timeoutMs`.
 *
 * The clock is read once per run of JavaScript, not once per attempt: a new attempt joins the list
 * without a deadline, and one `process.nextTick` job, which runs when the code that started the
 * attempt has returned (after the current callback, or after the queue of promise jobs it ran in,
 * and always before any timer), reads the clock once and gives every attempt still running the
 * deadline `now + timeoutMs`. A clock read costs about as much as a bare async call (on the 2-core VM of
 * bench/resilience, ~50 ns: half the timeout's cost), and most attempts of a fast backend settle
 * before the job runs and never need one. The price is precision in one direction only: a deadline
 * counts from the end of the run in which its attempt started, so a timeout never fires early and
 * fires late by at most that run's length (microseconds, unless something blocks the event loop, and
 * then no timer could have fired during the block either).
 */
export class DeadlineTimer {
  private first: DeadlineEntry | undefined;
  private last: DeadlineEntry | undefined;
  /** The oldest attempt still waiting for its deadline (all after it are waiting too). */
  private firstUnstamped: DeadlineEntry | undefined;
  private stampScheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (entry: DeadlineEntry) => void,
  ) {}

  /**
   * Starts watching an attempt: its controller (given, or made on first read, see
   * `DeadlineEntry.controller`) is aborted with a `TimeoutError` when the deadline passes.
   */
  add(controller: AbortController | undefined, attempt: number, callerSignal?: AbortSignal): DeadlineEntry {
    const entry = new DeadlineEntry(attempt, controller, callerSignal);
    entry.previous = this.last;
    if (this.last) this.last.next = entry;
    else this.first = entry;
    this.last = entry;
    if (this.firstUnstamped === undefined) this.firstUnstamped = entry;
    if (!this.stampScheduled) {
      this.stampScheduled = true;
      process.nextTick(this.stamp);
    }
    return entry;
  }

  /** Gives the attempts that started in the run that just ended their deadline (see the class comment). */
  private readonly stamp = (): void => {
    this.stampScheduled = false;
    // performance.now() is monotonic: a wall-clock step cannot reorder the list or fire early.
    const deadline = performance.now() + this.timeoutMs;
    for (let entry = this.firstUnstamped; entry; entry = entry.next) entry.deadline = deadline;
    this.firstUnstamped = undefined;
    if (this.timer === undefined && this.first) this.arm(this.first.deadline);
  };

  /** Stops watching: the attempt settled. Safe to call twice, and after the entry timed out. */
  remove(entry: DeadlineEntry): void {
    entry.detach();
    this.unlink(entry);
  }

  private unlink(entry: DeadlineEntry): void {
    if (!entry.linked) return;
    entry.linked = false;
    if (this.firstUnstamped === entry) this.firstUnstamped = entry.next;
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
      this.unlink(entry);
      // The caller aborted first: that is a cancellation, not a timeout.
      if (!entry.aborted) {
        entry.expire(new DOMException(`The attempt timed out after ${this.timeoutMs} ms.`, 'TimeoutError'));
        this.onTimeout(entry);
      }
      entry = next;
    }
    // An attempt still without a deadline gets the timer armed when the stamp job gives it one.
    if (this.first && this.first.deadline !== Number.POSITIVE_INFINITY) this.arm(this.first.deadline);
  };
}
