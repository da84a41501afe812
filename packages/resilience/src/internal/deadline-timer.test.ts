import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DeadlineEntry, DeadlineTimer } from './deadline-timer.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

function timerWithLog(timeoutMs: number) {
  const fired: DeadlineEntry[] = [];
  const timer = new DeadlineTimer(timeoutMs, (entry) => fired.push(entry));
  return { timer, fired };
}

describe('DeadlineTimer', () => {
  it('aborts an attempt at its deadline with a TimeoutError, and only that one', async () => {
    const { timer, fired } = timerWithLog(100);
    const first = timer.add(new AbortController(), 1);
    await vi.advanceTimersByTimeAsync(40);
    const second = timer.add(new AbortController(), 2);
    await vi.advanceTimersByTimeAsync(59);
    expect(first.controller.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.controller.signal.aborted).toBe(true);
    expect((first.controller.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(first.timedOut).toBe(true);
    expect(second.controller.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(40);
    expect(second.timedOut).toBe(true);
    expect(fired.map((entry) => entry.attempt)).toEqual([1, 2]);
  });

  it('never aborts a removed (settled) attempt and keeps no timer once nothing runs', async () => {
    const { timer, fired } = timerWithLog(100);
    for (let i = 0; i < 1_000; i++) timer.add(new AbortController(), 1);
    const settled = timer.add(new AbortController(), 1);
    timer.remove(settled);
    await vi.advanceTimersByTimeAsync(100);
    expect(settled.controller.signal.aborted).toBe(false);
    expect(fired).toHaveLength(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses one timer for many attempts and sleeps past buckets that emptied', async () => {
    const { timer, fired } = timerWithLog(1_000);
    const early = timer.add(new AbortController(), 1);
    const entries: DeadlineEntry[] = [];
    for (let i = 0; i < 50; i++) {
      await vi.advanceTimersByTimeAsync(10);
      entries.push(timer.add(new AbortController(), 1));
      expect(vi.getTimerCount()).toBe(1);
    }
    timer.remove(early);
    for (const entry of entries.slice(0, 49)) timer.remove(entry);
    const last = entries[49] as DeadlineEntry;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual([last]);
  });

  it('does not count an attempt the caller already aborted as a timeout', async () => {
    const { timer, fired } = timerWithLog(50);
    const controller = new AbortController();
    const entry = timer.add(controller, 1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(50);
    expect(entry.timedOut).toBe(false);
    expect(fired).toEqual([]);
  });

  it('fires long timeouts on time, and unlinking from the middle or twice keeps the order', async () => {
    const { timer, fired } = timerWithLog(30_000);
    await vi.advanceTimersByTimeAsync(7);
    const a = timer.add(new AbortController(), 1);
    const b = timer.add(new AbortController(), 2);
    const c = timer.add(new AbortController(), 3);
    timer.remove(b);
    timer.remove(b);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([a, c]);
    timer.remove(a); // settling after the timeout is harmless
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts a deadline from the end of the run in which the attempt started: late, never early', async () => {
    const { timer, fired } = timerWithLog(100);
    const entry = timer.add(new AbortController(), 1);
    // The clock moves 30 ms while the same run goes on (a busy loop, say): the deadline starts after it.
    vi.advanceTimersByTime(30);
    await vi.advanceTimersByTimeAsync(99);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([entry]);
  });

  it('makes a controller only when asked, in the state it would be in by then', async () => {
    const { timer, fired } = timerWithLog(100);
    const early = timer.add(undefined, 1);
    const late = timer.add(undefined, 2);
    expect(early.controller.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(fired).toEqual([early, late]);
    expect(early.controller.signal.aborted).toBe(true);
    expect(late.timedOut).toBe(true);
    expect((late.controller.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("counts a caller's abort before the deadline as a cancellation even without a controller", async () => {
    const { timer, fired } = timerWithLog(100);
    const caller = new AbortController();
    const entry = timer.add(undefined, 1, caller.signal);
    caller.abort(new Error('gone'));
    await vi.advanceTimersByTimeAsync(100);
    expect(entry.timedOut).toBe(false);
    expect(fired).toEqual([]);
    expect(entry.controller.signal.reason).toEqual(new Error('gone'));
  });
});
