import { isLegacyRequest, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { FastifyPluginAsync } from 'fastify';
import { authInfoOf } from '../auth/request-auth-info.js';
import type { StreamableHttpSessions } from '../mcp/streamable-http-sessions.js';
import { sendWebResponse, toWebRequest } from '../mcp/web-bridge.js';
import { parseJsonBody } from './parse-json-body.js';

export interface McpRoutesOptions {
  sessions: StreamableHttpSessions;
  /** The SDK's 2026-07-28 handler (`createMcpHandler`, `legacy: 'reject'`). */
  modern: McpHttpHandler;
}

/**
 * `/mcp`: one endpoint, two eras. A POST carrying the 2026-07-28 per-request envelope goes to the
 * SDK's stateless handler; everything else (the `initialize` handshake, `Mcp-Session-Id` traffic,
 * GET streams, DELETE) is the session-based Streamable HTTP of 2025-03-26..2025-11-25.
 */
export const mcpRoutes: FastifyPluginAsync<McpRoutesOptions> = async (app, { sessions, modern }) => {
  app.post('/mcp', async (request, reply) => {
    const parsed = parseJsonBody(request);
    if ('error' in parsed) return sendWebResponse(reply, parsed.error);
    const webRequest = toWebRequest(request, reply);
    if (await isLegacyRequest(webRequest, parsed.body)) return sessions.post(request, reply, parsed.body);
    return sendWebResponse(
      reply,
      await modern.fetch(webRequest, { parsedBody: parsed.body, authInfo: authInfoOf(request) }),
    );
  });
  app.get('/mcp', (request, reply) => sessions.get(request, reply));
  app.delete('/mcp', (request, reply) => sessions.delete(request, reply));
};
