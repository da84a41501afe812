import { computeBackoffDelay } from '@mcs/resilience';
import type { SupervisionOptions } from '../supervision-options.js';

/**
 * Delay before restart attempt `attempt` (1-based): doubling from `initialDelayMs`, capped at
 * `maxDelayMs`, with the configured share randomised so that many gateways restarting one shared
 * backend do not stampede it.
 */
export function restartDelayMs(attempt: number, options: SupervisionOptions['restart']): number {
  return computeBackoffDelay(Math.max(0, attempt - 1), {
    baseDelayMs: options.initialDelayMs,
    maxDelayMs: options.maxDelayMs,
    jitterFactor: options.jitterFactor,
  });
}
