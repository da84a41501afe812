import { parseScopes } from '@mcs/auth';
import type { FastifyPluginAsync } from 'fastify';
import { OAuthError } from '../oauth-error.js';
import type { TokenService } from '../token-service.js';
import { type AuthorizationRoutesOptions, rateLimited } from './context.js';
import { parseForm, TokenForm } from './forms.js';
import { cors, preflight } from './responses.js';

/** `POST /token`: authorization_code (PKCE S256, RFC 8707 resource) and refresh_token (rotated). */
export const tokenRoutes: FastifyPluginAsync<AuthorizationRoutesOptions> = async (app, { ctx }) => {
  const { tokens } = ctx;
  app.options('/token', preflight);
  app.post('/token', { config: rateLimited(ctx) }, async (request, reply) => {
    const form = parseForm(TokenForm, request.body);
    let answer: Awaited<ReturnType<TokenService['redeemCode']>>;
    if (form.grant_type === 'authorization_code') {
      if (form.code === undefined) throw new OAuthError('invalid_request', 'code is required');
      answer = await tokens.redeemCode({
        code: form.code,
        clientId: form.client_id,
        redirectUri: form.redirect_uri,
        codeVerifier: form.code_verifier,
        resource: form.resource,
      });
    } else if (form.grant_type === 'refresh_token') {
      if (form.refresh_token === undefined) throw new OAuthError('invalid_request', 'refresh_token is required');
      answer = await tokens.refresh({
        refreshToken: form.refresh_token,
        clientId: form.client_id,
        scopes: form.scope === undefined ? undefined : parseScopes(form.scope),
        resource: form.resource,
      });
    } else {
      throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    }
    return cors(reply).header('cache-control', 'no-store').header('pragma', 'no-cache').send(answer);
  });
};
