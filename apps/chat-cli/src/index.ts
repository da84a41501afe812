// Every export here is public API; named exports only.
export { type Chat, type ChatOptions, type ChatStep, createChat, type SendOptions } from './api/create-chat.js';
export { type LocalChatOptions, openLocalChat } from './api/open-local-chat.js';
export { ChatCliError, type ChatCliErrorCode, chatCliErrorCodes } from './chat-cli-error.js';
export {
  DEFAULT_CONFIG_FILE,
  type LoadChatConfigOptions,
  type LoadedChatConfig,
  loadChatConfig,
} from './chat-config.js';
export { ChatSession, type TurnOutcome } from './chat-session.js';
export { EXIT_FAILED, EXIT_MODEL, EXIT_OK, EXIT_SERVER, EXIT_USAGE, runCli } from './cli.js';
export type { CliHost } from './cli-host.js';
export type { ChatEvent } from './render/chat-event.js';
