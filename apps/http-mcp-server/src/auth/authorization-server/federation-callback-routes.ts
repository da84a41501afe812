import type { FastifyPluginAsync } from 'fastify';
import { renderErrorPage } from '../authorize-page.js';
import { isStoreKey } from '../store-key.js';
import { type AuthorizationRoutesOptions, rateLimited } from './context.js';
import { type AuthorizationRequest, FEDERATION_CALLBACK_PATH, FEDERATION_NS } from './forms.js';
import { grant } from './grant.js';
import { redirectWith, sendPage } from './responses.js';

/**
 * `GET /authorize/callback`: the upstream OpenID provider sends the browser back here after sign-in;
 * the ID token's subject becomes the user of the consented request saved by POST /authorize.
 */
export const federationCallbackRoutes: FastifyPluginAsync<AuthorizationRoutesOptions> = async (app, { ctx }) => {
  const { store, federation } = ctx;
  app.get(FEDERATION_CALLBACK_PATH, { config: rateLimited(ctx) }, async (request, reply) => {
    if (federation === undefined)
      return reply.code(404).send({ error: 'not_found', error_description: 'No federation' });
    const query = request.query as Record<string, unknown>;
    const upstreamState = typeof query.state === 'string' ? query.state : '';
    const saved = (isStoreKey(upstreamState)
      ? await store.takeRecord(FEDERATION_NS, upstreamState)
      : undefined) as unknown as { request: AuthorizationRequest; codeVerifier: string; nonce: string } | undefined;
    if (saved === undefined) {
      return sendPage(
        reply,
        400,
        renderErrorPage('This sign-in has expired or was already used; start again from the application.'),
      );
    }
    if (typeof query.error === 'string') {
      return redirectWith(reply, ctx.issuerUrl, saved.request.redirectUri, {
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
    return grant(ctx, request, reply, saved.request, subject);
  });
};
