// Every export here is public API; named exports only.
// The generated code lives in src/gen/ (built by `buf generate`, never edited, never committed).
import { fileURLToPath } from 'node:url';

export * from './gen/mcs/v1/gateway.js';

/** Folder that holds the .proto sources (`mcs/v1/gateway.proto`): the include root for proto loaders. */
export const protoRoot: string = fileURLToPath(new URL('..', import.meta.url));

/** Path of the gateway contract, relative to `protoRoot`. */
export const gatewayProtoFile = 'mcs/v1/gateway.proto';

/** Fully-qualified name of the gateway service, as used by reflection and health checks. */
export const gatewayServiceName = 'mcs.v1.ContextGateway';

/**
 * Sizes the contract allows (the header of `gateway.proto` states them too). The gateway refuses longer
 * values with INVALID_ARGUMENT; clients check them before sending, because a name also travels in the
 * `mcp-tool` header, and a header past the peer's limit fails the whole HTTP/2 connection, not one call.
 */
export const gatewayLimits = {
  /** Tool, prompt and backend names. */
  nameChars: 256,
  /** Resource URIs. */
  uriChars: 8192,
} as const;
