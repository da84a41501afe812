import { z } from 'zod';
import { configError } from './backend-config.js';

const ms = z.number().int().nonnegative();
const positiveMs = z.number().int().positive();

/** Restarting a dead stdio process / reconnecting a dropped HTTP or SSE session. */
export const RestartOptionsSchema = z.strictObject({
  /** First delay after a failure; doubles per consecutive failure. */
  initialDelayMs: ms.default(250),
  /** Upper bound of the delay. */
  maxDelayMs: positiveMs.default(30_000),
  /** Share of each delay that is randomised downwards (0 = none, 1 = full jitter). */
  jitterFactor: z.number().min(0).max(1).default(0.5),
  /** Consecutive failed restarts before giving up (status `failed`); unset = never give up. */
  maxAttempts: z.number().int().positive().optional(),
  /** A session that stayed up this long resets the backoff to `initialDelayMs`. */
  stableAfterMs: ms.default(10_000),
});

/** Periodic `ping` requests that detect a hung backend. */
export const HealthOptionsSchema = z.strictObject({
  /** 0 disables pings. */
  pingIntervalMs: ms.default(15_000),
  pingTimeoutMs: positiveMs.default(5_000),
  /** Consecutive failed pings after which the session is torn down and restarted. */
  failuresBeforeRestart: z.number().int().positive().default(2),
});

/** Circuit breaker per backend: fail fast while the backend keeps failing. */
export const BreakerOptionsSchema = z.strictObject({
  /** Consecutive failed calls (unavailable/timeout only, never tool errors) that open the breaker. */
  failureThreshold: z.number().int().positive().default(5),
  /** How long the breaker stays open before letting probe calls through (half-open). */
  recoveryTimeoutMs: positiveMs.default(10_000),
  /** Probe calls let through while half-open; all must succeed to close the breaker. */
  halfOpenMaxCalls: z.number().int().positive().default(1),
  /**
   * While open, the backend is pinged this often (each ping bounded by `health.pingTimeoutMs`); the
   * first ping it answers half-opens the breaker at once, so service resumes soon after the backend
   * does instead of `recoveryTimeoutMs` later. 0 disables: the breaker waits out `recoveryTimeoutMs`.
   */
  recoveryPingIntervalMs: ms.default(250),
});

export const SupervisionOptionsSchema = z.strictObject({
  restart: RestartOptionsSchema.default(RestartOptionsSchema.parse({})),
  health: HealthOptionsSchema.default(HealthOptionsSchema.parse({})),
  breaker: BreakerOptionsSchema.default(BreakerOptionsSchema.parse({})),
  /** Default per-request timeout; each call may pass its own `timeoutMs`. */
  requestTimeoutMs: positiveMs.default(60_000),
  /** Budget for one connect attempt (spawn or HTTP handshake + MCP `initialize`). */
  connectTimeoutMs: positiveMs.default(30_000),
  /** stdio: time between SIGTERM and SIGKILL of the process group when stopping a backend. */
  shutdownGraceMs: ms.default(2_000),
});

export type SupervisionOptions = z.output<typeof SupervisionOptionsSchema>;
export type SupervisionOptionsInput = z.input<typeof SupervisionOptionsSchema>;

export function parseSupervisionOptions(backend: string, input: unknown): SupervisionOptions {
  const result = SupervisionOptionsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw configError(backend, 'supervision options', result.error);
}
