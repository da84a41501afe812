import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { AuthError } from '../auth-error.js';
import { extractBearerToken } from '../bearer-token.js';
import type { Principal } from '../principal.js';
import { assertScopes } from '../scopes.js';
import type { TokenVerifier } from '../token-verifier.js';
import { formatBearerChallenge } from '../www-authenticate.js';

/** Per-route settings under `config.mcsAuth`. */
export interface BearerAuthRouteConfig {
  /** Serve this route without a token (health checks, metadata documents). */
  public?: boolean;
  /** Scopes this route needs on top of the plugin's `requiredScopes`. */
  scopes?: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `@mcs/auth/fastify` once the bearer token is verified; `null` on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    mcsAuth?: BearerAuthRouteConfig;
  }
}

export interface BearerAuthOptions {
  verifier: TokenVerifier;
  /**
   * RFC 9728 metadata URL put into every challenge (`resource_metadata="…"`); MCP clients need it. A
   * function picks it per request, for a server with several protected resources (one per endpoint).
   */
  resourceMetadataUrl?: string | ((request: FastifyRequest) => string);
  realm?: string;
  /** Scopes every protected route needs (sent as `scope` in challenges). */
  requiredScopes?: readonly string[];
}

/**
 * Bearer auth for every route of the scope it is registered in (fastify-plugin: the hook reaches the
 * parent scope, so register it inside the plugin that holds the protected routes). Tokens are read
 * from the `Authorization` header only; `access_token` in the query string is refused with 400.
 */
const bearerAuth: FastifyPluginAsync<BearerAuthOptions> = async (fastify, options) => {
  if (typeof options?.verifier?.verify !== 'function') {
    throw new AuthError(
      'INVALID_CONFIG',
      '@mcs/auth: the bearer auth plugin needs a `verifier` (createTokenVerifier).',
    );
  }
  const baseScopes = options.requiredScopes ?? [];
  fastify.decorateRequest('principal', null);

  fastify.addHook('onRequest', async (request, reply) => {
    const routeConfig = request.routeOptions.config?.mcsAuth;
    if (routeConfig?.public === true) return;
    const scopes = [...baseScopes, ...(routeConfig?.scopes ?? [])];
    try {
      if (hasQueryToken(request.url)) {
        throw new AuthError(
          'TOKEN_IN_QUERY',
          'Access tokens in the URL are not accepted; send the token in the "Authorization: Bearer" header.',
        );
      }
      const principal = await options.verifier.verify(extractBearerToken(request.headers.authorization));
      assertScopes(principal.scopes, scopes);
      request.principal = principal;
    } catch (caught) {
      // Anything but an AuthError is a bug or a failing dependency: Fastify's error handler answers 500.
      if (!AuthError.isInstance(caught)) throw caught;
      const error = caught;
      request.log.info({ authError: error.code }, `@mcs/auth: request refused: ${error.message}`);
      return sendAuthError(request, reply, error, options, scopes);
    }
  });
};

function hasQueryToken(url: string): boolean {
  const query = url.indexOf('?');
  return query !== -1 && new URLSearchParams(url.slice(query + 1)).has('access_token');
}

function sendAuthError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AuthError,
  options: BearerAuthOptions,
  scopes: readonly string[],
): FastifyReply {
  if (error.httpStatus === 401 || error.httpStatus === 403 || error.httpStatus === 400) {
    const metadata = options.resourceMetadataUrl;
    const resourceMetadataUrl = typeof metadata === 'function' ? metadata(request) : metadata;
    reply.header(
      'www-authenticate',
      formatBearerChallenge(error, {
        ...(resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl }),
        ...(options.realm === undefined ? {} : { realm: options.realm }),
        scopes,
      }),
    );
  }
  if (error.httpStatus === 503) reply.header('retry-after', '5');
  const body = {
    error:
      error.oauthError ??
      (error.httpStatus === 401
        ? 'invalid_token'
        : error.httpStatus === 503
          ? 'temporarily_unavailable'
          : 'server_error'),
    error_description: error.message,
  };
  return reply.code(error.httpStatus).header('cache-control', 'no-store').send(body);
}

/** `fastify.register(mcsBearerAuth, { verifier, resourceMetadataUrl })`; the principal is `request.principal`. */
export const mcsBearerAuth = fastifyPlugin(bearerAuth, { fastify: '5.x', name: '@mcs/auth' });

/** The verified principal of a protected request; throws if the plugin did not run for this route. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (request.principal === null) {
    throw new AuthError('TOKEN_MISSING', 'This route is not protected by @mcs/auth; register the plugin in its scope.');
  }
  return request.principal;
}
