import type { Metadata } from '@grpc/grpc-js';
import { AuthError, createRbac, createTokenVerifier, type Principal, type VerificationAlgorithm } from '@mcs/auth';
import { authenticateCall } from '@mcs/auth/grpc';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import { GatewayError } from '../gateway-error.js';
import type { Interceptor } from './call-context.js';
import { RevocationList } from './revocation-list.js';

/**
 * Who may call what: token verification (JWKS, issuer, audience, and the authorization server's revocation
 * list with `auth.revocation`) and RBAC over tool names.
 */
export interface AccessControl {
  readonly enabled: boolean;
  /** Verifies `authorization: Bearer <jwt>`; undefined principal when auth is off. Throws AuthError. */
  authenticate(metadata: Metadata): Promise<Principal | undefined>;
  isToolAllowed(principal: Principal | undefined, toolName: string): boolean;
  assertToolAllowed(principal: Principal | undefined, toolName: string): void;
  /**
   * With revocation on: calls `onRevoked` once when the principal's token is revoked while the call runs,
   * until the returned function is called. Undefined when revocation is off (nothing to stop).
   */
  watchRevocation(principal: Principal, onRevoked: () => void): (() => void) | undefined;
  /** Releases the revocation store's connection. */
  close(): Promise<void>;
}

export function createAccessControl(config: Pick<GatewayConfig, 'auth' | 'rbac'>, logger: Logger): AccessControl {
  const auth = config.auth;
  if (auth.mode === 'off') {
    return {
      enabled: false,
      authenticate: async () => undefined,
      isToolAllowed: () => true,
      assertToolAllowed: () => undefined,
      watchRevocation: () => undefined,
      close: async () => undefined,
    };
  }
  const revocations = auth.revocation === undefined ? undefined : RevocationList.connect(auth.revocation, logger);
  revocations
    ?.ping()
    .catch((error: unknown) =>
      logger.warn(
        { err: error },
        'the revocation store (auth.revocation.redisUrl) is unreachable: authenticated calls are refused with UNAVAILABLE until it answers',
      ),
    );
  // With `revocation` the verifier requires a `jti` (a token without one cannot be revoked, so it is
  // refused), checks it after the signature, and fails closed: a store error is REVOCATION_CHECK_FAILED.
  const verifier = createTokenVerifier({
    jwks: { url: auth.jwksUri, allowInsecureHttp: auth.allowInsecureJwks },
    issuer: auth.issuer,
    audience: auth.audience,
    ...(auth.algorithms === undefined ? {} : { algorithms: auth.algorithms as VerificationAlgorithm[] }),
    ...(revocations === undefined ? {} : { revocation: revocations }),
  });
  const rbac = createRbac({ rules: config.rbac });
  return {
    enabled: true,
    authenticate: (metadata) => authenticateCall(verifier, metadata),
    watchRevocation: (principal, onRevoked) =>
      revocations === undefined || principal.jti === undefined
        ? undefined
        : revocations.watch(principal.jti, onRevoked),
    close: async () => revocations?.close(),
    isToolAllowed: (principal, toolName) => principal !== undefined && rbac.isAllowed(principal, toolName),
    assertToolAllowed(principal, toolName) {
      if (principal === undefined) {
        throw new GatewayError(
          'UNAUTHENTICATED',
          'This call needs a verified token; send "authorization: Bearer <token>".',
        );
      }
      rbac.assertAllowed(principal, toolName);
    },
  };
}

/**
 * Puts the verified principal into the call context; refuses the call when the token is bad. With
 * revocation on, a call still running when its token is revoked (a long stream) is cut: its signal aborts
 * (the backend request is cancelled) and it ends UNAUTHENTICATED / TOKEN_REVOKED, whatever the aborted
 * handler threw.
 */
export function authInterceptor(access: AccessControl): Interceptor {
  return async (context, next) => {
    const principal = await access.authenticate(context.metadata);
    context.principal = principal;
    if (principal === undefined) return next();
    context.logger = context.logger.child({ sub: principal.subject });
    let revoked: AuthError | undefined;
    const stopWatching = access.watchRevocation(principal, () => {
      revoked = new AuthError(
        'TOKEN_REVOKED',
        'The access token was revoked during the call; sign in again to get a new one.',
      );
      context.logger.info('token revoked while the call ran: call cut');
      context.abort(revoked);
    });
    if (stopWatching === undefined) return next();
    try {
      await next();
    } catch (error) {
      throw revoked ?? error;
    } finally {
      stopWatching();
    }
    if (revoked !== undefined) throw revoked;
  };
}
