export type HttpMcpServerErrorCode =
  | 'INVALID_CONFIG'
  | 'AUTH_NOT_IMPLEMENTED'
  | 'STORE_UNAVAILABLE'
  | 'SHUTDOWN_TIMEOUT';

/** Base error of the app: a string `code`, a message that says what to do, and the `cause`. */
export class HttpMcpServerError extends Error {
  override readonly name = 'HttpMcpServerError';
  readonly code: HttpMcpServerErrorCode;

  constructor(code: HttpMcpServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
