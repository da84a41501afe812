import { extractBearerToken } from '@mcs/auth';
import { mcsBearerAuth } from '@mcs/auth/fastify';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { OAuthServer } from '../auth/authorization-server/index.js';
import { authInfoFromPrincipal } from '../auth/request-auth-info.js';
import { jsonRpcErrorBody } from '../mcp/shared/json-rpc-errors.js';

export interface AuthorizationOptions {
  mode: 'on' | 'off';
  /** Required when `mode` is `on`. */
  oauth?: OAuthServer | undefined;
}

/**
 * Authorization of the MCP routes, after Host/Origin validation: with `on`, `@mcs/auth/fastify`
 * verifies the bearer token (header only; audience = `${PUBLIC_URL}/mcp` or `${PUBLIC_URL}/sse`; 401
 * with `WWW-Authenticate: Bearer resource_metadata=…, scope=…` naming the metadata of the route's own
 * resource, `/sse`'s on `/sse` and `/messages`; 403 insufficient_scope) and a preHandler
 * turns the principal into the SDK's AuthInfo (`request.mcsAuthInfo`), which the routes pass on.
 * A session (`Mcp-Session-Id`, or `sessionId` of `/messages`) belongs to the user who first used it;
 * another user's request with its id gets 404, as for an unknown session.
 */
const authorization: FastifyPluginAsync<AuthorizationOptions> = async (app, options) => {
  app.decorateRequest('mcsAuthInfo', undefined);
  if (options.mode === 'off') return;
  const oauth = options.oauth;
  if (oauth === undefined) throw new Error('MCS_AUTH=on needs the authorization server');
  await app.register(mcsBearerAuth, {
    verifier: oauth.verifier,
    resourceMetadataUrl: (request) => oauth.resources.forRoute(request.routeOptions.url).metadataUrl,
    requiredScopes: oauth.requiredScopes,
  });
  app.addHook('preHandler', async (request, reply) => {
    const principal = request.principal;
    if (principal === null) return;
    const header = request.headers['mcp-session-id'];
    const query = (request.query as { sessionId?: unknown } | undefined)?.sessionId;
    const sessionId = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
    if (sessionId !== undefined && !(await oauth.mayUseSession(sessionId, principal.subject))) {
      request.log.warn({ sub: principal.subject }, 'a session of another user was refused');
      return reply.code(404).send(jsonRpcErrorBody('SESSION_NOT_FOUND', 'Session not found'));
    }
    const token = extractBearerToken(request.headers.authorization);
    request.mcsAuthInfo = authInfoFromPrincipal(
      principal,
      token,
      oauth.resources.forRoute(request.routeOptions.url).resource,
    );
  });
};

export default fp(authorization, { fastify: '5.x', name: 'mcs-authorization' });
