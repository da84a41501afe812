import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ResilienceEvent, ResilienceEventEmitter } from './resilience-events.js';

const attempt: ResilienceEvent = { type: 'attempt', policy: 'p', attempt: 1 };
const timeout: ResilienceEvent = { type: 'timeout', policy: 'p', attempt: 1, timeoutMs: 5 };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ResilienceEventEmitter', () => {
  it('delivers typed events by type and to onAny, until unsubscribed', () => {
    const emitter = new ResilienceEventEmitter();
    const timeouts: number[] = [];
    const all: string[] = [];
    const offTimeout = emitter.on('timeout', (event) => timeouts.push(event.timeoutMs));
    const offAll = emitter.onAny((event) => all.push(event.type));
    expect(emitter.hasListeners).toBe(true);
    emitter.emit(attempt);
    emitter.emit(timeout);
    offTimeout();
    offAll();
    emitter.emit(timeout);
    expect(timeouts).toEqual([5]);
    expect(all).toEqual(['attempt', 'timeout']);
    expect(emitter.hasListeners).toBe(false);
  });

  it('a throwing listener neither stops the others nor the caller; its error is rethrown on a later tick', () => {
    const deferred: Array<() => void> = [];
    vi.spyOn(process, 'nextTick').mockImplementation(((callback: () => void) => {
      deferred.push(callback);
    }) as typeof process.nextTick);
    const emitter = new ResilienceEventEmitter();
    const seen: string[] = [];
    emitter.onAny(() => {
      throw new Error('listener bug');
    });
    emitter.onAny((event) => seen.push(event.type));
    expect(() => emitter.emit(attempt)).not.toThrow();
    expect(seen).toEqual(['attempt']);
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]?.()).toThrow('listener bug');
  });
});
