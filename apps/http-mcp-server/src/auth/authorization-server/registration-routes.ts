import type { FastifyPluginAsync } from 'fastify';
import { type AuthorizationRoutesOptions, rateLimited } from './context.js';
import { cors, preflight } from './responses.js';

/** RFC 7591 dynamic client registration (`POST /register`); the registry validates the metadata. */
export const registrationRoutes: FastifyPluginAsync<AuthorizationRoutesOptions> = async (app, { ctx }) => {
  app.options('/register', preflight);
  app.post('/register', { config: rateLimited(ctx) }, async (request, reply) => {
    const client = await ctx.clients.register(request.body);
    request.log.info({ clientId: client.client_id, clientName: client.client_name }, 'client registered');
    return cors(reply).code(201).header('cache-control', 'no-store').send(client);
  });
};
