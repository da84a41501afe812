import type { Socket } from 'node:net';
import { quoteValue } from '@mcs/resilience';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { EDGE_ERRORS, type EdgeErrorKind, jsonRpcErrorBody } from '../mcp/shared/json-rpc-errors.js';

/**
 * A request no route matches: a JSON-RPC error like every other error of the edge. Fastify's own
 * answer quoted the whole URL (query string included) back, up to the header size limit.
 */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?', 1)[0] ?? '';
  return reply
    .code(EDGE_ERRORS.NOT_FOUND.status)
    .send(
      jsonRpcErrorBody('NOT_FOUND', `Not Found: ${request.method} ${quoteValue(path)} is not a route of this server`),
    );
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over the size limit, a
 * malformed request line, a client too slow to send its headers): the same statuses as Fastify's
 * default handler, with a JSON-RPC error body instead of Fastify's own shape.
 */
export function createClientErrorHandler(logger: Logger): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let kind: EdgeErrorKind;
    let message: string;
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      kind = 'REQUEST_TIMEOUT';
      message = 'Request Timeout: the request headers did not arrive in time';
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      kind = 'HEADERS_TOO_LARGE';
      message = 'Request Header Fields Too Large: send a shorter URL and fewer or shorter headers';
    } else {
      kind = 'BAD_REQUEST';
      message = 'Bad Request: the request is not valid HTTP/1.1';
    }
    logger.debug({ err: error, code: error.code }, 'malformed HTTP request refused');
    if (socket.writable) {
      const body = JSON.stringify(jsonRpcErrorBody(kind, message));
      const { status } = EDGE_ERRORS[kind];
      socket.write(
        `HTTP/1.1 ${status} ${kind.replaceAll('_', ' ')}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
