import type { FastifyPluginAsync } from 'fastify';
import { sendWebResponse } from '../mcp/shared/web-bridge.js';
import type { Sse2024Sessions } from '../mcp/sse-2024/sse-2024-sessions.js';
import { parseJsonBody } from './parse-json-body.js';

/** The HTTP+SSE transport of revision 2024-11-05: `GET /sse` + `POST /messages?sessionId=...`. */
export const sse2024Routes: FastifyPluginAsync<{ sessions: Sse2024Sessions }> = async (app, { sessions }) => {
  app.get('/sse', (request, reply) => sessions.open(request, reply));
  app.post('/messages', async (request, reply) => {
    const parsed = parseJsonBody(request);
    if ('error' in parsed) return sendWebResponse(reply, parsed.error);
    return sessions.post(request, reply, parsed.body);
  });
};
