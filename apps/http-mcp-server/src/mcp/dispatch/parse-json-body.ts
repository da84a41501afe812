import { isJsonContentType } from '@modelcontextprotocol/server';
import type { FastifyRequest } from 'fastify';
import { jsonRpcErrorResponse } from '../shared/json-rpc-errors.js';

/** The POST body as JSON, or the error Response to answer with (415 wrong type, 400 parse error). */
export function parseJsonBody(request: FastifyRequest): { body: unknown } | { error: Response } {
  if (!isJsonContentType(request.headers['content-type'] ?? null)) {
    return {
      error: jsonRpcErrorResponse(
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported Media Type: Content-Type must be application/json',
      ),
    };
  }
  const text = typeof request.body === 'string' ? request.body : '';
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { error: jsonRpcErrorResponse('PARSE_ERROR', 'Parse error: Invalid JSON') };
  }
}
