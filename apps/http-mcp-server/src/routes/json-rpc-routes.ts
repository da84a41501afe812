import type { FastifyPluginAsync } from 'fastify';
import type { RequestDispatch } from '../mcp/dispatch/request-dispatch.js';

/** `POST /http`: one JSON-RPC request in, one JSON response out (src/mcp/plain-json/ answers it). */
export const jsonRpcRoutes: FastifyPluginAsync<{ dispatch: RequestDispatch }> = async (app, { dispatch }) => {
  app.post('/http', (request, reply) => dispatch.answer('/http', request, reply));
};
