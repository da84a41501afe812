import type { Metadata } from '@grpc/grpc-js';
import { createRbac, createTokenVerifier, type Principal, type VerificationAlgorithm } from '@mcs/auth';
import { authenticateCall } from '@mcs/auth/grpc';
import type { GatewayConfig } from '../config.js';
import { GatewayError } from '../gateway-error.js';
import type { Interceptor } from './call-context.js';

/** Who may call what: token verification (JWKS, issuer, audience) and RBAC over tool names. */
export interface AccessControl {
  readonly enabled: boolean;
  /** Verifies `authorization: Bearer <jwt>`; undefined principal when auth is off. Throws AuthError. */
  authenticate(metadata: Metadata): Promise<Principal | undefined>;
  isToolAllowed(principal: Principal | undefined, toolName: string): boolean;
  assertToolAllowed(principal: Principal | undefined, toolName: string): void;
}

export function createAccessControl(config: Pick<GatewayConfig, 'auth' | 'rbac'>): AccessControl {
  const auth = config.auth;
  if (auth.mode === 'off') {
    return {
      enabled: false,
      authenticate: async () => undefined,
      isToolAllowed: () => true,
      assertToolAllowed: () => undefined,
    };
  }
  const verifier = createTokenVerifier({
    jwks: { url: auth.jwksUri, allowInsecureHttp: auth.allowInsecureJwks },
    issuer: auth.issuer,
    audience: auth.audience,
    ...(auth.algorithms === undefined ? {} : { algorithms: auth.algorithms as VerificationAlgorithm[] }),
  });
  const rbac = createRbac({ rules: config.rbac });
  return {
    enabled: true,
    authenticate: (metadata) => authenticateCall(verifier, metadata),
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

/** Puts the verified principal into the call context; refuses the call when the token is bad. */
export function authInterceptor(access: AccessControl): Interceptor {
  return async (context, next) => {
    context.principal = await access.authenticate(context.metadata);
    if (context.principal) context.logger = context.logger.child({ sub: context.principal.subject });
    await next();
  };
}
