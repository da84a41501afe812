import { exitCodeOf } from './exit-codes.js';

export const chatCliErrorCodes = ['USAGE', 'CONFIG_NOT_FOUND', 'CONFIG_INVALID', 'COMMAND_FAILED'] as const;
export type ChatCliErrorCode = (typeof chatCliErrorCodes)[number];

const brand = Symbol.for('@mcs/chat-cli/ChatCliError');

/** The CLI's own failures. `USAGE` and `CONFIG_*` end the process with exit code 2 (see exit-codes.ts). */
export class ChatCliError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through the global symbol
  private readonly [brand] = true;
  override readonly name = 'ChatCliError';
  readonly code: ChatCliErrorCode;

  constructor(code: ChatCliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** Exit code the process ends with when this error stops it. */
  get exitCode(): number {
    return exitCodeOf(this.code);
  }

  static isInstance(value: unknown): value is ChatCliError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}
