// Every export here is public API; named exports only.
export {
  type CallOptionsInput,
  createGatewayClient,
  type GatewayClient,
  type GatewayClientOptions,
  type ListOptionsInput,
} from './client/gateway-client.js';
export {
  applyEnvOverrides,
  type GatewayBackendConfig,
  type GatewayConfig,
  type GatewayConfigInput,
  gatewayConfigSchema,
  loadGatewayConfig,
  NATIVE_BACKEND,
  parseGatewayConfig,
} from './config.js';
export { describeFailure, type FailureInfo } from './error-status.js';
export { GatewayError, type GatewayErrorCode, gatewayErrorCodes } from './gateway-error.js';
export { type Gateway, type StartGatewayOptions, startGateway } from './server.js';
export {
  defineNativeTool,
  type NativeTool,
  type NativeToolContext,
  type NativeToolOutcome,
  type NativeToolYield,
} from './tools/native/native-tool.js';
