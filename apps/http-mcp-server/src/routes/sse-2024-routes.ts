import type { FastifyPluginAsync } from 'fastify';
import type { RequestDispatch } from '../mcp/dispatch/request-dispatch.js';
import type { Sse2024Sessions } from '../mcp/sse-2024/sse-2024-sessions.js';

/** The HTTP+SSE transport of revision 2024-11-05: `GET /sse` + `POST /messages?sessionId=...`. */
export const sse2024Routes: FastifyPluginAsync<{ sessions: Sse2024Sessions; dispatch: RequestDispatch }> = async (
  app,
  { sessions, dispatch },
) => {
  app.get('/sse', (request, reply) => sessions.open(request, reply));
  app.post('/messages', (request, reply) => dispatch.answer('/messages', request, reply));
};
