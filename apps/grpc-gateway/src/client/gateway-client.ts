// The gateway's client is the one in @mcs/transports/grpc (shared with the provider-sdk): exported here
// too, so that users of the gateway package need no second import to talk to it.
export {
  type CallOptionsInput,
  createGatewayClient,
  type GatewayClient,
  type GatewayClientOptions,
  type ListOptionsInput,
} from '@mcs/transports/grpc';
