import { RESILIENCE_ERROR_CODES, ResilienceError } from '../resilience-error.js';

/**
 * The error for a call its caller aborted. An `AbortSignal.timeout()` signal aborts with a
 * `TimeoutError`: that is the caller's deadline passing, so it is reported as `timeout`.
 */
export function abortedError(signal: AbortSignal): ResilienceError {
  const reason: unknown = signal.reason;
  if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError') {
    return new ResilienceError({
      code: RESILIENCE_ERROR_CODES.TIMEOUT,
      category: 'timeout',
      message: "The caller's deadline passed before the call finished.",
      cause: reason,
    });
  }
  return new ResilienceError({
    code: RESILIENCE_ERROR_CODES.CANCELLED,
    category: 'cancelled',
    message: 'The call was cancelled by its caller.',
    cause: reason,
  });
}

/**
 * Settles with `promise`, or rejects as soon as `signal` aborts, whichever comes first. The work behind
 * `promise` is not stopped here (it got the signal and stops cooperatively); its late outcome is ignored.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => ResilienceError): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(onAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with `abortedError(signal)` the moment the signal aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
