import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { SessionStoreError, type SessionStoreErrorCode } from '../../src/index.js';

/** Resolves to the `SessionStoreError` the promise rejects with, after checking its code. */
export async function expectStoreError(
  promise: Promise<unknown>,
  code: SessionStoreErrorCode,
): Promise<SessionStoreError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(SessionStoreError.isInstance(error), `expected a SessionStoreError ${code}, got ${String(error)}`).toBe(true);
  expect((error as SessionStoreError).code).toBe(code);
  return error as SessionStoreError;
}

/** A fresh key prefix per test, so tests sharing one Redis never see each other's keys. */
export function uniquePrefix(): string {
  return `t${randomUUID().slice(0, 8)}:`;
}

export function uniqueId(label: string): string {
  return `${label}-${randomUUID()}`;
}

export { sleep };
