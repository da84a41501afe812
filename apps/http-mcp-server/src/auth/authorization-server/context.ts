import type { KeyRing } from '@mcs/auth';
import type { SessionStore } from '@mcs/session-store';
import type { AppConfig } from '../../config.js';
import type { UpstreamOidcClient } from '../../upstream/upstream-oidc-client.js';
import type { ClientRegistry } from '../client-registry.js';
import type { ProtectedResources } from '../protected-resources.js';
import type { TokenService } from '../token-service.js';
import type { UserStore } from '../user-store.js';

/**
 * What every route plugin of the authorization server shares: built once by `createOAuthServer`
 * and passed to each plugin as its `ctx` option (nothing is decorated onto Fastify).
 */
export interface AuthorizationServerContext {
  /** `PUBLIC_URL`: the issuer of every token and authorization response. */
  readonly issuerUrl: string;
  /** Canonical URL of the MCP resource: `${PUBLIC_URL}/mcp` (the token audience). */
  readonly resource: string;
  /** Every protected resource (`/mcp`, and `/sse` for the 2024-11-05 HTTP+SSE transport): metadata and accepted `resource` values. */
  readonly resources: ProtectedResources;
  readonly scopesSupported: readonly string[];
  readonly settings: AppConfig['oauth'];
  readonly store: SessionStore;
  readonly keyRing: KeyRing;
  readonly users: UserStore;
  readonly clients: ClientRegistry;
  readonly tokens: TokenService;
  /** Sign-in at an upstream OpenID provider instead of the local user list, when configured. */
  readonly federation: UpstreamOidcClient | undefined;
  /** The CSRF cookie is `Secure` when the public URL is https. */
  readonly secureCookie: boolean;
}

/** Options of each route plugin. */
export interface AuthorizationRoutesOptions {
  ctx: AuthorizationServerContext;
}

/** Route config of the rate-limited endpoints (the `@fastify/rate-limit` registered by the parent). */
export const rateLimited = (ctx: AuthorizationServerContext) => ({
  rateLimit: { max: ctx.settings.rateLimitPerMinute, timeWindow: 60_000 },
});
