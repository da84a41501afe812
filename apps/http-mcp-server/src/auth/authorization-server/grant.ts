import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationServerContext } from './context.js';
import type { AuthorizationRequest } from './forms.js';
import { redirectWith } from './responses.js';

/**
 * Issues the code for a consented, signed-in request and sends the browser back to the client.
 * Shared by the local sign-in (POST /authorize) and the federation callback.
 */
export async function grant(
  ctx: AuthorizationServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pending: AuthorizationRequest,
  subject: string,
) {
  const code = await ctx.tokens.createCode({
    clientId: pending.clientId,
    redirectUri: pending.redirectUri,
    codeChallenge: pending.codeChallenge,
    scopes: pending.scopes,
    resource: pending.resource,
    subject,
  });
  request.log.info({ clientId: pending.clientId, sub: subject }, 'authorization granted');
  return redirectWith(reply, ctx.issuerUrl, pending.redirectUri, { code, state: pending.state });
}
