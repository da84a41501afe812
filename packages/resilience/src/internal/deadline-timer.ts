/**
 * One in-flight attempt watched by a `DeadlineTimer`: a node of its list, in deadline order, and the
 * attempt's AbortController.
 */
export class DeadlineEntry {
  /** Set when the deadline passed while the attempt ran (and its caller had not aborted it). */
  timedOut = false;
  previous: DeadlineEntry | undefined = undefined;
  next: DeadlineEntry | undefined = undefined;
  linked = true;
  private ownController: AbortController | undefined;
  private timeoutReason: DOMException | undefined = undefined;
  private forwardAbort: (() => void) | undefined = undefined;

  constructor(
    /** The attempt number, for the timeout event. */
    readonly attempt: number,
    readonly deadline: number,
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
    } else if (caller && this.linked) {
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
 */
export class DeadlineTimer {
  private first: DeadlineEntry | undefined;
  private last: DeadlineEntry | undefined;
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
    // performance.now() is monotonic: a wall-clock step cannot reorder the list or fire early.
    const deadline = performance.now() + this.timeoutMs;
    const entry = new DeadlineEntry(attempt, deadline, controller, callerSignal);
    entry.previous = this.last;
    if (this.last) this.last.next = entry;
    else this.first = entry;
    this.last = entry;
    if (this.timer === undefined) this.arm(deadline);
    return entry;
  }

  /** Stops watching: the attempt settled. Safe to call twice, and after the entry timed out. */
  remove(entry: DeadlineEntry): void {
    entry.detach();
    this.unlink(entry);
  }

  private unlink(entry: DeadlineEntry): void {
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
      this.unlink(entry);
      // The caller aborted first: that is a cancellation, not a timeout.
      if (!entry.aborted) {
        entry.expire(new DOMException(`The attempt timed out after ${this.timeoutMs} ms.`, 'TimeoutError'));
        this.onTimeout(entry);
      }
      entry = next;
    }
    if (this.first) this.arm(this.first.deadline);
  };
}
