import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import { createTokenIssuer, createTokenVerifier, type KeyRing, type TokenVerifier } from '@mcs/auth';
import type { SessionStore } from '@mcs/session-store';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config.js';
import { UpstreamOidcClient } from '../../upstream/upstream-oidc-client.js';
import { ClientRegistry } from '../client-registry.js';
import { type ProtectedResources, protectedResources } from '../protected-resources.js';
import { mayUseSession } from '../session-owner.js';
import { loadSigningKeys } from '../signing-keys.js';
import { TokenService } from '../token-service.js';
import { UserStore } from '../user-store.js';
import { authorizeRoutes } from './authorize-routes.js';
import type { AuthorizationServerContext } from './context.js';
import { oauthErrorHandler } from './error-handler.js';
import { federationCallbackRoutes } from './federation-callback-routes.js';
import { FEDERATION_CALLBACK_PATH } from './forms.js';
import { metadataRoutes } from './metadata-routes.js';
import { registrationRoutes } from './registration-routes.js';
import { revokeRoutes } from './revoke-routes.js';
import { tokenRoutes } from './token-routes.js';

/** The authorization server and what the protected routes need from it. */
export interface OAuthServer {
  readonly keyRing: KeyRing;
  /** Verifies access tokens for the MCP routes: our issuer, audience = the resource, revocation checked. */
  readonly verifier: TokenVerifier;
  /** Canonical URL of the MCP resource: `${PUBLIC_URL}/mcp` (the token audience). */
  readonly resource: string;
  readonly resourceMetadataUrl: string;
  /** `/mcp` and the 2024-11-05 HTTP+SSE `/sse` endpoint, each with its own metadata (a token for either is accepted). */
  readonly resources: ProtectedResources;
  readonly requiredScopes: readonly string[];
  /** Whether `subject` may use the protocol session `sessionId` (sessions belong to the user who first used them). */
  mayUseSession(sessionId: string, subject: string): Promise<boolean>;
  /** Fastify plugin with every route of the authorization server (register at the root). */
  readonly routes: FastifyPluginAsync;
}

export interface CreateOAuthServerOptions {
  config: AppConfig;
  store: SessionStore;
  logger: Logger;
}

/**
 * Builds the OAuth 2.1 authorization server of this MCP server (MCP authorization, revisions
 * 2025-11-25 and 2026-07-28): RFC 8414 + RFC 9728 metadata, `/authorize` (login + consent), `/token`
 * (authorization_code + PKCE S256 + RFC 8707 resource; refresh_token with rotation), `/register`
 * (RFC 7591), Client ID Metadata Documents, `/revoke` (RFC 7009), `/jwks.json`. Issuer = PUBLIC_URL.
 *
 * This file builds the shared parts (keys, token service, client registry, users, federation) once;
 * each endpoint is a route plugin of its own in this folder, registered by `routes` below under one
 * form parser, one rate limiter and one OAuth error handler.
 */
export async function createOAuthServer({ config, store, logger }: CreateOAuthServerOptions): Promise<OAuthServer> {
  const issuerUrl = config.publicUrl;
  const resources = protectedResources(issuerUrl);
  const resource = resources.mcp.resource;
  const resourceMetadataUrl = resources.mcp.metadataUrl;
  const audiences = resources.all.map((entry) => entry.resource);
  const settings = config.oauth;
  const requiredScopes = settings.requiredScopes;
  const scopesSupported = [...new Set(requiredScopes)];
  const keyRing = await loadSigningKeys(settings.signingKeys, logger);
  const users = UserStore.fromSettings(settings);
  const issuer = createTokenIssuer({ issuer: issuerUrl, keyRing, maxTtlSeconds: settings.accessTokenTtlSeconds });
  const verifier = createTokenVerifier({
    jwks: keyRing,
    issuer: issuerUrl,
    audience: audiences,
    typ: 'at+jwt',
    requiredClaims: ['client_id'],
    revocation: store,
  });
  // /revoke must recognise our tokens even when they are already revoked or for another client.
  const revokeVerifier = createTokenVerifier({ jwks: keyRing, issuer: issuerUrl, audience: audiences, typ: 'at+jwt' });
  const clients = new ClientRegistry({ store, cimdAllowLoopback: settings.cimdAllowLoopback });
  const tokens = new TokenService({
    store,
    issuer,
    verifier: revokeVerifier,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
  });
  // Sign-in at an upstream OpenID provider (openid-client: discovery, PKCE, state, nonce, ID token checks).
  const federation = settings.federation
    ? new UpstreamOidcClient(
        {
          issuer: settings.federation.issuer,
          clientId: settings.federation.clientId,
          clientSecret: settings.federation.clientSecret,
          scopes: ['openid'],
          redirectUri: `${issuerUrl}${FEDERATION_CALLBACK_PATH}`,
          secretKeys: undefined,
          toJSON: () => ({ issuer: settings.federation?.issuer }),
        },
        logger,
      )
    : undefined;
  if (federation === undefined && users.size === 0) {
    logger.warn('no users configured (MCS_USERS / MCS_USERS_FILE): nobody can sign in at /authorize');
  }
  const ctx: AuthorizationServerContext = {
    issuerUrl,
    resource,
    resources,
    scopesSupported,
    settings,
    store,
    keyRing,
    users,
    clients,
    tokens,
    federation,
    secureCookie: issuerUrl.startsWith('https:'),
  };

  const routes: FastifyPluginAsync = async (app: FastifyInstance) => {
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    const redis = config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false })
      : undefined;
    redis?.on('error', (error) => logger.debug({ err: error }, 'rate limit store error'));
    if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
    // Registered before the route plugins: its onRoute hook reads each route's `config.rateLimit`.
    await app.register(rateLimit, {
      global: false,
      ...(redis ? { redis, nameSpace: 'mcs:ratelimit:' } : {}),
      // A failing Redis must not lock everyone out of signing in; the limit is abuse protection only.
      skipOnError: true,
    });
    // Set before the route plugins, which inherit it (Fastify encapsulation).
    app.setErrorHandler(oauthErrorHandler);
    await app.register(metadataRoutes, { ctx });
    await app.register(registrationRoutes, { ctx });
    await app.register(authorizeRoutes, { ctx });
    await app.register(federationCallbackRoutes, { ctx });
    await app.register(tokenRoutes, { ctx });
    await app.register(revokeRoutes, { ctx });
  };

  return {
    keyRing,
    verifier,
    resource,
    resourceMetadataUrl,
    resources,
    requiredScopes,
    mayUseSession: (sessionId, subject) => mayUseSession(store, sessionId, subject),
    routes,
  };
}
