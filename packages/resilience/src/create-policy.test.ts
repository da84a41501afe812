import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from './backoff.js';
import { createPolicy } from './create-policy.js';
import { ERROR_CATEGORIES } from './error-category-table.js';
import type { PolicyConfigInput } from './policy-config.js';
import { ResilienceError } from './resilience-error.js';
import type { ResilienceEvent, ResilienceEventType } from './resilience-events.js';

function nodeError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code });
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** A policy with the parts under test switched on and a recorder of its events. */
function policyWithLog(config: PolicyConfigInput, random: () => number = seededRandom(1)) {
  const events: ResilienceEvent[] = [];
  const policy = createPolicy(config, { random, onEvent: (event) => events.push(event) });
  const ofType = <K extends ResilienceEventType>(type: K) =>
    events.filter((event): event is Extract<ResilienceEvent, { type: K }> => event.type === type);
  return { policy, events, ofType };
}

const onlyRetry = (retry: NonNullable<PolicyConfigInput['retry']>): PolicyConfigInput => ({
  name: 'test',
  retry,
  circuitBreaker: { enabled: false },
  timeout: { enabled: false },
  bulkhead: { enabled: false },
});

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('execute', () => {
  it('passes an AbortSignal and the attempt number to the function and returns its value', async () => {
    const { policy, events } = policyWithLog({ name: 'everything' });
    const seen: Array<{ aborted: boolean; attempt: number }> = [];
    const value = await policy.execute(({ signal, attempt }) => {
      seen.push({ aborted: signal.aborted, attempt });
      return 42;
    });
    expect(value).toBe(42);
    expect(seen).toEqual([{ aborted: false, attempt: 1 }]);
    expect(events.map((event) => event.type)).toEqual(['attempt', 'success']);
    expect(events[1]).toMatchObject({ policy: 'everything', attempt: 1 });
    expect(policy.circuitState).toBe('closed');
  });
});

