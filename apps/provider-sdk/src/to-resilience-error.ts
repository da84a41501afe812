import { classifyError, isErrorCategory, ResilienceError } from '@mcs/resilience';

/**
 * Errors from @mcs/transports carry their category but are not `ResilienceError`s; the policy's
 * retry and breaker decide by category, so they are converted here (keeping the original as cause).
 */
export function toResilienceError(error: unknown): ResilienceError {
  if (ResilienceError.isInstance(error)) return error;
  if (error instanceof Error) {
    const { code, category, retryAfterMs } = error as Error & {
      code?: unknown;
      category?: unknown;
      retryAfterMs?: unknown;
    };
    if (typeof code === 'string' && typeof category === 'string' && isErrorCategory(category)) {
      return new ResilienceError({
        code,
        category,
        message: error.message,
        cause: error,
        ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
      });
    }
  }
  return classifyError(error);
}
