import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { AuthError } from '@mcs/auth';
import {
  boundErrorMessage,
  classifyError,
  type ErrorCategory,
  grpcStatusForCategory,
  isErrorCategory,
} from '@mcs/resilience';

/**
 * What the gateway reports about a failure: the gRPC status, the platform category and a message. The
 * message is bounded (`boundErrorMessage`): it goes into status trailers, error events and logs, and an
 * unbounded one (a caller's 100 kB name, a backend's huge error) once failed the peer's HTTP/2 session,
 * killing every other call on the channel.
 */
export interface FailureInfo {
  code: status;
  category: ErrorCategory | 'unauthenticated';
  message: string;
  /** The backend's JSON-RPC error code, when the failure came from one. */
  jsonRpcCode: number;
}

/**
 * Puts anything thrown into one status. Every category -> gRPC status decision comes from the platform's
 * one table in `@mcs/resilience` (`grpcStatusForCategory`): errors that already carry a category
 * (GatewayError, TransportError) use it, AuthError uses its own table's status, anything else is
 * classified by `classifyError` (JSON-RPC codes, SDK errors, network errors).
 */
export function describeFailure(error: unknown): FailureInfo {
  const message = boundErrorMessage(error instanceof Error ? error.message : String(error));
  const rpcCode = Reflect.get(Object(error), 'rpcCode');
  const jsonRpcCode = typeof rpcCode === 'number' ? rpcCode : 0;
  if (AuthError.isInstance(error)) {
    const category: ErrorCategory =
      error.grpcStatusCode === status.UNAUTHENTICATED
        ? 'unauthenticated'
        : error.grpcStatusCode === status.PERMISSION_DENIED
          ? 'permission_denied'
          : error.grpcStatusCode === status.INVALID_ARGUMENT
            ? 'invalid_input'
            : error.grpcStatusCode === status.UNAVAILABLE
              ? 'unavailable'
              : 'internal';
    return { code: error.grpcStatusCode as status, category, message, jsonRpcCode };
  }
  const own = Reflect.get(Object(error), 'category');
  const category: ErrorCategory = isErrorCategory(own) ? own : classifyError(error).category;
  return { code: grpcStatusForCategory(category) as status, category, message, jsonRpcCode };
}

/** A grpc-js ServiceError for anything thrown, with `mcs-error-category` in the trailing metadata. */
export function toServiceError(error: unknown, metadata = new Metadata()): Partial<ServiceError> {
  const info = describeFailure(error);
  metadata.set('mcs-error-category', info.category);
  return { code: info.code, details: info.message, metadata };
}
