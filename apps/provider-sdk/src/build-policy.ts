import { createPolicy, type ResilienceEvent, type ResiliencePolicy } from '@mcs/resilience';
import { ProviderError } from './provider-error.js';

/** Merges a user's policy fields over our defaults, one level deep (`retry`, `timeout`, ...). */
function mergePolicy(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    const bothObjects =
      typeof current === 'object' &&
      current !== null &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value);
    result[key] = bothObjects ? { ...current, ...value } : value;
  }
  return result;
}

/**
 * A `@mcs/resilience` policy from defaults and the config's partial override; a bad field becomes
 * `CONFIG_INVALID` naming where it sits in our config (`field`).
 */
export function buildPolicy(
  name: string,
  field: string,
  defaults: Record<string, unknown>,
  override: Record<string, unknown> | undefined,
  onEvent: ((event: ResilienceEvent) => void) | undefined,
): ResiliencePolicy {
  try {
    return createPolicy({ name, ...mergePolicy(defaults, override ?? {}) }, onEvent ? { onEvent } : {});
  } catch (error) {
    throw new ProviderError('CONFIG_INVALID', `invalid config: ${field}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
