// Every export here is public API; named exports only. A subpath of its own (`@mcs/transports/grpc`)
// so that users of the MCP transports alone never load grpc-js or the generated gateway contract.
export {
  type CallOptionsInput,
  createGatewayClient,
  type GatewayClient,
  type GatewayClientOptions,
  type ListOptionsInput,
} from './gateway-client.js';
export { createGatewayConnection, type GatewayConnectionConfig } from './gateway-connection.js';
export { toContentBlock, toProtoPart } from './proto-content.js';
export {
  contentBlockEvents,
  createToolEventDecoder,
  decodeToolEvents,
  partEvents,
  plainTextEvent,
  plainTextResultEvents,
  resourceChunks,
  resultEvent,
  type ToolEventDecoder,
  type ToolEventDecoderOptions,
  toolResultEvents,
} from './tool-event-codec.js';
