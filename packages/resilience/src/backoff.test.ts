import { describe, expect, it } from 'vitest';
import { backoffCap, computeBackoffDelay, retryDelayFor, seededRandom } from './backoff.js';

const options = { baseDelayMs: 100, maxDelayMs: 10_000, jitterFactor: 1 };

describe('backoffCap', () => {
  it('doubles from baseDelayMs and stops at maxDelayMs, also for huge retry counts', () => {
    expect([0, 1, 2, 3, 6, 7, 8].map((n) => backoffCap(n, options))).toEqual([
      100, 200, 400, 800, 6_400, 10_000, 10_000,
    ]);
    expect(backoffCap(5_000, options)).toBe(10_000);
  });
});

describe('computeBackoffDelay (full jitter)', () => {
  it('keeps every delay within [0, min(maxDelayMs, baseDelayMs * 2^n)]', () => {
    const random = seededRandom(42);
    const outOfBounds: string[] = [];
    let checked = 0;
    for (let n = 0; n < 20; n++) {
      const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** n);
      for (let sample = 0; sample < 500; sample++) {
        const delay = computeBackoffDelay(n, options, random);
        checked++;
        if (!(delay >= 0 && delay <= cap)) outOfBounds.push(`retry ${n}: ${delay} not in [0, ${cap}]`);
      }
    }
    expect(checked).toBe(10_000);
    expect(outOfBounds).toEqual([]);
  });

  it('reaches both ends of the range for the extreme random values', () => {
    expect(computeBackoffDelay(2, options, () => 0)).toBe(400);
    expect(computeBackoffDelay(2, options, () => 0.999_999_9)).toBe(0);
  });

  it('spreads delays evenly over the whole range (10 buckets, 20 000 seeded samples)', () => {
    const random = seededRandom(7);
    const cap = backoffCap(3, options); // 800 ms
    const buckets = new Array<number>(10).fill(0);
    const samples = 20_000;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let i = 0; i < samples; i++) {
      const delay = computeBackoffDelay(3, options, random);
      min = Math.min(min, delay);
      max = Math.max(max, delay);
      const bucket = Math.min(9, Math.floor((delay / cap) * 10));
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    for (const count of buckets) {
      // Expected 2 000 per bucket; a uniform spread stays well within +-15 %.
      expect(count).toBeGreaterThan(1_700);
      expect(count).toBeLessThan(2_300);
    }
    expect(min).toBeLessThan(cap * 0.01);
    expect(max).toBeGreaterThan(cap * 0.99);
  });

  it('jitterFactor narrows the range to [cap * (1 - jitterFactor), cap]; 0 means no jitter', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 1_000; i++) {
      const delay = computeBackoffDelay(1, { ...options, jitterFactor: 0.2 }, random);
      expect(delay).toBeGreaterThanOrEqual(160);
      expect(delay).toBeLessThanOrEqual(200);
    }
    expect(computeBackoffDelay(1, { ...options, jitterFactor: 0 }, random)).toBe(200);
  });

  it('is reproducible with the same seed', () => {
    const first = seededRandom(99);
    const second = seededRandom(99);
    const a = Array.from({ length: 5 }, (_, n) => computeBackoffDelay(n, options, first));
    const b = Array.from({ length: 5 }, (_, n) => computeBackoffDelay(n, options, second));
    expect(a).toEqual(b);
  });
});

describe('retryDelayFor (Retry-After)', () => {
  it('uses retryAfterMs as a floor, capped by maxDelayMs', () => {
    const zero = () => 0.999_999_9; // backoff itself would be 0
    expect(retryDelayFor(0, { retryAfterMs: 2_000 }, options, zero)).toBe(2_000);
    expect(retryDelayFor(0, { retryAfterMs: 60_000 }, options, zero)).toBe(10_000);
    expect(retryDelayFor(3, { retryAfterMs: 1 }, options, () => 0)).toBe(800);
    expect(retryDelayFor(0, { retryAfterMs: undefined }, options, () => 0)).toBe(100);
  });
});
