// Every export here is public API; named exports only.

export type { ErrorCategory } from '@mcs/resilience';
// MCP result types, so that users need no direct dependency on the SDK to type their code.
export type {
  CallToolResult,
  ClientCapabilities,
  ContentBlock,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  GetPromptResult,
  Implementation,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Root,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/client';
export type { Skill, SkillFile } from '@modelcontextprotocol/client/ext/skills';
export {
  type BackendConfig,
  type BackendConfigInput,
  BackendConfigSchema,
  type BackendTransportKind,
  type HttpBackendConfig,
  HttpBackendConfigSchema,
  type InMemoryBackendConfig,
  InMemoryBackendConfigSchema,
  type InMemoryServer,
  parseBackendConfig,
  type SseBackendConfig,
  SseBackendConfigSchema,
  type StdioBackendConfig,
  StdioBackendConfigSchema,
} from './backend-config.js';
export type {
  BackendAuthorization,
  BackendConnection,
  BackendConnectionOptions,
  BackendEventListener,
  BackendEventMap,
  BackendEventName,
  BackendProtocol,
  BackendStatus,
  CallToolOptions,
  CircuitBreakerState,
  ClientRequestHandlers,
  ListChangedKind,
  ProgressUpdate,
  RequestOptions,
  ServerRequestContext,
  TokenProvider,
} from './backend-connection.js';
export {
  type BackendPool,
  type BackendPoolConnectOptions,
  type BackendPoolConnectResult,
  backendPoolOf,
  createBackendPool,
} from './backend-pool.js';
export { createBackendConnection } from './mcp-backend-connection.js';
export {
  type SupervisionOptions,
  type SupervisionOptionsInput,
  SupervisionOptionsSchema,
} from './supervision-options.js';
export {
  TransportError,
  type TransportErrorCode,
  type TransportErrorOptions,
  transportErrorCodes,
} from './transport-error.js';
