import { classifyInboundRequest } from '@modelcontextprotocol/server';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { authInfoOf } from '../auth/request-auth-info.js';
import { isPlainSessionEraRequest } from '../mcp/sessions/session-era-gate.js';
import type { StreamableHttpSessions } from '../mcp/sessions/streamable-http-sessions.js';
import type { DirectToolCalls } from '../mcp/shared/direct-tool-calls.js';
import { sendJsonMessage, sendWebResponse, toWebRequest } from '../mcp/shared/web-bridge.js';
import type { ModernHandler } from '../mcp/stateless/modern-handler.js';
import { parseJsonBody } from './parse-json-body.js';

export interface McpRoutesOptions {
  sessions: StreamableHttpSessions;
  /** The SDK's 2026-07-28 handler (`createMcpHandler`, `legacy: 'reject'`) and the engine beside it. */
  modern: ModernHandler;
  /** Answers calls of pure tools without the SDK handler; unset (`MCS_DIRECT_TOOL_CALLS=off`): the SDK serves all. */
  direct?: DirectToolCalls | undefined;
}

/** A header as a web `Headers` object would give it (repeated headers joined). */
function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * `/mcp`: one endpoint, two eras. A POST carrying the 2026-07-28 per-request envelope goes to the
 * SDK's stateless handler; everything else (the `initialize` handshake, `Mcp-Session-Id` traffic,
 * GET streams, DELETE) is the session-based Streamable HTTP of 2025-03-26..2025-11-25. The era is
 * decided by the SDK's own classifier, the one its handler and `isLegacyRequest` use.
 */
export const mcpRoutes: FastifyPluginAsync<McpRoutesOptions> = async (app, { sessions, modern, direct }) => {
  app.post('/mcp', async (request, reply) => {
    const parsed = parseJsonBody(request);
    if ('error' in parsed) return sendWebResponse(reply, parsed.error);
    if (isPlainSessionEraRequest(parsed.body, request.headers['mcp-protocol-version'])) {
      return sessions.post(request, reply, parsed.body);
    }
    const answer = direct?.answerModern(parsed.body, request.headers);
    if (answer !== undefined) return sendJsonMessage(reply, answer);
    const served = modern.engine.serve(parsed.body, request.headers, authInfoOf(request), reply);
    if (served !== undefined) {
      await served;
      return reply;
    }
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: headerOf(request, 'mcp-protocol-version'),
      mcpMethodHeader: headerOf(request, 'mcp-method'),
      mcpNameHeader: headerOf(request, 'mcp-name'),
      body: parsed.body,
    });
    if (route.kind === 'legacy') return sessions.post(request, reply, parsed.body);
    return sendWebResponse(
      reply,
      await modern.fetch(toWebRequest(request, reply), { parsedBody: parsed.body, authInfo: authInfoOf(request) }),
    );
  });
  app.get('/mcp', (request, reply) => sessions.get(request, reply));
  app.delete('/mcp', (request, reply) => sessions.delete(request, reply));
};
