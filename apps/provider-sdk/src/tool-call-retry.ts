import type { Tool } from '@mcs/transports';
import type { PoolBackendConfig } from './pool-config.js';

/**
 * Whether a failed tool call may be started again. A call that timed out or whose backend died may
 * have done its work already, so only a tool that says it is safe to repeat (read-only, or idempotent)
 * is retried, unless the backend's `retryToolCalls` opts in for it. A tool the pool has not listed
 * yet has no annotations: it is not retried.
 */
export function mayRetryToolCall(
  setting: PoolBackendConfig['retryToolCalls'],
  tool: string,
  annotations: Tool['annotations'] | undefined,
): boolean {
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  if (annotations?.readOnlyHint === true || annotations?.idempotentHint === true) return true;
  return Array.isArray(setting) && setting.includes(tool);
}
