// Every export here is public API; named exports only. Framework adapters live in the
// `@mcs/auth/fastify` and `@mcs/auth/grpc` subpaths so this entry stays framework-free.
export {
  AUTH_ERROR_CODES,
  AuthError,
  type AuthErrorCode,
  type AuthErrorOptions,
  GrpcStatus,
  type GrpcStatusName,
  getAuthErrorFromUnknown,
} from './auth-error.js';
export { extractBearerToken } from './bearer-token.js';
export {
  createKeyRing,
  type KeyRing,
  type KeyRingConfig,
  keyRingConfigSchema,
  loadKeyRing,
  type RotateOptions,
} from './key-ring.js';
export {
  computePkceChallenge,
  createPkcePair,
  type PkcePair,
  validatePkceChallenge,
  verifyPkce,
} from './pkce.js';
export type { Principal, PrincipalGrants } from './principal.js';
export { createRbac, type Rbac, type RbacConfig, rbacConfigSchema } from './rbac.js';
export { assertScopes, formatScopes, hasScopes, parseScopes } from './scopes.js';
export {
  createSecretBox,
  generateSecretBoxKey,
  type SealOptions,
  type SecretBox,
  type SecretBoxConfig,
  secretBoxConfigSchema,
} from './secret-box.js';
export {
  exportSigningKey,
  type GenerateSigningKeyOptions,
  generateSigningKey,
  type ImportSigningKeyOptions,
  importSigningKey,
  type KeyMaterial,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKey,
} from './signing-key.js';
export {
  createTokenIssuer,
  type IssueAccessTokenOptions,
  type IssuedAccessToken,
  type TokenIssuer,
  type TokenIssuerOptions,
} from './token-issuer.js';
export {
  createTokenVerifier,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  MAX_TOKEN_LENGTH,
  type RemoteJwksOptions,
  type RevocationChecker,
  type TokenVerifier,
  type TokenVerifierOptions,
  VERIFICATION_ALGORITHMS,
  type VerificationAlgorithm,
} from './token-verifier.js';
export { type BearerChallengeOptions, formatBearerChallenge } from './www-authenticate.js';
