import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPolicy } from './create-policy.js';
import { ResilienceError } from './resilience-error.js';
import type { ResilienceEvent } from './resilience-events.js';
import { retryAsyncIterable } from './retry-async-iterable.js';

function nodeError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code });
}

/** A source that fails with `error` after yielding `items`, or completes when `error` is undefined. */
async function* source<T>(items: T[], error?: Error): AsyncGenerator<T> {
  for (const item of items) yield item;
  if (error) throw error;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items };
  } catch (error) {
    return { items, error };
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retryAsyncIterable', () => {
  it('reopens a stream that fails before its first item, and reports each attempt', async () => {
    const events: ResilienceEvent[] = [];
    const attempts: number[] = [];
    const stream = retryAsyncIterable(
      ({ attempt }) => {
        attempts.push(attempt);
        return attempt < 3 ? source<string>([], nodeError('ECONNRESET')) : source(['a', 'b', 'c']);
      },
      { name: 'stream-test', retry: { baseDelayMs: 10 }, onEvent: (event) => events.push(event) },
    );
    const collected = collect(stream);
    await vi.runAllTimersAsync();
    expect(await collected).toEqual({ items: ['a', 'b', 'c'] });
    expect(attempts).toEqual([1, 2, 3]);
    expect(events.map((event) => `${event.type}:${'attempt' in event ? event.attempt : ''}`)).toEqual([
      'attempt:1',
      'retry:1',
      'attempt:2',
      'retry:2',
      'attempt:3',
    ]);
    expect(events.every((event) => event.stream === true && event.policy === 'stream-test')).toBe(true);
  });

  it('items that do not deliver (delivers: false) still allow a retry; retryItem announces each wait', async () => {
    const stream = retryAsyncIterable<string>(
      ({ attempt }) =>
        attempt === 1 ? source(['header'], nodeError('ECONNRESET')) : source(['header', 'content', 'more']),
      {
        retry: { baseDelayMs: 10, jitterFactor: 0 },
        delivers: (item) => item !== 'header',
        retryItem: ({ attempt, delayMs, error }) => `retry ${attempt} in ${delayMs} ms (${error.category})`,
      },
    );
    const collected = collect(stream);
    await vi.runAllTimersAsync();
    expect(await collected).toEqual({
      items: ['header', 'retry 1 in 10 ms (unavailable)', 'header', 'content', 'more'],
    });

    const afterContent = collect(
      retryAsyncIterable<string>(() => source(['header', 'content'], nodeError('ECONNRESET')), {
        retry: { baseDelayMs: 10 },
        delivers: (item) => item !== 'header',
      }),
    );
    await vi.runAllTimersAsync();
    expect(await afterContent).toMatchObject({ items: ['header', 'content'], error: { category: 'unavailable' } });
  });

  it('never retries once an item was delivered: the consumer keeps what it got and sees the error', async () => {
    const events: ResilienceEvent[] = [];
    const factory = vi.fn(() => source(['first'], nodeError('ECONNRESET')));
    const result = await collect(retryAsyncIterable(factory, { onEvent: (event) => events.push(event) }));
    expect(result.items).toEqual(['first']);
    expect(result.error).toMatchObject({ code: 'ECONNRESET', category: 'unavailable' });
    expect(factory).toHaveBeenCalledTimes(1);
    expect(events.at(-1)).toMatchObject({ type: 'give-up', reason: 'item-delivered', attempt: 1 });
  });

  it('does not retry non-retryable categories', async () => {
    const factory = vi.fn(() => source<string>([], Object.assign(new Error('nope'), { status: 403 })));
    const result = await collect(retryAsyncIterable(factory));
    expect(result.error).toMatchObject({ code: 'HTTP_403', category: 'permission_denied' });
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxRetries', async () => {
    const factory = vi.fn(() => source<string>([], nodeError('ETIMEDOUT')));
    const collected = collect(retryAsyncIterable(factory, { retry: { maxRetries: 2, baseDelayMs: 5 } }));
    await vi.runAllTimersAsync();
    expect((await collected).error).toMatchObject({ category: 'timeout' });
    expect(factory).toHaveBeenCalledTimes(3);
  });

  it('stops at once with CANCELLED when aborted during the backoff wait', async () => {
    const controller = new AbortController();
    const factory = vi.fn(() => source<string>([], nodeError('ECONNRESET')));
    const collected = collect(
      retryAsyncIterable(factory, { signal: controller.signal, retry: { baseDelayMs: 10_000, jitterFactor: 0 } }),
    );
    await vi.advanceTimersByTimeAsync(1);
    expect(factory).toHaveBeenCalledTimes(1);
    controller.abort();
    expect((await collected).error).toMatchObject({ code: 'CANCELLED', category: 'cancelled' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; i < 1_000; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const taken: number[] = [];
    for await (const item of retryAsyncIterable(() => endless())) {
      taken.push(item);
      if (taken.length === 2) break;
    }
    expect(taken).toEqual([0, 1]);
    expect(closed).toBe(true);
  });

  it('is an iterator as the generator it replaced was: nothing before next(), overlapping next() calls queued in order, done stays done; throw() closes the source', async () => {
    const factory = vi.fn(() => source(['a', 'b']));
    const stream = retryAsyncIterable(factory);
    expect(factory).not.toHaveBeenCalled();
    // Bad settings are reported at the first next(), not when the stream is made.
    const bad = retryAsyncIterable(factory, { retry: { maxRetries: -1 } });
    await expect(bad.next()).rejects.toThrow(/stream retry/);
    const results = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next()]);
    expect(results).toEqual([
      { done: false, value: 'a' },
      { done: false, value: 'b' },
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
    expect(factory).toHaveBeenCalledTimes(1);
    // A retry between overlapping calls: the wait and the second attempt happen inside one queued call.
    let opened = 0;
    const retried = retryAsyncIterable(
      () => (++opened === 1 ? source<string>([], nodeError('ECONNRESET')) : source(['x'])),
      {
        retry: { baseDelayMs: 1 },
      },
    );
    const pending = Promise.all([retried.next(), retried.next()]);
    await vi.runAllTimersAsync();
    expect(await pending).toEqual([
      { done: false, value: 'x' },
      { done: true, value: undefined },
    ]);
    // throw() closes the open source and rejects with the error given (no retry).
    let closed = false;
    const thrown = retryAsyncIterable(() => ({
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false as const, value: 1 }),
        return: async () => {
          closed = true;
          return { done: true as const, value: undefined };
        },
      }),
    }));
    expect(await thrown.next()).toEqual({ done: false, value: 1 });
    await expect(thrown.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(closed).toBe(true);
    expect(await thrown.next()).toEqual({ done: true, value: undefined });
  });

  it("with a policy: uses its retry settings and events, and failing streams open the policy's circuit", async () => {
    const events: ResilienceEvent[] = [];
    const policy = createPolicy(
      {
        name: 'backend-b',
        retry: { maxRetries: 1, baseDelayMs: 10 },
        circuitBreaker: { failureThreshold: 2, recoveryTimeoutMs: 60_000 },
      },
      { onEvent: (event) => events.push(event) },
    );
    const factory = vi.fn(() => source<string>([], nodeError('ECONNREFUSED')));
    const collected = collect(retryAsyncIterable(factory, policy));
    await vi.runAllTimersAsync();
    expect((await collected).error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(factory).toHaveBeenCalledTimes(2);
    expect(policy.circuitState).toBe('open');
    expect(events.some((event) => event.type === 'circuit-state-change' && event.to === 'open')).toBe(true);

    // The open circuit now refuses streams without opening them (the one retry waits maxDelayMs, in vain).
    const refusedStream = collect(retryAsyncIterable(factory, { policy }));
    await vi.runAllTimersAsync();
    const refused = await refusedStream;
    expect(ResilienceError.isInstance(refused.error)).toBe(true);
    expect(refused.error).toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(factory).toHaveBeenCalledTimes(2);
  });
});
