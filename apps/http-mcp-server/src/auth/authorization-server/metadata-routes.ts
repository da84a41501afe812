import type { FastifyPluginAsync } from 'fastify';
import type { AuthorizationRoutesOptions } from './context.js';
import { cors, preflight } from './responses.js';

/**
 * Discovery: RFC 8414 authorization server metadata, RFC 9728 protected resource metadata of `/mcp`
 * and of the 2024-11-05 HTTP+SSE `/sse` endpoint (a resource of its own: see protected-resources.ts),
 * and the JWKS that verifies our access tokens. Public, cacheable, readable from any origin.
 */
export const metadataRoutes: FastifyPluginAsync<AuthorizationRoutesOptions> = async (app, { ctx }) => {
  const { issuerUrl, resources, scopesSupported, keyRing } = ctx;
  const authorizationServerMetadata = {
    issuer: issuerUrl,
    authorization_endpoint: `${issuerUrl}/authorize`,
    token_endpoint: `${issuerUrl}/token`,
    registration_endpoint: `${issuerUrl}/register`,
    revocation_endpoint: `${issuerUrl}/revoke`,
    jwks_uri: `${issuerUrl}/jwks.json`,
    scopes_supported: scopesSupported,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: true,
  };
  const protectedResourceMetadata = (resource: string) => ({
    resource,
    authorization_servers: [issuerUrl],
    scopes_supported: scopesSupported,
    bearer_methods_supported: ['header'],
    resource_name: 'MCS MCP server',
  });

  for (const path of [
    '/.well-known/oauth-authorization-server',
    ...resources.all.map((entry) => entry.metadataPath),
    '/jwks.json',
  ]) {
    app.options(path, preflight);
  }
  app.get('/.well-known/oauth-authorization-server', async (_request, reply) =>
    cors(reply).send(authorizationServerMetadata),
  );
  for (const { metadataPath, resource } of resources.all) {
    const metadata = protectedResourceMetadata(resource);
    app.get(metadataPath, async (_request, reply) => cors(reply).send(metadata));
  }
  app.get('/jwks.json', async (_request, reply) =>
    cors(reply).header('cache-control', 'public, max-age=300').send(keyRing.jwks()),
  );
};
