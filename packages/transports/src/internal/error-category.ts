/**
 * The platform's error categories (the taxonomy `@mcs/resilience` owns). Kept here, word for word,
 * until that package publishes its own type; the names must stay identical so the switch is a
 * one-line import change.
 */
export type ErrorCategory =
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'cancelled'
  | 'invalid_input'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'internal'
  | 'protocol';

const retryableCategories: ReadonlySet<ErrorCategory> = new Set(['rate_limited', 'unavailable', 'timeout']);

export function isRetryableCategory(category: ErrorCategory): boolean {
  return retryableCategories.has(category);
}
