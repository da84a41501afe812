import { expect } from 'vitest';
import { AuthError } from '../src/index.js';

/** Awaits a promise that must reject with an AuthError of `code`, and returns that error. */
export async function expectAuthError(promise: Promise<unknown>, code: string): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(AuthError.isInstance(error), `expected AuthError ${code}, got ${String(error)}`).toBe(true);
  expect((error as AuthError).code).toBe(code);
  return error as AuthError;
}
