// Every export here is public API; named exports only.

export type { ContentPart, ParsedToolResult } from '@mcs/content-parser';
export type { ErrorCategory } from '@mcs/resilience';
export type {
  CallToolResult,
  CreateMessageRequestParams,
  CreateMessageResult,
  GetPromptResult,
  ListChangedKind,
  LoggingLevel,
  ProgressUpdate,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Root,
  ServerCapabilities,
  Tool,
} from '@mcs/transports';
/** OpenAI's chat message type: `generate` accepts these too (see `MessageInput`, `fromOpenAIMessages`). */
export type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
export {
  AuthorizationError,
  type AuthorizationErrorCode,
  authorizationErrorCodes,
} from './auth/authorization-error.js';
export { type Authorizer, checkAuthorizationResponse } from './auth/authorizer.js';
export {
  type BackendAuthConfig,
  type BackendAuthConfigInput,
  BackendAuthConfigSchema,
} from './auth/backend-auth-config.js';
export {
  createEncryptedFileTokenStore,
  type EncryptedFileTokenStoreOptions,
} from './auth/encrypted-file-token-store.js';
export {
  createHeadlessAuthorizer,
  HeadlessAuthorizer,
  type HeadlessAuthorizerOptions,
} from './auth/headless-authorizer.js';
export {
  createLoopbackAuthorizer,
  LoopbackAuthorizer,
  type LoopbackAuthorizerOptions,
} from './auth/loopback-authorizer.js';
export type { PoolAuthOptions } from './auth/pool-auth.js';
export {
  createMemoryTokenStore,
  type StoredAuthorization,
  type StoredIssuerEntry,
  type TokenStore,
} from './auth/token-store.js';
export type { ClientFeatureOptions } from './client/client-features.js';
export {
  type ElicitationAnswer,
  type ElicitationContent,
  type ElicitationHandler,
  type ElicitationRequest,
  type ElicitationSchema,
  elicitationDefaults,
  type FormElicitationRequest,
  type UrlElicitationRequest,
} from './client/elicitation.js';
export type { PoolEventListener, PoolEventMap, PoolEventName } from './client/pool-events.js';
export {
  createSamplingHandler,
  type SamplingHandler,
  type SamplingHandlerOptions,
  type SamplingModelInput,
  type SamplingModelOutput,
  type SamplingRequest,
  samplingGenerateRequest,
} from './client/sampling-handler.js';
export { didYouMean } from './config/did-you-mean.js';
export { explainProviderConfig, redactProviderConfig } from './config/explain-config.js';
export {
  type LoadedProviderConfig,
  type LoadProviderConfigOptions,
  loadProviderConfig,
} from './config/load-provider-config.js';
export { MAX_CONFIG_DEPTH, nestedTooDeep } from './config/nesting-depth.js';
export type { AwsSecretsManagerOptions } from './config/secrets/aws-secrets-manager.js';
export {
  SecretLookupError,
  type SecretReference,
  type SecretResolveContext,
  type SecretResolver,
} from './config/secrets/secret-resolver.js';
export type { VaultSecretOptions } from './config/secrets/vault-secret.js';
export {
  type CreateProviderOptions,
  createProvider,
  type GenerateObjectRequest,
  type GenerateObjectResult,
  type GenerateRequest,
  type GenerateResult,
  type Provider,
  type ResponseFormat,
  type ToolCallRecord,
  type ToolChoice,
} from './create-provider.js';
export { type InterpolateEnvOptions, interpolateEnv } from './interpolate-env.js';
export {
  createMcpClientPool,
  createPoolFromParsed,
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
  type PoolSkill,
  type PoolSkillFile,
  type PoolTool,
  type PoolToolResult,
  type PoolUnavailable,
} from './mcp-client-pool.js';
export type {
  LanguageModelV1,
  ModelCallOptions,
  ModelCallSettings,
  ModelGenerateResult,
  ModelResponseFormat,
  ModelStreamPart,
  ModelTool,
  ModelToolCall,
  ModelToolChoice,
} from './model/language-model.js';
export {
  type AssistantMessage,
  fromOpenAIMessages,
  type Message,
  type MessageInput,
  type MessageToolCall,
  type SystemMessage,
  type ToolMessage,
  toOpenAIMessages,
  type UserContentPart,
  type UserMessage,
} from './model/message.js';
export { createOpenAIChatModel, type OpenAIChatModelOptions } from './model/openai-chat-model.js';
/** Sums usage the way `generate` does across steps (applications that total usage per turn). */
export { addUsage } from './model/tool-loop.js';
export type { ObservabilityOptions } from './observability/provider-observability.js';
export {
  type PoolBackendConfig,
  type PoolBackendConfigInput,
  PoolBackendConfigSchema,
  type PoolConfig,
  type PoolConfigInput,
  PoolConfigSchema,
  parsePoolConfig,
} from './pool-config.js';
export type { PoolBackendStatus } from './pool-connection.js';
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
  AbortPart,
  BackendsUnavailablePart,
  ErrorPart,
  FinishPart,
  FinishReason,
  ModelFallbackPart,
  ModelRetryPart,
  RetryPart,
  StartPart,
  StepFinishPart,
  StepStartPart,
  StreamPart,
  TextDeltaPart,
  ToolCallPart,
  ToolErrorPart,
  ToolProgressPart,
  ToolResultPart,
  ToolRetryPart,
  Usage,
} from './stream-part.js';
