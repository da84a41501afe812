import type { Principal } from '@mcs/auth';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller as the MCP SDK sees it (`ctx.http.authInfo`); undefined with MCS_AUTH=off. */
    mcsAuthInfo: AuthInfo | undefined;
  }
}

/** The SDK's AuthInfo for a verified principal; `extra.sub` is what `whoami` names. */
export function authInfoFromPrincipal(principal: Principal, token: string, resource: string): AuthInfo {
  return {
    token,
    clientId: principal.clientId ?? principal.subject,
    scopes: [...principal.scopes],
    expiresAt: Math.floor(principal.expiresAt.getTime() / 1000),
    resource: new URL(resource),
    extra: { sub: principal.subject, iss: principal.issuer, ...(principal.jti ? { jti: principal.jti } : {}) },
  };
}

/** What the MCP routes hand to the SDK as `authInfo` (undefined when auth is off). */
export function authInfoOf(request: FastifyRequest): AuthInfo | undefined {
  return request.mcsAuthInfo;
}
