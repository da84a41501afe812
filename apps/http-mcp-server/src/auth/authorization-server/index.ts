import { createHash, randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import {
  createTokenIssuer,
  createTokenVerifier,
  type KeyRing,
  parseScopes,
  type TokenVerifier,
  validatePkceChallenge,
} from '@mcs/auth';
import { boundErrorMessage } from '@mcs/resilience';
import type { JsonValue, SessionStore } from '@mcs/session-store';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppConfig } from '../../config.js';
import { UpstreamOidcClient } from '../../upstream/upstream-oidc-client.js';
import { renderConsentPage, renderErrorPage } from '../authorize-page.js';
import { ClientRegistry, type OAuthClient } from '../client-registry.js';
import { OAuthError } from '../oauth-error.js';
import { safeEqual } from '../safe-equal.js';
import { mayUseSession } from '../session-owner.js';
import { loadSigningKeys } from '../signing-keys.js';
import { isStoreKey } from '../store-key.js';
import { TokenService } from '../token-service.js';
import { UserStore } from '../user-store.js';

/** The authorization server and what the protected routes need from it. */
export interface OAuthServer {
  readonly keyRing: KeyRing;
  /** Verifies access tokens for the MCP routes: our issuer, audience = the resource, revocation checked. */
  readonly verifier: TokenVerifier;
  /** Canonical URL of the MCP resource: `${PUBLIC_URL}/mcp` (the token audience). */
  readonly resource: string;
  readonly resourceMetadataUrl: string;
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

const AUTHZ_REQUEST_NS = 'oauth-authz';
const FEDERATION_NS = 'oauth-federation';
const FEDERATION_CALLBACK_PATH = '/authorize/callback';
const AUTHZ_REQUEST_TTL_MS = 10 * 60 * 1000;
const CSRF_COOKIE = 'mcs_authz_csrf';

const optionalText = z.string().max(2048).optional();
const AuthorizeQuery = z.object({
  client_id: z.string().min(1).max(2048),
  redirect_uri: optionalText,
  response_type: optionalText,
  code_challenge: optionalText,
  code_challenge_method: optionalText,
  scope: optionalText,
  state: optionalText,
  resource: optionalText,
});
const ConsentForm = z.object({
  request_id: z.string().min(1).max(100),
  csrf_token: z.string().min(1).max(100),
  decision: z.enum(['approve', 'deny']),
  username: z.string().max(200).optional(),
  password: z.string().max(1000).optional(),
});
const TokenForm = z.object({
  grant_type: z.string().max(100),
  client_id: z.string().min(1).max(2048),
  code: optionalText,
  redirect_uri: optionalText,
  code_verifier: optionalText,
  refresh_token: optionalText,
  scope: optionalText,
  resource: optionalText,
});
const RevokeForm = z.object({
  token: z.string().min(1).max(16_384),
  token_type_hint: optionalText,
  client_id: optionalText,
});

interface PendingAuthorization {
  clientId: string;
  clientName: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  state: string | null;
  csrfHash: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

function parseForm<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    throw new OAuthError('invalid_request', `Bad parameters: ${problems}`);
  }
  return parsed.data;
}

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * Builds the OAuth 2.1 authorization server of this MCP server (MCP authorization, revisions
 * 2025-11-25 and 2026-07-28): RFC 8414 + RFC 9728 metadata, `/authorize` (login + consent), `/token`
 * (authorization_code + PKCE S256 + RFC 8707 resource; refresh_token with rotation), `/register`
 * (RFC 7591), Client ID Metadata Documents, `/revoke` (RFC 7009), `/jwks.json`. Issuer = PUBLIC_URL.
 */
