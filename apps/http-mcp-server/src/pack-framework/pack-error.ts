/** Codes of the errors raised while choosing or registering tool packs. */
export type PackErrorCode = 'UNKNOWN_TOOL_PACK' | 'EMPTY_TOOL_PACKS' | 'INVALID_PACK_CONTEXT';

/**
 * Base error of the tool packs: a string `code` a caller can branch on, a message that says what
 * to do, and the original `cause`.
 */
export class PackError extends Error {
  override readonly name = 'PackError';
  readonly code: PackErrorCode;

  constructor(code: PackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
