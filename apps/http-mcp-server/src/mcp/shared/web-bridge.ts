import type { FastifyReply, FastifyRequest } from 'fastify';
import { boundedError, isOversizedError } from './bounded-errors.js';

/**
 * A web-standard Request for the SDK's HTTP entry points. The body (already read and size-limited by
 * Fastify as text) is passed separately as `parsedBody`, so the Request itself carries none.
 */
export function toWebRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  overrides: Record<string, string> = {},
): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  for (const [name, value] of Object.entries(overrides)) headers.set(name, value);
  // Content-Length describes the original body; the rebuilt Request has none.
  headers.delete('content-length');
  const url = `http://${request.host || 'localhost'}${request.url}`;
  const abort = new AbortController();
  // The client went away before the answer was written: cancel the exchange.
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return new Request(url, { method: request.method, headers, signal: abort.signal });
}

/** Writes a web-standard Response (JSON, empty, or an SSE stream) to Fastify's reply. */
export async function sendWebResponse(
  reply: FastifyReply,
  response: Response,
  extraHeaders: Record<string, string> = {},
): Promise<FastifyReply> {
  reply.code(response.status);
  response.headers.forEach((value, name) => {
    reply.header(name, value);
  });
  for (const [name, value] of Object.entries(extraHeaders)) reply.header(name, value);
  if (response.body === null) return reply.send();
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) {
    // Fastify writes a web stream chunk by chunk itself and cancels it when the client goes away;
    // cheaper than wrapping it in a Node Readable first.
    return reply.send(response.body);
  }
  if (response.status >= 400 && type.includes('application/json')) {
    // The body may change length: Fastify computes it again.
    reply.removeHeader('content-length');
    return reply.send(boundedErrorBody(await response.text()));
  }
  return reply.send(Buffer.from(await response.arrayBuffer()));
}

/**
 * An error body with its JSON-RPC error bounded: the SDK's refusals quote what they refuse
 * (`Unsupported protocol version: <the header>`, a header/body mismatch with both values), whatever
 * their length.
 */
function boundedErrorBody(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  return isOversizedError(body) ? JSON.stringify(boundedError(body)) : text;
}

/** Writes a JSON-RPC message as the SDK writes its JSON responses (200, `application/json`). */
export function sendJsonMessage(reply: FastifyReply, message: object): FastifyReply {
  return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(message));
}
