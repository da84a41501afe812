export type UpstreamLoginErrorCode =
  /** No upstream identity provider is configured on this server. */
  | 'NOT_CONFIGURED'
  /** The request carries neither an authenticated principal nor an MCP session to bind a login to. */
  | 'NO_USER'
  /** The user has not signed in upstream (or signed out, or the sign-in ran out). */
  | 'NOT_LOGGED_IN'
  /** The callback's `state` is unknown, expired or already used. */
  | 'STATE_INVALID'
  /** The upstream provider refused the callback (error response, code exchange failure). */
  | 'LOGIN_FAILED'
  /** The stored credentials cannot be opened (tampered, other key, other owner). */
  | 'CREDENTIALS_UNREADABLE'
  /** The refresh token was refused: the user must sign in again. */
  | 'REFRESH_REFUSED'
  /** The provider could not be reached (discovery, token endpoint). */
  | 'PROVIDER_UNAVAILABLE';

/** Errors of the upstream login flow: a string `code`, a message that says what to do, and the `cause`. */
export class UpstreamLoginError extends Error {
  override readonly name = 'UpstreamLoginError';
  readonly code: UpstreamLoginErrorCode;

  constructor(code: UpstreamLoginErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
