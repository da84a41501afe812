import type { SupervisionOptions } from '../supervision-options.js';

/**
 * Delay before restart attempt `attempt` (1-based): exponential, capped, with the configured share
 * randomised downwards so that many gateways restarting one shared backend do not stampede it.
 */
export function restartDelayMs(attempt: number, options: SupervisionOptions['restart'], random = Math.random): number {
  const exponential = options.initialDelayMs * options.multiplier ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxDelayMs, exponential);
  return Math.round(capped * (1 - options.jitterFactor * random()));
}
