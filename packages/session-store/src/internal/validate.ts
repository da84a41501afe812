import { SessionStoreError } from '../session-store-error.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f]/;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Ids end up in Redis keys and SSE `id:` lines: bounded length, no control characters (no CR/LF). */
export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512 || CONTROL.test(value)) {
    throw new SessionStoreError(
      'INVALID_ARGUMENT',
      `${what} must be a string of 1 to 512 characters without control characters.`,
    );
  }
}

export function assertNamespace(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !NAMESPACE.test(value)) {
    throw new SessionStoreError(
      'INVALID_ARGUMENT',
      'A record namespace must be 1 to 64 characters of letters, digits, "_", "." or "-" (e.g. "authcode").',
    );
  }
}

export function assertTtl(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new SessionStoreError('INVALID_ARGUMENT', `${what} must be a positive whole number of milliseconds.`);
  }
}

export function assertEpochMs(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SessionStoreError('INVALID_ARGUMENT', `${what} must be a time in epoch milliseconds.`);
  }
}
