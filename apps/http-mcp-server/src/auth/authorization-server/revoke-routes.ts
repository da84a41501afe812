import type { FastifyPluginAsync } from 'fastify';
import type { AuthorizationRoutesOptions } from './context.js';
import { parseForm, RevokeForm } from './forms.js';
import { cors, preflight } from './responses.js';

/** RFC 7009 `POST /revoke`: 200 for any token, ours or not (the service decides what to revoke). */
export const revokeRoutes: FastifyPluginAsync<AuthorizationRoutesOptions> = async (app, { ctx }) => {
  app.options('/revoke', preflight);
  app.post('/revoke', async (request, reply) => {
    const form = parseForm(RevokeForm, request.body);
    await ctx.tokens.revoke(form.token, form.client_id);
    return cors(reply).header('cache-control', 'no-store').code(200).send();
  });
};
