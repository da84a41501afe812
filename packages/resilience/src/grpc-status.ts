import type { ErrorCategory } from './error-category-table.js';

/**
 * gRPC status codes, numerically identical to `@grpc/grpc-js`'s `status` enum (and to every gRPC
 * implementation: they are part of the protocol). Kept here so this package does not depend on grpc-js.
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusName = keyof typeof GrpcStatus;
export type GrpcStatusCode = (typeof GrpcStatus)[GrpcStatusName];

const GRPC_STATUS_CATEGORIES: Readonly<Record<number, ErrorCategory>> = {
  [GrpcStatus.CANCELLED]: 'cancelled',
  [GrpcStatus.UNKNOWN]: 'internal',
  [GrpcStatus.INVALID_ARGUMENT]: 'invalid_input',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'timeout',
  [GrpcStatus.NOT_FOUND]: 'not_found',
  [GrpcStatus.ALREADY_EXISTS]: 'conflict',
  [GrpcStatus.PERMISSION_DENIED]: 'permission_denied',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'rate_limited',
  // FAILED_PRECONDITION: "do not retry until the system state has been explicitly fixed" (gRPC docs).
  [GrpcStatus.FAILED_PRECONDITION]: 'invalid_input',
  [GrpcStatus.ABORTED]: 'conflict',
  [GrpcStatus.OUT_OF_RANGE]: 'invalid_input',
  [GrpcStatus.UNIMPLEMENTED]: 'protocol',
  [GrpcStatus.INTERNAL]: 'internal',
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
  [GrpcStatus.DATA_LOSS]: 'internal',
  [GrpcStatus.UNAUTHENTICATED]: 'unauthenticated',
};

const GRPC_STATUS_NAMES = Object.fromEntries(
  Object.entries(GrpcStatus).map(([name, code]) => [code, name]),
) as Readonly<Record<number, GrpcStatusName>>;

export function isGrpcStatusCode(value: unknown): value is GrpcStatusCode {
  return typeof value === 'number' && Object.hasOwn(GRPC_STATUS_NAMES, value);
}

/** The name of a gRPC status code (`14` -> `UNAVAILABLE`), or undefined for a number outside 0..16. */
export function grpcStatusName(code: number): GrpcStatusName | undefined {
  return GRPC_STATUS_NAMES[code];
}

/** The category of a gRPC status code. OK and unknown numbers are `internal`: an error was raised anyway. */
export function categoryFromGrpcStatus(code: number): ErrorCategory {
  return GRPC_STATUS_CATEGORIES[code] ?? 'internal';
}