describe('retry', () => {
  it('retries retryable failures with exponential full-jitter delays inside their bounds', async () => {
    const { policy, ofType } = policyWithLog(
      onlyRetry({ maxRetries: 4, baseDelayMs: 100, maxDelayMs: 350 }),
      seededRandom(5),
    );
    let calls = 0;
    const result = policy.execute(({ attempt }) => {
      calls++;
      if (attempt < 5) throw nodeError('ECONNRESET');
      return `ok after ${attempt}`;
    });
    await vi.runAllTimersAsync();
    expect(await result).toBe('ok after 5');
    expect(calls).toBe(5);
    const retries = ofType('retry');
    expect(retries.map((event) => event.attempt)).toEqual([1, 2, 3, 4]);
    retries.forEach((event, n) => {
      expect(event.category).toBe('unavailable');
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
      expect(event.delayMs).toBeLessThanOrEqual(Math.min(350, 100 * 2 ** n));
    });
  });

  it('waits exactly the reported delay before the next attempt', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 1, baseDelayMs: 1_000, jitterFactor: 0 }));
    let calls = 0;
    const result = policy.execute(() => {
      calls++;
      if (calls === 1) throw nodeError('ETIMEDOUT');
      return 'second';
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toBe(1);
    expect(ofType('retry')[0]).toMatchObject({ delayMs: 1_000, category: 'timeout' });
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    expect(await result).toBe('second');
  });

  it('gives up after maxRetries with the last error, classified, the original as cause', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 2, baseDelayMs: 10 }));
    const original = nodeError('ECONNREFUSED');
    let calls = 0;
    const result = policy
      .execute(() => {
        calls++;
        throw original;
      })
      .catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    const error = await result;
    expect(ResilienceError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', category: 'unavailable', cause: original });
    expect(calls).toBe(3);
    expect(ofType('give-up')).toEqual([
      expect.objectContaining({ attempt: 3, reason: 'retries-exhausted', category: 'unavailable' }),
    ]);
  });

  it('retry: false makes one attempt only, whatever the category; onRetry hears only its own call', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 3, baseDelayMs: 10 }));
    let calls = 0;
    const once = await policy
      .execute(
        () => {
          calls++;
          throw nodeError('ECONNRESET');
        },
        { retry: false },
      )
      .catch((error: unknown) => error);
    expect(once).toMatchObject({ category: 'unavailable' });
    expect(calls).toBe(1);
    expect(ofType('give-up')).toEqual([expect.objectContaining({ attempt: 1, reason: 'not-retryable' })]);

    const notices: { attempt: number; delayMs: number; category: string }[] = [];
    const result = policy.execute(
      ({ attempt }) => {
        if (attempt < 3) throw nodeError('ETIMEDOUT');
        return 'third';
      },
      { onRetry: ({ attempt, delayMs, error }) => notices.push({ attempt, delayMs, category: error.category }) },
    );
    await vi.runAllTimersAsync();
    expect(await result).toBe('third');
    expect(notices).toEqual(
      ofType('retry').map((event) => ({ attempt: event.attempt, delayMs: event.delayMs, category: 'timeout' })),
    );
    expect(notices.map((notice) => notice.attempt)).toEqual([1, 2]);
  });

  it('never retries a category outside retryCategories', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 5, baseDelayMs: 1 }));
    const notRetried = ERROR_CATEGORIES.filter(
      (category) => !['rate_limited', 'unavailable', 'timeout'].includes(category),
    );
    expect(notRetried).toHaveLength(8);
    for (const category of notRetried) {
      let calls = 0;
      const error = await policy
        .execute(() => {
          calls++;
          throw new ResilienceError({ code: 'TEST', category, message: category });
        })
        .catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ category });
      expect(calls).toBe(1);
    }
    expect(ofType('retry')).toEqual([]);
    expect(ofType('give-up').map((event) => event.reason)).toEqual(notRetried.map(() => 'not-retryable'));
  });

  it('retries exactly the configured categories (internal on, unavailable off)', async () => {
    const { policy } = policyWithLog(onlyRetry({ maxRetries: 1, baseDelayMs: 1, retryCategories: ['internal'] }));
    let calls = 0;
    const internal = policy.execute(() => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('boom'), { status: 500 });
      return 'ok';
    });
    await vi.runAllTimersAsync();
    expect(await internal).toBe('ok');
    calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        throw nodeError('ECONNRESET');
      }),
    ).rejects.toMatchObject({ category: 'unavailable' });
    expect(calls).toBe(1);
  });

  it('honours Retry-After as a floor for the wait', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 1, baseDelayMs: 10, maxDelayMs: 5_000 }));
    let calls = 0;
    const result = policy.execute(() => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('slow down'), { status: 429, headers: { 'retry-after': '2' } });
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    expect(await result).toBe('ok');
    expect(ofType('retry')[0]).toMatchObject({ delayMs: 2_000, retryAfterMs: 2_000, category: 'rate_limited' });
  });

  it('caps a Retry-After above maxDelayMs at maxDelayMs', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 1, baseDelayMs: 10, maxDelayMs: 1_000 }));
    let calls = 0;
    const result = policy.execute(() => {
      calls++;
      if (calls === 1)
        throw new ResilienceError({ code: 'X', category: 'rate_limited', message: 'm', retryAfterMs: 60_000 });
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await result).toBe('ok');
    expect(ofType('retry')[0]?.delayMs).toBe(1_000);
  });

  it('stops at once with CANCELLED when the caller aborts during a backoff wait', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 3, baseDelayMs: 10_000, jitterFactor: 0 }));
    const controller = new AbortController();
    let calls = 0;
    const outcome = policy
      .execute(
        () => {
          calls++;
          throw nodeError('ECONNRESET');
        },
        { signal: controller.signal },
      )
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(1);
    expect(ofType('retry')).toHaveLength(1);
    controller.abort();
    // No timer advanced: the rejection comes from the abort itself, not from the end of the wait.
    expect(await outcome).toMatchObject({ code: 'CANCELLED', category: 'cancelled' });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    expect(ofType('give-up')).toEqual([expect.objectContaining({ reason: 'cancelled', category: 'cancelled' })]);
    expect(ofType('cancelled')).toHaveLength(1);
  });

  it('rejects at once when the caller aborts during an attempt that ignores its signal; the late value is dropped', async () => {
    const { policy, ofType } = policyWithLog(onlyRetry({ maxRetries: 0 }));
    const controller = new AbortController();
    const outcome = policy
      .execute(() => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 1_000)), {
        signal: controller.signal,
      })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(await outcome).toMatchObject({ code: 'CANCELLED' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ofType('success')).toEqual([]);
    expect(ofType('cancelled')).toHaveLength(1);
  });

  it('rejects an already aborted call without running it; an AbortSignal.timeout deadline is TIMEOUT', async () => {
    const { policy } = policyWithLog({});
    const fn = vi.fn(() => 'never');
    await expect(policy.execute(fn, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    const deadline = AbortSignal.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    await expect(policy.execute(fn, { signal: deadline })).rejects.toMatchObject({
      code: 'TIMEOUT',
      category: 'timeout',
    });
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('timeout', () => {
  const onlyTimeout = (timeoutMs: number, maxRetries = 0): PolicyConfigInput => ({
    retry: { maxRetries, baseDelayMs: 10, jitterFactor: 0 },
    circuitBreaker: { enabled: false },
    timeout: { timeoutMs },
    bulkhead: { enabled: false },
  });

  it('aborts the signal given to the function and reports TIMEOUT', async () => {
    const { policy, ofType } = policyWithLog(onlyTimeout(50));
    let seen: AbortSignal | undefined;
    const outcome = policy
      .execute(
        ({ signal }) =>
          new Promise((_, reject) => {
            seen = signal;
            signal.addEventListener('abort', () => reject(signal.reason));
          }),
      )
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(49);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen?.aborted).toBe(true);
    const error = await outcome;
    expect(error).toMatchObject({ code: 'TIMEOUT', category: 'timeout' });
    expect((error as Error).message).toContain('did not finish within 50 ms');
    expect(ofType('timeout')).toEqual([{ type: 'timeout', policy: 'default', attempt: 1, timeoutMs: 50 }]);
  });

  it('is per attempt: a timed-out attempt is retried with a fresh signal', async () => {
    const { policy } = policyWithLog(onlyTimeout(50, 1));
    const result = policy.execute(({ signal, attempt }) =>
      attempt === 1
        ? new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
        : `attempt ${attempt}, aborted=${signal.aborted}`,
    );
    await vi.advanceTimersByTimeAsync(60);
    expect(await result).toBe('attempt 2, aborted=false');
  });

  it('is cooperative: a function that ignores the signal and finishes late still returns its value', async () => {
    const { policy, ofType } = policyWithLog(onlyTimeout(50));
    const result = policy.execute(() => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 80)));
    await vi.advanceTimersByTimeAsync(80);
    expect(await result).toBe('late');
    expect(ofType('timeout')).toHaveLength(1);
  });
});

describe('timeout with a signal made on first read', () => {
  const timeoutOnly: PolicyConfigInput = {
    retry: { enabled: false },
    circuitBreaker: { enabled: false },
    timeout: { timeoutMs: 50 },
    bulkhead: { enabled: false },
  };

  it('times out an attempt that never read its signal: TIMEOUT and the event, as with an eager one', async () => {
    const { policy, ofType } = policyWithLog(timeoutOnly);
    const original = new Error('failed late');
    const outcome = policy
      .execute(() => new Promise((_, reject) => setTimeout(() => reject(original), 80)))
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(80);
    expect(await outcome).toMatchObject({ code: 'TIMEOUT', category: 'timeout', cause: original });
    expect(ofType('timeout')).toEqual([{ type: 'timeout', policy: 'default', attempt: 1, timeoutMs: 50 }]);
  });

  it('gives a signal first read after the deadline already aborted with the TimeoutError', async () => {
    const { policy } = policyWithLog(timeoutOnly);
    const result = policy.execute(
      (context) =>
        new Promise<{ aborted: boolean; reason: string }>((resolve) =>
          setTimeout(() => {
            const { signal } = context;
            resolve({ aborted: signal.aborted, reason: (signal.reason as DOMException).name });
          }, 60),
        ),
    );
    await vi.advanceTimersByTimeAsync(60);
    expect(await result).toEqual({ aborted: true, reason: 'TimeoutError' });
  });

  it("passes the caller's abort on to a signal read during the attempt, and leaves no listener behind", async () => {
    const { policy } = policyWithLog(timeoutOnly);
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const outcome = policy
      .execute(
        (context) =>
          new Promise((_, reject) =>
            setTimeout(() => {
              seen = context.signal;
              seen.addEventListener('abort', () => reject(seen?.reason));
            }, 10),
          ),
        { signal: caller.signal },
      )
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    // The call's own race and the attempt's forwarding.
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(2);
    const reason = new Error('user left');
    caller.abort(reason);
    expect(await outcome).toMatchObject({ code: 'CANCELLED', cause: reason });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    await vi.advanceTimersByTimeAsync(100);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it("does not listen on the caller's signal for an attempt that never reads its own", async () => {
    const { policy } = policyWithLog(timeoutOnly);
    const caller = new AbortController();
    const gate = deferred<string>();
    const result = policy.execute(() => gate.promise, { signal: caller.signal });
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1); // the call's own race only
    gate.resolve('done');
    expect(await result).toBe('done');
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('gives every attempt its own signal: a retry after a timeout reads a fresh one', async () => {
    const { policy } = policyWithLog({ ...timeoutOnly, retry: { maxRetries: 1, baseDelayMs: 1, jitterFactor: 0 } });
    const signals: AbortSignal[] = [];
    const result = policy.execute(({ signal, attempt }) => {
      signals.push(signal);
      return attempt === 1
        ? new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
        : 'second';
    });
    await vi.advanceTimersByTimeAsync(60);
    expect(await result).toBe('second');
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
  });
});

describe('bulkhead', () => {
  const onlyBulkhead: PolicyConfigInput = {
    retry: { enabled: false },
    circuitBreaker: { enabled: false },
    timeout: { enabled: false },
    bulkhead: { maxConcurrent: 1, maxQueue: 1 },
  };

  it('queues up to maxQueue and rejects the next call with BULKHEAD_REJECTED', async () => {
    const { policy, ofType } = policyWithLog(onlyBulkhead);
    const gate = deferred<string>();
    const running = policy.execute(() => gate.promise);
    const queued = policy.execute(() => 'queued');
    const rejected = await policy.execute(() => 'rejected').catch((error: unknown) => error);
    expect(ResilienceError.isInstance(rejected)).toBe(true);
    expect(rejected).toMatchObject({ code: 'BULKHEAD_REJECTED', category: 'unavailable', isRetryable: true });
    expect((rejected as Error).message).toContain('at capacity (1 running, 1 queued)');
    expect(ofType('bulkhead-rejected')).toEqual([
      { type: 'bulkhead-rejected', policy: 'default', maxConcurrent: 1, maxQueue: 1 },
    ]);
    gate.resolve('running');
    expect(await running).toBe('running');
    expect(await queued).toBe('queued');
  });

  it('a queued call whose caller aborts is rejected at once and never runs', async () => {
    const { policy } = policyWithLog(onlyBulkhead);
    const gate = deferred<string>();
    const running = policy.execute(() => gate.promise);
    const controller = new AbortController();
    const fn = vi.fn(() => 'never');
    const queued = policy.execute(fn, { signal: controller.signal }).catch((error: unknown) => error);
    controller.abort();
    expect(await queued).toMatchObject({ code: 'CANCELLED' });
    gate.resolve('done');
    expect(await running).toBe('done');
    await vi.runAllTimersAsync();
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('retry with circuit breaker', () => {
  it('waits for the open circuit to half-open, then the probe succeeds and closes it', async () => {
    const { policy, ofType } = policyWithLog({
      retry: { maxRetries: 5, baseDelayMs: 10, jitterFactor: 0 },
      circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 1_000 },
      timeout: { enabled: false },
      bulkhead: { enabled: false },
    });
    let calls = 0;
    const result = policy.execute(() => {
      calls++;
      if (calls <= 2) throw nodeError('ECONNRESET');
      return 'recovered';
    });
    await vi.runAllTimersAsync();
    expect(await result).toBe('recovered');
    expect(calls).toBe(3); // attempts 1-2 fail and open the circuit; attempt 3 is refused; attempt 4 probes
    expect(ofType('retry').map((event) => [event.attempt, event.delayMs, event.error.code])).toEqual([
      [1, 10, 'ECONNRESET'],
      [2, 20, 'ECONNRESET'],
      [3, 980, 'CIRCUIT_OPEN'], // the open circuit's retryAfterMs (1 000 - 20) beats the 40 ms backoff
    ]);
    expect(ofType('circuit-state-change').map((event) => event.to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('does not count non-failure categories: invalid input leaves the circuit closed', async () => {
    const { policy } = policyWithLog({ circuitBreaker: { failureThreshold: 1 }, retry: { enabled: false } });
    for (let i = 0; i < 5; i++) {
      await expect(
        policy.execute(() => {
          throw Object.assign(new Error('bad'), { status: 422 });
        }),
      ).rejects.toMatchObject({ category: 'invalid_input' });
    }
    expect(policy.circuitState).toBe('closed');
  });
});
