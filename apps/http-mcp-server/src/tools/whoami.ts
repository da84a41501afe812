import type { AuthInfo } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { CallerIdentity, PackContext } from '../pack-framework/pack-context.js';
import type { PackModule } from '../pack-framework/pack-module.js';
import { NO_USER_MESSAGE, upstreamUserOfRequest } from '../upstream/upstream-request.js';

const whoamiOutput = z.object({
  sessionId: z.string().nullable().describe('Mcp-Session-Id of this session; null on stateless requests'),
  protocolVersion: z.string().nullable().describe('Negotiated MCP protocol revision, when known'),
  client: z.object({ name: z.string(), version: z.string() }).nullable().describe('clientInfo from initialize'),
  authenticated: z.boolean(),
  identity: z
    .object({ subject: z.string(), clientId: z.string().optional(), scopes: z.array(z.string()).optional() })
    .catchall(z.unknown()),
  upstream: z
    .object({
      issuer: z.string(),
      loggedIn: z.boolean(),
      expiresAt: z.string().optional(),
      scopes: z.array(z.string()).optional(),
      refreshable: z.boolean().optional(),
      subject: z.string().optional(),
      problem: z.string().optional(),
    })
    .optional()
    .describe('Upstream sign-in state (present when an upstream login is configured); never the tokens'),
});

/** Identity carried by the access token; `sub` lives in `extra` when the verifier puts it there. */
export function identityFromAuthInfo(authInfo: AuthInfo): CallerIdentity {
  const sub = authInfo.extra?.sub;
  return {
    subject: typeof sub === 'string' && sub.length > 0 ? sub : authInfo.clientId,
    clientId: authInfo.clientId,
    scopes: [...authInfo.scopes],
  };
}

const ANONYMOUS: CallerIdentity = { subject: 'anonymous' };

function resolveIdentity(authInfo: AuthInfo | undefined, context: PackContext): CallerIdentity {
  if (authInfo === undefined) return ANONYMOUS;
  return context.identity?.(authInfo) ?? identityFromAuthInfo(authInfo);
}

async function upstreamStatus(
  login: NonNullable<PackContext['upstreamLogin']>,
  sessionId: string | undefined,
  authInfo: AuthInfo | undefined,
) {
  const user = upstreamUserOfRequest(sessionId, authInfo);
  if (user === undefined) return { issuer: login.issuer, loggedIn: false, problem: NO_USER_MESSAGE };
  const status = await login.status(user);
  return { ...status, ...(status.scopes ? { scopes: [...status.scopes] } : {}) };
}

/** `whoami`: the session and the identity this request runs as ("anonymous" when auth is off). */
export const whoamiTool: PackModule = {
  name: 'whoami',
  register(server, context) {
    server.registerTool(
      'whoami',
      {
        title: 'Who am I',
        description: 'Returns the MCP session id, protocol version, client and caller identity of this request.',
        outputSchema: whoamiOutput,
        annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      },
      async (ctx) => {
        const authInfo = ctx.http?.authInfo;
        const clientInfo = server.server.getClientVersion();
        const result = {
          sessionId: ctx.sessionId ?? null,
          protocolVersion: server.server.getNegotiatedProtocolVersion() ?? null,
          client: clientInfo ? { name: clientInfo.name, version: clientInfo.version } : null,
          authenticated: authInfo !== undefined,
          identity: resolveIdentity(authInfo, context),
          ...(context.upstreamLogin
            ? { upstream: await upstreamStatus(context.upstreamLogin, ctx.sessionId, authInfo) }
            : {}),
        };
        return {
          content: [{ type: 'text', text: `${result.identity.subject} (session ${result.sessionId ?? 'none'})` }],
          structuredContent: result,
        };
      },
    );
  },
};
