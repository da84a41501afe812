import type { ServiceDefinition } from '@grpc/grpc-js';
import { boundErrorMessage } from '@mcs/resilience';
import { GatewayError } from '../gateway-error.js';

/**
 * What a request that is not a protobuf message of its method's type decodes to. grpc-js answers a
 * throwing `requestDeserialize` itself with INTERNAL ("Error deserializing request"), a server error
 * for the client's mistake, before any handler, interceptor or log line sees the call; decoded to
 * this instead, the call runs through the interceptors (authentication first) and the handler
 * refuses it with INVALID_ARGUMENT.
 */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

/** The service definition with every method's request decoder made total (see MalformedRequest). */
export function withTolerantDecoding<Definition extends ServiceDefinition>(definition: Definition): Definition {
  const methods = Object.entries(definition).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new MalformedRequest(error instanceof Error ? error.message : String(error));
        }
      },
    },
  ]);
  return Object.fromEntries(methods) as Definition;
}

/** Throws INVALID_ARGUMENT for a request that did not decode. */
export function assertWellFormed(method: string, request: unknown): void {
  if (request instanceof MalformedRequest) {
    throw new GatewayError(
      'INVALID_ARGUMENT',
      boundErrorMessage(`The ${method} request is not a valid mcs.v1 message (${request.reason}).`, 300),
    );
  }
}
