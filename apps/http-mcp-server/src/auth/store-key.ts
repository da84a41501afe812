/**
 * Whether an id from a request can be one this server issued (client ids, sign-in request ids,
 * federation states: UUIDs and base64url, at most 200 characters of visible ASCII). Anything else is
 * unknown, answered as such, and never reaches the store, which refuses control characters with an
 * error (that was a 500 for `client_id=%0A`).
 */
export function isStoreKey(value: string): boolean {
  return /^[\x21-\x7e]{1,200}$/.test(value);
}
