import type { ResilienceError } from './resilience-error.js';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** 1 = full jitter (uniform in [0, cap]), 0 = no jitter (always cap). */
  jitterFactor: number;
}

/** A source of uniform numbers in [0, 1); inject a seeded one to make delays reproducible. */
export type RandomSource = () => number;

/**
 * The exponential cap for retry n (n = 0 for the first retry): min(maxDelayMs, baseDelayMs * 2^n).
 */
export function backoffCap(retryIndex: number, options: Pick<BackoffOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  // 2^n overflows to Infinity for large n, which min() turns back into maxDelayMs.
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retryIndex);
}

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter") generalised by a jitter factor:
 * the delay is uniform in [cap * (1 - jitterFactor), cap]. Spreading retries over the whole interval is
 * what keeps many clients that failed together from retrying together.
 */
export function computeBackoffDelay(
  retryIndex: number,
  options: BackoffOptions,
  random: RandomSource = Math.random,
): number {
  const cap = backoffCap(retryIndex, options);
  return Math.round(cap * (1 - options.jitterFactor * random()));
}

/**
 * The wait before retry n after `error`: the jittered backoff, raised to the error's `retryAfterMs`
 * (what the server asked for) and capped by maxDelayMs, so one misbehaving header cannot park a call.
 */
export function retryDelayFor(
  retryIndex: number,
  error: Pick<ResilienceError, 'retryAfterMs'>,
  options: BackoffOptions,
  random: RandomSource = Math.random,
): number {
  const backoff = computeBackoffDelay(retryIndex, options, random);
  if (error.retryAfterMs === undefined) return backoff;
  return Math.min(options.maxDelayMs, Math.max(backoff, error.retryAfterMs));
}

/**
 * A deterministic `RandomSource` (mulberry32): the same seed gives the same delays, for tests and for
 * reproducing a retry schedule from a log. Not for anything security-related.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
