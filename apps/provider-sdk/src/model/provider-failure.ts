import { ProviderError } from '../provider-error.js';
import { toResilienceError } from '../to-resilience-error.js';

/** Any failure of a request as our error: `CANCELLED` when it was aborted, else `MODEL_FAILED` with its category. */
export function providerFailure(error: unknown, signal: AbortSignal): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  if (signal.aborted) return new ProviderError('CANCELLED', 'the request was cancelled', { cause: signal.reason });
  const classified = toResilienceError(error);
  if (classified.category === 'cancelled')
    return new ProviderError('CANCELLED', 'the request was cancelled', { cause: error });
  return new ProviderError('MODEL_FAILED', `the model API failed (${classified.code}): ${classified.message}`, {
    category: classified.category,
    cause: classified.cause ?? error,
  });
}
