// Every export here is public API; named exports only.

export type { ContentPart, ParsedToolResult } from '@mcs/content-parser';
export type { ErrorCategory } from '@mcs/resilience';
export type {
  CallToolResult,
  GetPromptResult,
  ProgressUpdate,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from '@mcs/transports';
export type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
export {
  type CreateProviderOptions,
  createProvider,
  type GenerateRequest,
  type GenerateResult,
  type Provider,
  type ToolCallRecord,
} from './create-provider.js';
export { interpolateEnv } from './interpolate-env.js';
export {
  createMcpClientPool,
  type McpClientPool,
  type McpClientPoolOptions,
  type PoolCallToolOptions,
  type PoolConnectOptions,
  type PoolConnectResult,
  type PoolList,
  type PoolListOptions,
  type PoolPrompt,
  type PoolRequestOptions,
  type PoolResource,
  type PoolResourceTemplate,
  type PoolTool,
  type PoolToolResult,
  type PoolUnavailable,
} from './mcp-client-pool.js';
export type { PoolBackendStatus } from './pool-backend.js';
export {
  type PoolBackendConfig,
  type PoolBackendConfigInput,
  PoolBackendConfigSchema,
  type PoolConfig,
  type PoolConfigInput,
  PoolConfigSchema,
  parsePoolConfig,
} from './pool-config.js';
export {
  type ProviderConfig,
  type ProviderConfigInput,
  ProviderConfigSchema,
  parseProviderConfig,
} from './provider-config.js';
export {
  ProviderError,
  type ProviderErrorCode,
  type ProviderErrorOptions,
  providerErrorCodes,
} from './provider-error.js';
export type { ResolveConfigOptions } from './resolve-config.js';
export type {
  BackendsUnavailablePart,
  ErrorPart,
  FinishPart,
  FinishReason,
  ModelRetryPart,
  RetryPart,
  StreamPart,
  TextDeltaPart,
  ToolCallPart,
  ToolProgressPart,
  ToolResultPart,
  ToolRetryPart,
  Usage,
} from './stream-part.js';
