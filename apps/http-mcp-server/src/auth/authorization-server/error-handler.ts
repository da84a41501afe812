import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../oauth-error.js';

/**
 * Error handler of every authorization server route: OAuth errors as RFC 6749 JSON bodies, Fastify's
 * own 4xx (bad body, rate limit) as `invalid_request` / `rate_limited`, anything else as a bare 500.
 */
export function oauthErrorHandler(
  error: Error & { statusCode?: number },
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof OAuthError) {
    if (error.status >= 500) request.log.error({ err: error }, 'authorization server error');
    else if (error.cause !== undefined) request.log.warn(error.logFields(), 'oauth request refused');
    else request.log.info(error.logFields(), 'oauth request refused');
    return reply.code(error.status).header('cache-control', 'no-store').send(error.toBody());
  }
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'authorization server error');
    return reply.code(500).send({ error: 'server_error', error_description: 'Internal error' });
  }
  const code = status === 429 ? 'rate_limited' : 'invalid_request';
  return reply.code(status).header('cache-control', 'no-store').send({ error: code, error_description: error.message });
}