export async function createOAuthServer({ config, store, logger }: CreateOAuthServerOptions): Promise<OAuthServer> {
  const issuerUrl = config.publicUrl;
  const resource = `${issuerUrl}/mcp`;
  const resourceMetadataUrl = `${issuerUrl}/.well-known/oauth-protected-resource/mcp`;
  const settings = config.oauth;
  const requiredScopes = settings.requiredScopes;
  const scopesSupported = [...new Set(requiredScopes)];
  const keyRing = await loadSigningKeys(settings.signingKeys, logger);
  const users = UserStore.fromSettings(settings);
  const issuer = createTokenIssuer({ issuer: issuerUrl, keyRing, maxTtlSeconds: settings.accessTokenTtlSeconds });
  const verifier = createTokenVerifier({
    jwks: keyRing,
    issuer: issuerUrl,
    audience: resource,
    typ: 'at+jwt',
    requiredClaims: ['client_id'],
    revocation: store,
  });
  // /revoke must recognise our tokens even when they are already revoked or for another client.
  const revokeVerifier = createTokenVerifier({ jwks: keyRing, issuer: issuerUrl, audience: resource, typ: 'at+jwt' });
  const clients = new ClientRegistry({ store, cimdAllowLoopback: settings.cimdAllowLoopback });
  const tokens = new TokenService({
    store,
    issuer,
    verifier: revokeVerifier,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
  });
  const secureCookie = issuerUrl.startsWith('https:');
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
  const protectedResourceMetadata = {
    resource,
    authorization_servers: [issuerUrl],
    scopes_supported: scopesSupported,
    bearer_methods_supported: ['header'],
    resource_name: 'MCS MCP server',
  };

  /** Validates an authorization request; errors before the redirect URI is trusted are shown, not redirected. */
  async function checkAuthorizeRequest(query: z.infer<typeof AuthorizeQuery>): Promise<{
    client: OAuthClient;
    redirectUri: string;
    pending?: Omit<PendingAuthorization, 'csrfHash'>;
    error?: OAuthError;
  }> {
    const client = await clients.get(query.client_id);
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
    const requested = query.scope === undefined ? scopesSupported : parseScopes(query.scope);
    const unknown = requested.filter((scope) => !scopesSupported.includes(scope));
    if (unknown.length > 0 || requested.length === 0) {
      return fail(
        new OAuthError(
          'invalid_scope',
          `Unknown scopes: ${unknown.join(' ') || '(none requested)'}; supported: ${scopesSupported.join(' ')}`,
        ),
      );
    }
    if (query.resource !== undefined && query.resource !== resource) {
      return fail(new OAuthError('invalid_target', `resource must be ${resource}`));
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
        resource,
        state: query.state ?? null,
      },
    };
  }

  function redirectWith(reply: FastifyReply, redirectUri: string, params: Record<string, string | null | undefined>) {
    const url = new URL(redirectUri);
    for (const [key, value] of Object.entries(params)) if (value != null) url.searchParams.set(key, value);
    // RFC 9207: the issuer in every authorization response, so clients can detect mix-up attacks.
    url.searchParams.set('iss', issuerUrl);
    return reply.code(303).header('cache-control', 'no-store').redirect(url.toString(), 303);
  }

  function sendPage(reply: FastifyReply, status: number, html: string, redirectUri?: string) {
    const formAction = redirectUri ? ` ${new URL(redirectUri).origin}` : '';
    return reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header(
        'content-security-policy',
        `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      )
      .send(html);
  }

  async function showConsent(reply: FastifyReply, pending: Omit<PendingAuthorization, 'csrfHash'>, error?: string) {
    const requestId = randomBytes(18).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const record: PendingAuthorization = { ...pending, csrfHash: sha256(csrfToken) };
    await store.putRecord(AUTHZ_REQUEST_NS, requestId, record as unknown as JsonValue, { ttlMs: AUTHZ_REQUEST_TTL_MS });
    // Double submit: the form's token must equal the cookie's, which another site cannot read or set.
    reply.header(
      'set-cookie',
      `${CSRF_COOKIE}=${csrfToken}; Path=/authorize; HttpOnly; SameSite=Lax; Max-Age=600${secureCookie ? '; Secure' : ''}`,
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
        ...(federation ? { federatedIssuer: federation.issuer } : {}),
      }),
      pending.redirectUri,
    );
  }

  const routes: FastifyPluginAsync = async (app: FastifyInstance) => {
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    const redis = config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false })
      : undefined;
    redis?.on('error', (error) => logger.debug({ err: error }, 'rate limit store error'));
    if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
    await app.register(rateLimit, {
      global: false,
      ...(redis ? { redis, nameSpace: 'mcs:ratelimit:' } : {}),
      // A failing Redis must not lock everyone out of signing in; the limit is abuse protection only.
      skipOnError: true,
    });
    const limited = { rateLimit: { max: settings.rateLimitPerMinute, timeWindow: 60_000 } };

    app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      if (error instanceof OAuthError) {
        if (error.status >= 500) request.log.error({ err: error }, 'authorization server error');
        else if (error.cause !== undefined) request.log.warn(error.logFields(), 'oauth request refused');
        else request.log.info(error.logFields(), 'oauth request refused');
        return reply.code(error.status).header('cache-control', 'no-store').send(error.toBody());
      }
      const status = error.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'authorization server error');
        return reply.code(500).send({ error: 'server_error', error_description: 'Internal error' });
      }
      const code = status === 429 ? 'rate_limited' : 'invalid_request';
      return reply
        .code(status)
        .header('cache-control', 'no-store')
        .send({ error: code, error_description: error.message });
    });

    // Browser-based MCP clients (the Inspector's web UI, ...) call these cross-origin. No cookies are
    // involved on these routes, so any origin may read them; /authorize is a top-level navigation, no CORS.
    const cors = (reply: FastifyReply) => reply.header('access-control-allow-origin', '*');
    const preflight = async (_request: FastifyRequest, reply: FastifyReply) =>
      cors(reply)
        .code(204)
        .header('access-control-allow-methods', 'GET, POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type, authorization, mcp-protocol-version')
        .header('access-control-max-age', '600')
        .send();
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-protected-resource/mcp',
      '/jwks.json',
      '/register',
      '/token',
      '/revoke',
    ]) {
      app.options(path, preflight);
    }
    app.get('/.well-known/oauth-authorization-server', async (_request, reply) =>
      cors(reply).send(authorizationServerMetadata),
    );
    app.get('/.well-known/oauth-protected-resource/mcp', async (_request, reply) =>
      cors(reply).send(protectedResourceMetadata),
    );
    app.get('/jwks.json', async (_request, reply) =>
      cors(reply).header('cache-control', 'public, max-age=300').send(keyRing.jwks()),
    );

    app.post('/register', { config: limited }, async (request, reply) => {
      const client = await clients.register(request.body);
      request.log.info({ clientId: client.client_id, clientName: client.client_name }, 'client registered');
      return cors(reply).code(201).header('cache-control', 'no-store').send(client);
    });

    app.get('/authorize', { config: limited }, async (request, reply) => {
      let checked: Awaited<ReturnType<typeof checkAuthorizeRequest>>;
      try {
        checked = await checkAuthorizeRequest(parseForm(AuthorizeQuery, request.query));
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
        return redirectWith(reply, checked.redirectUri, {
          error: checked.error.code,
          error_description: checked.error.message,
          state: typeof state === 'string' ? state : undefined,
        });
      }
      return showConsent(reply, checked.pending as Omit<PendingAuthorization, 'csrfHash'>);
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
        return redirectWith(reply, pending.redirectUri, {
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
        return showConsent(reply, request_, 'Wrong user name or password.');
      }
      return grant(request, reply, request_, subject);
    });

    app.get(FEDERATION_CALLBACK_PATH, { config: limited }, async (request, reply) => {
      if (federation === undefined)
        return reply.code(404).send({ error: 'not_found', error_description: 'No federation' });
      const query = request.query as Record<string, unknown>;
      const upstreamState = typeof query.state === 'string' ? query.state : '';
      const saved = (isStoreKey(upstreamState)
        ? await store.takeRecord(FEDERATION_NS, upstreamState)
        : undefined) as unknown as
        | { request: Omit<PendingAuthorization, 'csrfHash'>; codeVerifier: string; nonce: string }
        | undefined;
      if (saved === undefined) {
        return sendPage(
          reply,
          400,
          renderErrorPage('This sign-in has expired or was already used; start again from the application.'),
        );
      }
      if (typeof query.error === 'string') {
        return redirectWith(reply, saved.request.redirectUri, {
          error: 'access_denied',
          error_description: `Sign-in at ${federation.issuer} failed: ${query.error}`,
          state: saved.request.state,
        });
      }
      const rawQuery = request.url.slice(request.url.indexOf('?') + 1);
      let subject: string | undefined;
      try {
        const upstreamTokens = await federation.exchangeCode(rawQuery, {
          state: upstreamState,
          codeVerifier: saved.codeVerifier,
          nonce: saved.nonce,
        });
        subject = upstreamTokens.subject;
      } catch (error) {
        request.log.warn({ err: error }, 'federated sign-in failed');
        return sendPage(
          reply,
          502,
          renderErrorPage(`Sign-in at ${federation.issuer} could not be completed; start again.`),
        );
      }
      if (subject === undefined) {
        return sendPage(reply, 502, renderErrorPage(`${federation.issuer} returned no ID token subject.`));
      }
      return grant(request, reply, saved.request, subject);
    });

    /** Issues the code for a consented, signed-in request and sends the browser back to the client. */
    async function grant(
      request: FastifyRequest,
      reply: FastifyReply,
      pending: Omit<PendingAuthorization, 'csrfHash'>,
      subject: string,
    ) {
      const code = await tokens.createCode({
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        scopes: pending.scopes,
        resource: pending.resource,
        subject,
      });
      request.log.info({ clientId: pending.clientId, sub: subject }, 'authorization granted');
      return redirectWith(reply, pending.redirectUri, { code, state: pending.state });
    }

    app.post('/token', { config: limited }, async (request, reply) => {
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

    app.post('/revoke', async (request, reply) => {
      const form = parseForm(RevokeForm, request.body);
      await tokens.revoke(form.token, form.client_id);
      return cors(reply).header('cache-control', 'no-store').code(200).send();
    });
  };

  return {
    keyRing,
    verifier,
    resource,
    resourceMetadataUrl,
    requiredScopes,
    mayUseSession: (sessionId, subject) => mayUseSession(store, sessionId, subject),
    routes,
  };
}
