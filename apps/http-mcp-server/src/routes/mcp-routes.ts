import type { FastifyPluginAsync } from 'fastify';
import type { RequestDispatch } from '../mcp/dispatch/request-dispatch.js';
import type { StreamableHttpSessions } from '../mcp/sessions/streamable-http-sessions.js';

export interface McpRoutesOptions {
  /** Decides who answers each POST (2026-07-28 or a 2025 session) and has it answered. */
  dispatch: RequestDispatch;
  /** GET streams and DELETE exist only for 2025 sessions. */
  sessions: StreamableHttpSessions;
}

/**
 * `/mcp`: one endpoint, two eras. A POST carrying the 2026-07-28 per-request envelope is stateless;
 * everything else (the `initialize` handshake, `Mcp-Session-Id` traffic, GET streams, DELETE) is the
 * session-based Streamable HTTP of 2025-03-26..2025-11-25. Which one answers a POST is the dispatch
 * step's to decide (src/mcp/dispatch/request-dispatch.ts).
 */
export const mcpRoutes: FastifyPluginAsync<McpRoutesOptions> = async (app, { dispatch, sessions }) => {
  app.post('/mcp', (request, reply) => dispatch.answer('/mcp', request, reply));
  app.get('/mcp', (request, reply) => sessions.get(request, reply));
  app.delete('/mcp', (request, reply) => sessions.delete(request, reply));
};
