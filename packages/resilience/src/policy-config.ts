import { z } from 'zod';
import { ERROR_CATEGORIES, type ErrorCategory } from './error-category-table.js';
import { RESILIENCE_ERROR_CODES, ResilienceError } from './resilience-error.js';

const category = z.enum(ERROR_CATEGORIES as [ErrorCategory, ...ErrorCategory[]]);
const milliseconds = z.number().int().nonnegative();

/**
 * Retry with exponential backoff and jitter. Attempt n (n = 0 for the first retry) waits a random time
 * in [cap * (1 - jitterFactor), cap], cap = min(maxDelayMs, baseDelayMs * 2^n); a `retryAfterMs` on the
 * error raises that wait (never above maxDelayMs).
 */
export const RetryConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Retries after the first attempt (seed: `max_retries`). 0 = never retry. */
    maxRetries: z.number().int().min(0).max(100).default(3),
    /** First backoff cap (seed: `base_delay`). */
    baseDelayMs: milliseconds.default(100),
    /** Largest wait between attempts, including one asked by `Retry-After` (seed: `max_delay`). */
    maxDelayMs: milliseconds.default(30_000),
    /** Share of each wait that is random (seed: `jitter_factor`): 1 = full jitter, 0 = none. */
    jitterFactor: z.number().min(0).max(1).default(1),
    /** Categories to retry (seed: `retry_codes`). Default: the retryable ones in `ERROR_CATEGORY_TABLE`. */
    retryCategories: z
      .array(category)
      .default(['rate_limited', 'unavailable', 'timeout'])
      .refine((categories) => !categories.includes('cancelled'), {
        message: 'cannot contain "cancelled": nobody waits for the result of a cancelled call',
      }),
  })
  .refine((retry) => retry.maxDelayMs >= retry.baseDelayMs, {
    message: 'maxDelayMs must be greater than or equal to baseDelayMs',
    path: ['maxDelayMs'],
  });

export const CircuitBreakerConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** `consecutive`: open after `failureThreshold` failures in a row. `sampling`: open on a failure rate. */
  strategy: z.enum(['consecutive', 'sampling']).default('consecutive'),
  /** Consecutive failures that open the circuit (seed: `failure_threshold`). */
  failureThreshold: z.number().int().min(1).default(5),
  /** Sampling: share of failed calls in the window that opens the circuit. */
  failureRateThreshold: z.number().gt(0).lt(1).default(0.5),
  /** Sampling: length of the sliding window. */
  samplingDurationMs: z.number().int().min(1_000).default(30_000),
  /** Sampling: calls per second below which the circuit never opens (default: 5 failures/s, cockatiel's). */
  minimumRps: z.number().positive().optional(),
  /** Time the circuit stays open before letting probes through (seed: `recovery_timeout`). */
  recoveryTimeoutMs: milliseconds.default(30_000),
  /** Probe calls let through while half-open; all must succeed to close (seed: `half_open_max_calls`). */
  halfOpenMaxCalls: z.number().int().min(1).default(1),
  /** Categories that count as failures; others (e.g. invalid_input, a caller bug) leave the circuit alone. */
  failureCategories: z.array(category).min(1).default(['unavailable', 'timeout', 'internal']),
});

export const TimeoutConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Per attempt: the signal given to the function aborts after this long. */
  timeoutMs: z.number().int().min(1).default(30_000),
});

export const BulkheadConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Calls running at once (a call keeps its slot through its retries). */
  maxConcurrent: z.number().int().min(1).default(64),
  /** Calls waiting for a slot; more are rejected with `BULKHEAD_REJECTED`. */
  maxQueue: z.number().int().min(0).default(256),
});

export const PolicyConfigSchema = z.strictObject({
  /** Labels every event (e.g. the backend's name). */
  name: z.string().min(1).default('default'),
  retry: RetryConfigSchema.default(RetryConfigSchema.parse({})),
  circuitBreaker: CircuitBreakerConfigSchema.default(CircuitBreakerConfigSchema.parse({})),
  timeout: TimeoutConfigSchema.default(TimeoutConfigSchema.parse({})),
  bulkhead: BulkheadConfigSchema.default(BulkheadConfigSchema.parse({})),
});

/** The config as written (every field optional). */
export type PolicyConfigInput = z.input<typeof PolicyConfigSchema>;
/** The config with every default filled in. */
export type PolicyConfig = z.output<typeof PolicyConfigSchema>;
export type RetryConfig = PolicyConfig['retry'];
export type CircuitBreakerConfig = PolicyConfig['circuitBreaker'];
export type TimeoutConfig = PolicyConfig['timeout'];
export type BulkheadConfig = PolicyConfig['bulkhead'];

// The seed's names (snake_case, seconds) are what people coming from it will type.
const SEED_NAMES: Readonly<Record<string, string>> = {
  failure_threshold: 'circuitBreaker.failureThreshold',
  recovery_timeout: 'circuitBreaker.recoveryTimeoutMs (milliseconds)',
  half_open_max_calls: 'circuitBreaker.halfOpenMaxCalls',
  max_retries: 'retry.maxRetries',
  base_delay: 'retry.baseDelayMs (milliseconds)',
  max_delay: 'retry.maxDelayMs (milliseconds)',
  jitter_factor: 'retry.jitterFactor',
  retry_codes: 'retry.retryCategories (error categories)',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length === 0 ? '(root)' : issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const hints = issue.keys.map((key) => (SEED_NAMES[key] ? `"${key}" (use ${SEED_NAMES[key]})` : `"${key}"`));
    return `${where}: unknown field ${hints.join(', ')}`;
  }
  return `${where}: ${issue.message}`;
}

/**
 * Validates `input` against one of this package's config schemas and fills in the defaults. Throws a
 * `ResilienceError` with code `INVALID_CONFIG` whose message lists every problem with its path.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  throw new ResilienceError({
    code: RESILIENCE_ERROR_CODES.INVALID_CONFIG,
    category: 'invalid_input',
    message: `Invalid ${what} config; fix these fields: ${problems.join('; ')}.`,
    cause: result.error,
    details: { problems },
  });
}

/** Validates a policy config and fills in the defaults (see `parseConfig`). */
export function parsePolicyConfig(input: unknown): PolicyConfig {
  return parseConfig(PolicyConfigSchema, input, 'resilience policy');
}
