import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { UpstreamLogin } from './upstream-login.js';
import { UpstreamLoginError } from './upstream-login-error.js';

export interface UpstreamCallbackOptions {
  readonly login: UpstreamLogin;
  /** Path of the route (default: the redirect URI's path, `/oauth/upstream/callback` unless configured otherwise). */
  readonly path?: string;
}

const callbackQuery = z.object({
  state: z.string().min(1).max(512),
  code: z.string().min(1).max(4096).optional(),
  error: z.string().min(1).max(256).optional(),
  error_description: z.string().max(1024).optional(),
});

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function page(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'")
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

/**
 * `GET /oauth/upstream/callback`: where the upstream provider sends the browser after sign-in.
 * Validates the state (single use), exchanges the code and stores the tokens sealed; answers a small
 * HTML page (no tokens in it). Outside the MCP routes: no MCP auth, no Host/Origin guard (a browser
 * arrives here from the provider).
 */
const upstreamCallbackRoutes: FastifyPluginAsync<UpstreamCallbackOptions> = async (app, options) => {
  app.get(options.path ?? options.login.callbackPath, async (request, reply) => {
    const parsed = callbackQuery.safeParse(request.query);
    if (!parsed.success) {
      return page(reply, 400, 'Sign-in failed', 'This is not a valid sign-in response: call the login tool again.');
    }
    const query = parsed.data;
    const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    try {
      await options.login.complete(
        { state: query.state, error: query.error, errorDescription: query.error_description },
        rawQuery,
      );
      return page(
        reply,
        200,
        'Signed in',
        `You are signed in to ${new URL(options.login.issuer).host}. You can close this page and return to your client.`,
      );
    } catch (error) {
      if (!(error instanceof UpstreamLoginError)) throw error;
      request.log.info({ code: error.code }, 'upstream callback refused');
      const status = error.code === 'PROVIDER_UNAVAILABLE' ? 502 : 400;
      return page(reply, status, 'Sign-in failed', error.message);
    }
  });
};

export default fp(upstreamCallbackRoutes, { fastify: '5.x', name: 'mcs-upstream-callback' });
