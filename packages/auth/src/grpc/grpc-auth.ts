import {
  Metadata,
  ResponderBuilder,
  type ServerInterceptingCall,
  ServerInterceptingCall as ServerInterceptingCallClass,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  ServerListenerBuilder,
  type ServerMethodDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { getAuthErrorFromUnknown } from '../auth-error.js';
import { extractBearerToken } from '../bearer-token.js';
import type { Principal } from '../principal.js';
import { assertScopes } from '../scopes.js';
import type { TokenVerifier } from '../token-verifier.js';

/** Verifies the `authorization: Bearer <jwt>` metadata entry. Throws AuthError. */
export async function authenticateCall(verifier: TokenVerifier, metadata: Metadata): Promise<Principal> {
  const values = metadata
    .get('authorization')
    .map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
  return verifier.verify(extractBearerToken(values.length === 0 ? undefined : values));
}

/**
 * A grpc-js `ServiceError` for anything thrown during auth: AuthErrors keep their status
 * (UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE...) and message; anything else becomes INTERNAL.
 * The `mcs-auth-error` trailer carries the AuthError code for clients that want to branch on it.
 */
export function toGrpcError(error: unknown): ServiceError {
  const authError = getAuthErrorFromUnknown(
    error,
    'INTERNAL_ERROR',
    'Authentication failed because of an internal error; the server log has the cause.',
  );
  const metadata = new Metadata();
  metadata.set('mcs-auth-error', authError.code);
  return Object.assign(new Error(authError.message, { cause: authError }), {
    code: authError.grpcStatusCode,
    details: authError.message,
    metadata,
  });
}

const principals = new WeakMap<Metadata, Principal>();

/** The principal the auth interceptor attached to this call, if any (`call` is any grpc-js server call). */
export function getPrincipal(call: { metadata: Metadata }): Principal | undefined {
  return principals.get(call.metadata);
}

export interface AuthInterceptorOptions {
  verifier: TokenVerifier;
  /** Scopes every authenticated call needs. */
  requiredScopes?: readonly string[];
  /** Methods served without a token, by full path (e.g. `/grpc.health.v1.Health/Check`). Default: none. */
  isPublicMethod?: (path: string) => boolean;
  /**
   * Extra check after verification, e.g. RBAC on the `mcp-tool` header: throw an AuthError
   * (`rbac.assertAllowed(principal, tool)`) to refuse the call with its status.
   */
  authorize?: (principal: Principal, call: { path: string; metadata: Metadata }) => void | Promise<void>;
}

/**
 * A grpc-js server interceptor (`new Server({ interceptors: [createAuthInterceptor(...)] })`) that
 * authenticates each call from its metadata before the handler runs, and ends refused calls with
 * the AuthError's status and message. Handlers read the principal with `getPrincipal(call)`.
 */
export function createAuthInterceptor(options: AuthInterceptorOptions): ServerInterceptor {
  const requiredScopes = options.requiredScopes ?? [];
  return (
    method: ServerMethodDefinition<unknown, unknown>,
    call: ServerInterceptingCallInterface,
  ): ServerInterceptingCall => {
    if (options.isPublicMethod?.(method.path) === true) return new ServerInterceptingCallClass(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        authenticateCall(options.verifier, metadata)
          .then(async (principal) => {
            assertScopes(principal.scopes, requiredScopes);
            await options.authorize?.(principal, { path: method.path, metadata });
            principals.set(metadata, principal);
            next(metadata);
          })
          .catch((error: unknown) => {
            const serviceError = toGrpcError(error);
            call.sendStatus({
              code: serviceError.code,
              details: serviceError.details,
              metadata: serviceError.metadata,
            });
          });
      })
      .build();
    const responder = new ResponderBuilder().withStart((next) => next(listener)).build();
    return new ServerInterceptingCallClass(call, responder);
  };
}
