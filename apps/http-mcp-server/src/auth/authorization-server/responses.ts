import type { FastifyReply, FastifyRequest } from 'fastify';

// Browser-based MCP clients (the Inspector's web UI, ...) call the metadata, registration, token and
// revocation endpoints cross-origin. No cookies are involved on those routes, so any origin may read
// them; /authorize is a top-level navigation, no CORS.
export const cors = (reply: FastifyReply) => reply.header('access-control-allow-origin', '*');

export const preflight = async (_request: FastifyRequest, reply: FastifyReply) =>
  cors(reply)
    .code(204)
    .header('access-control-allow-methods', 'GET, POST, OPTIONS')
    .header('access-control-allow-headers', 'content-type, authorization, mcp-protocol-version')
    .header('access-control-max-age', '600')
    .send();

/** Sends the browser back to the client with an authorization response (RFC 9207 `iss` included). */
export function redirectWith(
  reply: FastifyReply,
  issuerUrl: string,
  redirectUri: string,
  params: Record<string, string | null | undefined>,
) {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value != null) url.searchParams.set(key, value);
  // RFC 9207: the issuer in every authorization response, so clients can detect mix-up attacks.
  url.searchParams.set('iss', issuerUrl);
  return reply.code(303).header('cache-control', 'no-store').redirect(url.toString(), 303);
}

/** An HTML page (consent or error) that no other site may frame, with a strict CSP. */
export function sendPage(reply: FastifyReply, status: number, html: string, redirectUri?: string) {
  const formAction = redirectUri ? ` ${new URL(redirectUri).origin}` : '';
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(html);
}
