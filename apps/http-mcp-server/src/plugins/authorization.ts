import { extractBearerToken } from '@mcs/auth';
import { mcsBearerAuth } from '@mcs/auth/fastify';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { OAuthServer } from '../auth/authorization-server.js';
import { authInfoFromPrincipal } from '../auth/request-auth-info.js';

export interface AuthorizationOptions {
  mode: 'on' | 'off';
  /** Required when `mode` is `on`. */
  oauth?: OAuthServer | undefined;
}

/**
 * Authorization of the MCP routes, after Host/Origin validation: with `on`, `@mcs/auth/fastify`
 * verifies the bearer token (header only; audience = `${PUBLIC_URL}/mcp`; 401 with
 * `WWW-Authenticate: Bearer resource_metadata=…, scope=…`; 403 insufficient_scope) and a preHandler
 * turns the principal into the SDK's AuthInfo (`request.mcsAuthInfo`), which the routes pass on.
 */
const authorization: FastifyPluginAsync<AuthorizationOptions> = async (app, options) => {
  app.decorateRequest('mcsAuthInfo', undefined);
  if (options.mode === 'off') return;
  const oauth = options.oauth;
  if (oauth === undefined) throw new Error('MCS_AUTH=on needs the authorization server');
  await app.register(mcsBearerAuth, {
    verifier: oauth.verifier,
    resourceMetadataUrl: oauth.resourceMetadataUrl,
    requiredScopes: oauth.requiredScopes,
  });
  app.addHook('preHandler', async (request) => {
    if (request.principal === null) return;
    const token = extractBearerToken(request.headers.authorization);
    request.mcsAuthInfo = authInfoFromPrincipal(request.principal, token, oauth.resource);
  });
};

export default fp(authorization, { fastify: '5.x', name: 'mcs-authorization' });
