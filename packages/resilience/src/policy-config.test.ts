import { describe, expect, it } from 'vitest';
import { createPolicy } from './create-policy.js';
import { parsePolicyConfig } from './policy-config.js';
import { ResilienceError } from './resilience-error.js';

function configError(input: unknown): ResilienceError {
  try {
    parsePolicyConfig(input);
  } catch (error) {
    if (ResilienceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected parsePolicyConfig to throw');
}

describe('parsePolicyConfig', () => {
  it('fills in every documented default', () => {
    expect(parsePolicyConfig({})).toEqual({
      name: 'default',
      retry: {
        enabled: true,
        maxRetries: 3,
        baseDelayMs: 100,
        maxDelayMs: 30_000,
        jitterFactor: 1,
        retryCategories: ['rate_limited', 'unavailable', 'timeout'],
      },
      circuitBreaker: {
        enabled: true,
        strategy: 'consecutive',
        failureThreshold: 5,
        failureRateThreshold: 0.5,
        samplingDurationMs: 30_000,
        recoveryTimeoutMs: 30_000,
        halfOpenMaxCalls: 1,
        failureCategories: ['unavailable', 'timeout', 'internal'],
      },
      timeout: { enabled: true, timeoutMs: 30_000 },
      bulkhead: { enabled: true, maxConcurrent: 64, maxQueue: 256 },
    });
    expect(parsePolicyConfig(undefined).name).toBe('default');
  });

  it('keeps given fields and defaults the rest of a section', () => {
    const config = parsePolicyConfig({
      name: 'everything',
      retry: { maxRetries: 5 },
      circuitBreaker: { halfOpenMaxCalls: 2 },
    });
    expect(config.retry).toMatchObject({ maxRetries: 5, baseDelayMs: 100 });
    expect(config.circuitBreaker).toMatchObject({ halfOpenMaxCalls: 2, failureThreshold: 5 });
  });

  it('lists every problem with its path in one INVALID_CONFIG error', () => {
    const error = configError({
      retry: { maxRetries: -1, jitterFactor: 2, retryCategories: ['unavailable', 'teapot'] },
      bulkhead: { maxConcurrent: 0 },
    });
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.category).toBe('invalid_input');
    expect(error.message).toMatch(/^Invalid resilience policy config; fix these fields: /);
    expect(error.message).toContain('retry.maxRetries');
    expect(error.message).toContain('retry.jitterFactor');
    expect(error.message).toContain('retry.retryCategories.1');
    expect(error.message).toContain('bulkhead.maxConcurrent');
    expect(error.details.problems).toHaveLength(4);
  });

  it('points seed-style snake_case names to their camelCase field', () => {
    const error = configError({ retry: { max_retries: 3, base_delay: 1 } });
    expect(error.message).toContain('"max_retries" (use retry.maxRetries)');
    expect(error.message).toContain('"base_delay" (use retry.baseDelayMs (milliseconds))');
  });

  it('rejects maxDelayMs below baseDelayMs and retrying cancelled calls', () => {
    expect(configError({ retry: { baseDelayMs: 500, maxDelayMs: 100 } }).message).toContain(
      'retry.maxDelayMs: maxDelayMs must be greater than or equal to baseDelayMs',
    );
    expect(configError({ retry: { retryCategories: ['cancelled'] } }).message).toContain('cannot contain "cancelled"');
  });

  it('createPolicy validates too', () => {
    expect(() => createPolicy({ timeout: { timeoutMs: 0 } })).toThrow(/timeout\.timeoutMs/);
    // @ts-expect-error a wrong type is what a JSON config file can hold
    expect(() => createPolicy({ circuitBreaker: { strategy: 'random' } })).toThrow(/circuitBreaker\.strategy/);
  });
});
