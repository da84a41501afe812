import { randomBytes } from 'node:crypto';
import { parseScopes, validatePkceChallenge } from '@mcs/auth';
import { boundErrorMessage } from '@mcs/resilience';
import type { JsonValue } from '@mcs/session-store';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { UpstreamOidcClient } from '../../upstream/upstream-oidc-client.js';
import { renderConsentPage, renderErrorPage } from '../authorize-page.js';
import type { OAuthClient } from '../client-registry.js';
import { OAuthError } from '../oauth-error.js';
import { safeEqual } from '../safe-equal.js';
import { isStoreKey } from '../store-key.js';
import { type AuthorizationRoutesOptions, type AuthorizationServerContext, rateLimited } from './context.js';
import {
  AUTHZ_REQUEST_NS,
  AUTHZ_REQUEST_TTL_MS,
  type AuthorizationRequest,
  AuthorizeQuery,
  ConsentForm,
  CSRF_COOKIE,
  cookieValue,
  FEDERATION_NS,
  type PendingAuthorization,
  parseForm,
  sha256,
} from './forms.js';
import { grant } from './grant.js';
import { redirectWith, sendPage } from './responses.js';

/**
 * `/authorize`: GET validates the request and shows the sign-in + consent page; POST takes the
 * form back (one-time request id, double-submit CSRF check), then signs the user in locally or sends
 * the browser to the upstream provider (federation), and on success redirects with a code.
 */
export const authorizeRoutes: FastifyPluginAsync<AuthorizationRoutesOptions> = async (app, { ctx }) => {
  const { store, users, federation, issuerUrl } = ctx;
  const limited = rateLimited(ctx);

  app.get('/authorize', { config: limited }, async (request, reply) => {
    let checked: Awaited<ReturnType<typeof checkAuthorizeRequest>>;
    try {
      checked = await checkAuthorizeRequest(ctx, parseForm(AuthorizeQuery, request.query));
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      // A refusal with an underlying cause (a metadata document that could not be fetched) is worth a
      // warning: the detail is for the operator only.
      if (error.cause !== undefined) request.log.warn(error.logFields(), 'authorization request refused');
      else request.log.info(error.logFields(), 'authorization request refused');
      return sendPage(reply, 400, renderErrorPage(boundErrorMessage(error.message)));
    }
    const state = (request.query as { state?: unknown }).state;
    if (checked.error) {
      return redirectWith(reply, issuerUrl, checked.redirectUri, {
        error: checked.error.code,
        error_description: checked.error.message,
        state: typeof state === 'string' ? state : undefined,
      });
    }
    return showConsent(ctx, reply, checked.pending as AuthorizationRequest);
  });

  app.post('/authorize', { config: limited }, async (request, reply) => {
    let form: z.infer<typeof ConsentForm>;
    try {
      form = parseForm(ConsentForm, request.body);
    } catch (error) {
      return sendPage(reply, 400, renderErrorPage((error as Error).message));
    }
    const pending = (isStoreKey(form.request_id)
      ? await store.takeRecord(AUTHZ_REQUEST_NS, form.request_id)
      : undefined) as unknown as PendingAuthorization | undefined;
    if (pending === undefined) {
      return sendPage(
        reply,
        400,
        renderErrorPage('This sign-in form has expired or was already used; start again from the application.'),
      );
    }
    const cookie = cookieValue(request, CSRF_COOKIE);
    if (
      cookie === undefined ||
      !safeEqual(cookie, form.csrf_token) ||
      !safeEqual(sha256(form.csrf_token), pending.csrfHash)
    ) {
      request.log.warn('authorization form with a bad CSRF token');
      return sendPage(
        reply,
        403,
        renderErrorPage('The form could not be verified (CSRF check failed); start again from the application.'),
      );
    }
    const { csrfHash: _used, ...request_ } = pending;
    if (form.decision === 'deny') {
      return redirectWith(reply, issuerUrl, pending.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: pending.state,
      });
    }
    if (federation) {
      // Consent given here (MCP: a proxy with one upstream client id must ask per client); sign-in upstream.
      const upstreamState = randomBytes(24).toString('base64url');
      let upstream: Awaited<ReturnType<UpstreamOidcClient['authorizationRequest']>>;
      try {
        upstream = await federation.authorizationRequest(upstreamState);
      } catch (error) {
        request.log.warn({ err: error }, 'the sign-in provider is unavailable');
        return sendPage(reply, 502, renderErrorPage(`${federation.issuer} cannot be reached; try again later.`));
      }
      await store.putRecord(
        FEDERATION_NS,
        upstreamState,
        { request: request_, codeVerifier: upstream.codeVerifier, nonce: upstream.nonce } as unknown as JsonValue,
        { ttlMs: AUTHZ_REQUEST_TTL_MS },
      );
      return reply.code(303).header('cache-control', 'no-store').redirect(upstream.url.href, 303);
    }
    const subject = await users.authenticate(form.username ?? '', form.password ?? '');
    if (subject === undefined) {
      request.log.info({ clientId: pending.clientId }, 'sign-in failed');
      return showConsent(ctx, reply, request_, 'Wrong user name or password.');
    }
    return grant(ctx, request, reply, request_, subject);
  });
};

