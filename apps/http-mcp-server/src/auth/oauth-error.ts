import { boundErrorMessage } from '@mcs/resilience';

/** OAuth 2.x error codes this server answers with (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'server_error';

/**
 * A refusal of the authorization server, answered as `{ error, error_description }` (or as
 * redirect parameters from `/authorize`). `code` is the OAuth error code; the message says what to do.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly code: OAuthErrorCode;
  readonly status: number;

  constructor(code: OAuthErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? (code === 'invalid_client' ? 401 : code === 'server_error' ? 500 : 400);
  }

  toBody(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: boundErrorMessage(this.message) };
  }

  /**
   * Fields of the log line of this refusal: the message the client got and, for the server log only,
   * the underlying reason (`cause`, bounded), which may name hosts and addresses the client must not see.
   */
  logFields(): { oauthError: OAuthErrorCode; reason: string; detail?: string } {
    const cause = this.cause instanceof Error ? this.cause.message : this.cause;
    return {
      oauthError: this.code,
      reason: boundErrorMessage(this.message),
      ...(cause === undefined ? {} : { detail: boundErrorMessage(String(cause)) }),
    };
  }
}
