import type { FastifyPluginAsync } from 'fastify';
import type { JsonRpcEndpoint } from '../mcp/plain-json/json-rpc-endpoint.js';
import { sendWebResponse } from '../mcp/shared/web-bridge.js';
import { parseJsonBody } from './parse-json-body.js';

/** `POST /http`: one JSON-RPC request in, one JSON response out. */
export const jsonRpcRoutes: FastifyPluginAsync<{ endpoint: JsonRpcEndpoint }> = async (app, { endpoint }) => {
  app.post('/http', async (request, reply) => {
    const parsed = parseJsonBody(request);
    if ('error' in parsed) return sendWebResponse(reply, parsed.error);
    return endpoint.post(request, reply, parsed.body);
  });
};
