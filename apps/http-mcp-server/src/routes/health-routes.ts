import type { MessageBus, SessionStore } from '@mcs/session-store';
import type { FastifyPluginAsync } from 'fastify';

/** `/healthz`: the process answers. `/readyz`: the session store and message bus answer too. */
export const healthRoutes: FastifyPluginAsync<{ store: SessionStore; bus: MessageBus }> = async (
  app,
  { store, bus },
) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      await Promise.all([store.ping(), bus.ping()]);
      return { status: 'ready', store: store.kind };
    } catch (error) {
      request.log.warn({ err: error }, 'not ready: session store unreachable');
      return reply.code(503).send({ status: 'unavailable', store: store.kind, error: (error as Error).message });
    }
  });
};
