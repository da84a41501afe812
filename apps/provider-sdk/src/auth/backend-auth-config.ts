import { z } from 'zod';

const nonEmpty = z.string().trim().min(1);

/** A redirect URI this machine can receive: http on a loopback address (RFC 8252 §7.3). */
const loopbackUrl = z.url({ protocol: /^http$/, error: 'must be an http:// URL' }).refine((value) => {
  const host = new URL(value).hostname;
  return host === '127.0.0.1' || host === '[::1]' || host === 'localhost';
}, 'must be on 127.0.0.1, [::1] or localhost (a loopback redirect)');

/**
 * OAuth for one HTTP/SSE backend (MCP authorization, 2025-06-18 / 2025-11-25): what the client is
 * at the authorization server and what it asks for. Discovery, PKCE, `resource`, refresh and
 * step-up are the official SDK's. Secrets belong in `${VAR}` references, not in files.
 */
export const BackendAuthConfigSchema = z
  .object({
    /**
     * `authorization_code` (default): a user signs in through the pool's authorizer.
     * `client_credentials`: a machine client, no user (needs `clientId` and a secret or key).
     */
    grant: z.enum(['authorization_code', 'client_credentials']).default('authorization_code'),
    /** A pre-registered client; without it the client uses `clientMetadataUrl` or registers dynamically. */
    clientId: nonEmpty.optional(),
    clientSecret: nonEmpty.optional(),
    /** Default: `client_secret_basic` with a secret, `private_key_jwt` with a key, else `none`. */
    tokenEndpointAuthMethod: z
      .enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .optional(),
    /** PKCS#8 PEM private key for `private_key_jwt` (client assertions signed per token request). */
    privateKey: nonEmpty.optional(),
    /** JWS algorithm of `privateKey` (default ES256). */
    signingAlgorithm: z.enum(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA']).default('ES256'),
    /** Client ID Metadata Document (an https URL as `client_id`), used when the server supports it. */
    clientMetadataUrl: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL' })
      .refine((value) => new URL(value).pathname !== '/', 'needs a path (the document, not the site root)')
      .optional(),
    /** `client_name` of the registration (default: the pool's clientInfo name). */
    clientName: nonEmpty.optional(),
    /**
     * Scopes to ask for when the server's challenge and metadata name none; the server's
     * `WWW-Authenticate` scope, then its `scopes_supported`, come first (MCP scope selection).
     */
    scopes: z.array(nonEmpty.regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'not a valid OAuth scope')).optional(),
    /** The loopback redirect URI; default: the authorizer's (the loopback one picks a free port). */
    redirectUrl: loopbackUrl.optional(),
    /** Sign-ins in a row without a request that succeeded before giving up (step-up loops). */
    maxAuthorizations: z.number().int().min(1).max(10).default(3),
    /**
     * Accept authorization server metadata whose `issuer` is not the URL it was discovered at
     * (the SDK's RFC 8414 §3.3 check). Security-weakening: only for a known server that does this,
     * e.g. a 2025-03-26 server publishing its metadata at the root with a prefixed issuer.
     */
    skipIssuerMetadataValidation: z.boolean().default(false),
    /**
     * DPoP (RFC 9449, SEP-1932): tokens bound to a key of this pool, sent as `Authorization: DPoP`
     * with a fresh proof per request; server nonces (`use_dpop_nonce`) are answered. The key is
     * the SDK's (non-extractable) and lives as long as the pool; it is not stored, so tokens stored
     * by an earlier run are bound to a key this run does not have.
     */
    dpop: z.boolean().default(false),
    /** Tokens are refreshed this long before they expire (and on 401). */
    refreshBeforeExpiryMs: z.number().int().min(0).default(60_000),
  })
  .strict()
  .superRefine((auth, context) => {
    const issue = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
    const method = auth.tokenEndpointAuthMethod;
    if ((method === 'client_secret_basic' || method === 'client_secret_post') && !auth.clientSecret) {
      issue('clientSecret', `${method} needs clientSecret`);
    }
    if (method === 'private_key_jwt' && !auth.privateKey) issue('privateKey', 'private_key_jwt needs privateKey');
    if ((auth.clientSecret || auth.privateKey) && !auth.clientId)
      issue('clientId', 'a client secret or key needs its clientId');
    if (auth.grant === 'client_credentials') {
      if (!auth.clientId) issue('clientId', 'client_credentials needs a pre-registered clientId');
      if (!auth.clientSecret && !auth.privateKey)
        issue('clientSecret', 'client_credentials needs clientSecret or privateKey');
    }
  });

export type BackendAuthConfig = z.output<typeof BackendAuthConfigSchema>;
export type BackendAuthConfigInput = z.input<typeof BackendAuthConfigSchema>;
