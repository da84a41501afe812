import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { HttpMcpServerError } from '../http-mcp-server-error.js';

export interface AuthorizationOptions {
  mode: 'on' | 'off';
}

/**
 * The place authorization sits in the pipeline: a preHandler on the MCP routes, after Host/Origin
 * validation and body parsing, before dispatch to an MCP server. The authorization issue fills it
 * (bearer token -> AuthInfo on the request); until then only `off` is served.
 */
const authorization: FastifyPluginAsync<AuthorizationOptions> = async (app, options) => {
  if (options.mode === 'on') {
    throw new HttpMcpServerError(
      'AUTH_NOT_IMPLEMENTED',
      'MCS_AUTH=on: authorization is not implemented yet; run with MCS_AUTH=off',
    );
  }
  app.addHook('preHandler', async () => {
    // MCS_AUTH=off: every caller is anonymous.
  });
};

export default fp(authorization, { fastify: '5.x', name: 'mcs-authorization' });