/** Validates an authorization request; errors before the redirect URI is trusted are shown, not redirected. */
async function checkAuthorizeRequest(
  ctx: AuthorizationServerContext,
  query: z.infer<typeof AuthorizeQuery>,
): Promise<{
  client: OAuthClient;
  redirectUri: string;
  pending?: AuthorizationRequest;
  error?: OAuthError;
}> {
  const { scopesSupported, resources } = ctx;
  const client = await ctx.clients.get(query.client_id);
  if (client === undefined)
    throw new OAuthError('invalid_client', 'Unknown client_id: register the client first', { status: 400 });
  const redirectUri = query.redirect_uri ?? (client.redirect_uris.length === 1 ? client.redirect_uris[0] : undefined);
  if (redirectUri === undefined) throw new OAuthError('invalid_request', 'redirect_uri is required');
  // Exact string match against the registered URIs (OAuth 2.1 §4.1.1): no prefix or pattern matching.
  if (!client.redirect_uris.includes(redirectUri)) {
    throw new OAuthError('invalid_request', 'redirect_uri does not match any URI registered for this client');
  }
  const fail = (error: OAuthError) => ({ client, redirectUri, error });
  if (query.response_type !== 'code') {
    return fail(new OAuthError('unsupported_response_type', 'response_type must be "code"'));
  }
  if (query.code_challenge === undefined)
    return fail(new OAuthError('invalid_request', 'code_challenge is required (PKCE S256)'));
  try {
    validatePkceChallenge(query.code_challenge, query.code_challenge_method);
  } catch (error) {
    return fail(new OAuthError('invalid_request', (error as Error).message, { cause: error }));
  }
  const requested = query.scope === undefined ? [...scopesSupported] : parseScopes(query.scope);
  const unknown = requested.filter((scope) => !scopesSupported.includes(scope));
  if (unknown.length > 0 || requested.length === 0) {
    return fail(
      new OAuthError(
        'invalid_scope',
        `Unknown scopes: ${unknown.join(' ') || '(none requested)'}; supported: ${scopesSupported.join(' ')}`,
      ),
    );
  }
  // RFC 8707: one of our resources (`/mcp`, or `/sse` for the 2024-11-05 HTTP+SSE transport); none asked: `/mcp`.
  const target = query.resource === undefined ? resources.mcp : resources.byResource(query.resource);
  if (target === undefined) {
    return fail(
      new OAuthError('invalid_target', `resource must be ${resources.all.map((entry) => entry.resource).join(' or ')}`),
    );
  }
  return {
    client,
    redirectUri,
    pending: {
      clientId: client.client_id,
      clientName: client.client_name ?? client.client_id,
      redirectUri,
      codeChallenge: query.code_challenge,
      scopes: requested,
      resource: target.resource,
      state: query.state ?? null,
    },
  };
}

/** Saves the request under a one-time id and shows the sign-in + consent page with a fresh CSRF token. */
async function showConsent(
  ctx: AuthorizationServerContext,
  reply: FastifyReply,
  pending: AuthorizationRequest,
  error?: string,
) {
  const requestId = randomBytes(18).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const record: PendingAuthorization = { ...pending, csrfHash: sha256(csrfToken) };
  await ctx.store.putRecord(AUTHZ_REQUEST_NS, requestId, record as unknown as JsonValue, {
    ttlMs: AUTHZ_REQUEST_TTL_MS,
  });
  // Double submit: the form's token must equal the cookie's, which another site cannot read or set.
  reply.header(
    'set-cookie',
    `${CSRF_COOKIE}=${csrfToken}; Path=/authorize; HttpOnly; SameSite=Lax; Max-Age=600${ctx.secureCookie ? '; Secure' : ''}`,
  );
  return sendPage(
    reply,
    error ? 401 : 200,
    renderConsentPage({
      requestId,
      csrfToken,
      clientName: pending.clientName,
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      scopes: pending.scopes,
      resource: pending.resource,
      ...(error ? { error } : {}),
      ...(ctx.federation ? { federatedIssuer: ctx.federation.issuer } : {}),
    }),
    pending.redirectUri,
  );
}
