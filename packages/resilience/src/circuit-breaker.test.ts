import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { ResilienceError } from './resilience-error.js';
import type { ResilienceEvent } from './resilience-events.js';

const unavailable = () => new ResilienceError({ code: 'ECONNRESET', category: 'unavailable', message: 'reset' });
const badInput = () => new ResilienceError({ code: 'HTTP_400', category: 'invalid_input', message: 'bad' });

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function breakerWithLog(config: ConstructorParameters<typeof CircuitBreaker>[0]) {
  const breaker = new CircuitBreaker(config, { name: 'backend-a' });
  const events: ResilienceEvent[] = [];
  breaker.events.onAny((event) => events.push(event));
  const transitions = () =>
    events.flatMap((event) => (event.type === 'circuit-state-change' ? [`${event.from}->${event.to}`] : []));
  return { breaker, events, transitions };
}

async function failTimes(breaker: CircuitBreaker, times: number, error: () => Error = unavailable) {
  for (let i = 0; i < times; i++) {
    await expect(
      breaker.execute(() => {
        throw error();
      }),
    ).rejects.toBeInstanceOf(Error);
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('consecutive breaker', () => {
  it('opens after failureThreshold failures in a row and rejects without calling the function', async () => {
    const { breaker, transitions, events } = breakerWithLog({ failureThreshold: 3, recoveryTimeoutMs: 1_000 });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(transitions()).toEqual(['closed->open']);

    vi.advanceTimersByTime(400);
    const fn = vi.fn(() => 'never');
    const rejection = await breaker.execute(fn).catch((error: unknown) => error);
    expect(fn).not.toHaveBeenCalled();
    expect(rejection).toMatchObject({ code: 'CIRCUIT_OPEN', category: 'unavailable', retryAfterMs: 600 });
    expect((rejection as Error).message).toContain('Circuit "backend-a" is open');
    expect(events.at(-1)).toEqual({ type: 'circuit-rejected', policy: 'backend-a', state: 'open', retryAfterMs: 600 });
  });

  it('a success in between resets the count', async () => {
    const { breaker } = breakerWithLog({ failureThreshold: 2 });
    await failTimes(breaker, 1);
    await breaker.execute(() => 'ok');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('ignores categories that are not failureCategories (a caller bug is no sign of a sick backend)', async () => {
    const { breaker } = breakerWithLog({ failureThreshold: 2 });
    await failTimes(breaker, 10, badInput);
    expect(breaker.state).toBe('closed');
  });

  it('classifies raw errors to decide (an ECONNRESET from Node counts)', async () => {
    const { breaker } = breakerWithLog({ failureThreshold: 2 });
    await failTimes(breaker, 2, () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(breaker.state).toBe('open');
  });
});

describe('recovery', () => {
  it('closed -> open -> half-open -> closed when the probe succeeds', async () => {
    const { breaker, transitions } = breakerWithLog({ failureThreshold: 1, recoveryTimeoutMs: 1_000 });
    await failTimes(breaker, 1);
    vi.advanceTimersByTime(1_000);
    expect(await breaker.execute(() => 'probe ok')).toBe('probe ok');
    expect(breaker.state).toBe('closed');
    expect(transitions()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('half-open -> open when the probe fails, with a fresh recovery timeout', async () => {
    const { breaker, transitions } = breakerWithLog({ failureThreshold: 1, recoveryTimeoutMs: 1_000 });
    await failTimes(breaker, 1);
    vi.advanceTimersByTime(1_000);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(transitions()).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
    await expect(breaker.execute(() => 'x')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 1_000 });
  });

  it('halfOpen() lets the next call probe at once, before the recovery timeout (a health check saw the backend back)', async () => {
    const { breaker, transitions } = breakerWithLog({ failureThreshold: 1, recoveryTimeoutMs: 60_000 });
    expect(breaker.halfOpen()).toBe(false);
    await failTimes(breaker, 1);
    vi.advanceTimersByTime(100);
    expect(breaker.halfOpen()).toBe(true);
    expect(breaker.state).toBe('half-open');
    expect(await breaker.execute(() => 'probe ok')).toBe('probe ok');
    expect(breaker.state).toBe('closed');
    expect(transitions()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    const held = breaker.isolate();
    expect(breaker.halfOpen()).toBe(false);
    expect(breaker.state).toBe('isolated');
    held.dispose();
  });

  it('a call admitted before the circuit opened that fails after a probe closed it does not reopen it', async () => {
    const { breaker, transitions } = breakerWithLog({ failureThreshold: 2, recoveryTimeoutMs: 1_000 });
    // Two calls hang through the outage; two others fail and open the circuit.
    const hung = [deferred<string>(), deferred<string>()];
    const stale = hung.map((call) => breaker.execute(() => call.promise).catch((error: unknown) => error));
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('open');
    vi.advanceTimersByTime(1_000);
    expect(await breaker.execute(() => 'probe ok')).toBe('probe ok');
    expect(breaker.state).toBe('closed');
    // The hung calls time out now, after the backend is back: the outage they belong to is over.
    for (const call of hung) call.reject(unavailable());
    await Promise.all(stale);
    expect(breaker.state).toBe('closed');
    expect(transitions()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    // Fresh failures still count.
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('open');
  });

  it('lets at most halfOpenMaxCalls probes through and rejects the rest at once', async () => {
    const { breaker, transitions } = breakerWithLog({
      failureThreshold: 1,
      recoveryTimeoutMs: 1_000,
      halfOpenMaxCalls: 2,
    });
    await failTimes(breaker, 1);
    vi.advanceTimersByTime(1_000);

    const first = deferred<string>();
    const second = deferred<string>();
    const probe1 = breaker.execute(() => first.promise);
    const probe2 = breaker.execute(() => second.promise);
    expect(breaker.state).toBe('half-open');
    const extra = vi.fn(() => 'extra');
    await expect(breaker.execute(extra)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      details: { circuitState: 'half-open' },
    });
    expect(extra).not.toHaveBeenCalled();

    first.resolve('a');
    expect(await probe1).toBe('a');
    expect(breaker.state).toBe('half-open'); // one success is not enough: both probes must pass
    second.resolve('b');
    expect(await probe2).toBe('b');
    expect(breaker.state).toBe('closed');
    expect(transitions()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('one failed probe out of halfOpenMaxCalls reopens the circuit', async () => {
    const { breaker } = breakerWithLog({ failureThreshold: 1, recoveryTimeoutMs: 1_000, halfOpenMaxCalls: 2 });
    await failTimes(breaker, 1);
    vi.advanceTimersByTime(1_000);
    const first = deferred<string>();
    const probe1 = breaker.execute(() => first.promise);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    first.resolve('late');
    expect(await probe1).toBe('late');
    expect(breaker.state).toBe('open');
  });
});

describe('sampling breaker', () => {
  it('opens when the failure rate in the window passes failureRateThreshold (with enough traffic)', async () => {
    const { breaker } = breakerWithLog({
      strategy: 'sampling',
      failureRateThreshold: 0.5,
      samplingDurationMs: 10_000,
      minimumRps: 1, // 10 calls in the 10 s window before the rate counts
    });
    for (let i = 0; i < 4; i++) await breaker.execute(() => 'ok');
    await failTimes(breaker, 5);
    expect(breaker.state).toBe('closed'); // 9 calls: not enough traffic yet
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open'); // 6 of 10 failed
  });

  it('stays closed while the failure rate is at or below the threshold', async () => {
    const { breaker } = breakerWithLog({
      strategy: 'sampling',
      failureRateThreshold: 0.5,
      samplingDurationMs: 10_000,
      minimumRps: 1,
    });
    for (let i = 0; i < 6; i++) await breaker.execute(() => 'ok');
    await failTimes(breaker, 4);
    expect(breaker.state).toBe('closed');
  });
});

describe('isolate', () => {
  it('holds the circuit open until disposed', async () => {
    const { breaker, transitions } = breakerWithLog({});
    const handle = breaker.isolate();
    await expect(breaker.execute(() => 'x')).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      details: { circuitState: 'isolated' },
    });
    handle.dispose();
    expect(await breaker.execute(() => 'y')).toBe('y');
    expect(transitions()).toEqual(['closed->isolated', 'isolated->closed']);
  });
});

describe('config', () => {
  it('rejects a bad config with INVALID_CONFIG naming the field', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('failureThreshold') }),
    );
  });
});
