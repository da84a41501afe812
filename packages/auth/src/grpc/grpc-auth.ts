import type { Metadata } from '@grpc/grpc-js';
import { extractBearerToken } from '../bearer-token.js';
import type { Principal } from '../principal.js';
import type { TokenVerifier } from '../token-verifier.js';

/**
 * Verifies the `authorization: Bearer <jwt>` metadata entry of a grpc-js call. Throws AuthError (its
 * `grpcStatusCode` is the status to end the call with). The grpc-gateway calls this from its own
 * interceptor chain, which also applies RBAC per tool and cuts calls whose token is revoked.
 */
export async function authenticateCall(verifier: TokenVerifier, metadata: Metadata): Promise<Principal> {
  const values = metadata
    .get('authorization')
    .map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
  return verifier.verify(extractBearerToken(values.length === 0 ? undefined : values));
}
