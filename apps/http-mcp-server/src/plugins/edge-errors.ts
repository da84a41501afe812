import { SessionStoreError } from '@mcs/session-store';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import {
  EDGE_ERRORS,
  type EdgeErrorKind,
  jsonRpcErrorBody,
  STORE_RETRY_AFTER_SECONDS,
  STORE_UNAVAILABLE_MESSAGE,
} from '../mcp/shared/json-rpc-errors.js';
import { notFoundHandler } from '../routes/fallback-errors.js';

export interface EdgeErrorsOptions {
  /** Named in the 413 message (`MCS_BODY_LIMIT_BYTES`). */
  bodyLimitBytes: number;
}

/**
 * The edge's own answers to what no route answered: an error thrown by a route or hook, and a request
 * no route matches. Both are JSON-RPC error bodies with the status of `EDGE_ERRORS`, like every other
 * error of the edge; an unreachable session store is a 503 with `Retry-After`. Registered at the root
 * (fastify-plugin), so every route plugin inherits it unless it sets its own (the authorization
 * server answers OAuth errors instead).
 */
const edgeErrors: FastifyPluginAsync<EdgeErrorsOptions> = async (app, { bodyLimitBytes }) => {
  app.setNotFoundHandler(notFoundHandler);
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    let kind: EdgeErrorKind;
    let message = error.message;
    if (error instanceof SessionStoreError && error.code === 'STORE_UNAVAILABLE') {
      kind = 'UNAVAILABLE';
      message = STORE_UNAVAILABLE_MESSAGE;
      reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
    } else if (error.statusCode === 413) {
      kind = 'PAYLOAD_TOO_LARGE';
      message = `Payload too large: bodies are limited to ${bodyLimitBytes} bytes`;
    } else if (error.statusCode === 415) {
      kind = 'UNSUPPORTED_MEDIA_TYPE';
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      kind = 'BAD_REQUEST';
    } else {
      kind = 'INTERNAL_ERROR';
      message = 'Internal error';
    }
    if (EDGE_ERRORS[kind].status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ err: error.message, code: error.code }, 'request refused');
    if (reply.sent || reply.raw.headersSent) return;
    return reply.code(EDGE_ERRORS[kind].status).send(jsonRpcErrorBody(kind, message));
  });
};

export default fp(edgeErrors, { name: 'mcs-edge-errors', fastify: '5.x' });
