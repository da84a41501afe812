import { AuthError } from './auth-error.js';

/**
 * Scope strings from a space-separated `scope` value (RFC 6749 §3.3) or an array (`scp`). Empty
 * entries are dropped, duplicates removed, order kept.
 */
export function parseScopes(value: unknown): string[] {
  const parts: unknown[] = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  const scopes = new Set<string>();
  for (const part of parts) {
    if (typeof part !== 'string') continue;
    // An array entry may itself hold several space-separated scopes (Azure AD writes `scp` that way).
    for (const scope of part.split(' ')) if (scope !== '') scopes.add(scope);
  }
  return [...scopes];
}

/** The space-separated form (`scope` claim, `WWW-Authenticate` `scope` parameter). */
export function formatScopes(scopes: readonly string[]): string {
  return [...new Set(scopes)].join(' ');
}

/** Returns the required scopes that `granted` lacks (empty when every one is granted). */
export function hasScopes(granted: readonly string[], required: readonly string[]): string[] {
  const have = new Set(granted);
  return [...new Set(required)].filter((scope) => !have.has(scope));
}

/** Throws INSUFFICIENT_SCOPE naming every required scope when any is missing. */
export function assertScopes(granted: readonly string[], required: readonly string[]): void {
  const missing = hasScopes(granted, required);
  if (missing.length === 0) return;
  throw new AuthError(
    'INSUFFICIENT_SCOPE',
    `The access token lacks scope ${missing.map((s) => `"${s}"`).join(', ')}; request a token with scope "${formatScopes(required)}".`,
    { requiredScopes: [...new Set(required)] },
  );
}
