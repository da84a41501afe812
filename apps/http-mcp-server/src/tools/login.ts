import * as z from 'zod';
import type { PackModule } from '../pack-framework/pack-module.js';
import { upstreamForRequest, upstreamToolError } from '../upstream/upstream-request.js';

const loginOutput = z.object({
  authorizationUrl: z.string().describe('Open in a browser and sign in; works once'),
  expiresAt: z.string().describe('ISO 8601: the URL stops working after this'),
  issuer: z.string().describe('The upstream identity provider'),
  boundTo: z
    .enum(['subject', 'session'])
    .describe('Whom the login will belong to: the signed-in user or this MCP session'),
});

/**
 * `login`: starts the upstream sign-in. Returns the provider's authorization URL (PKCE S256, state,
 * nonce); the callback route stores the tokens for the caller, and `service` then uses them.
 */
export const loginTool: PackModule = {
  name: 'login',
  register(server, context) {
    server.registerTool(
      'login',
      {
        title: 'Sign in to the upstream service',
        description:
          'Returns a URL for the user to open in a browser to sign in to the upstream service. After signing in, the service tool calls the upstream API as that user.',
        outputSchema: loginOutput,
        annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: true },
      },
      async (ctx) => {
        const resolved = upstreamForRequest(context, ctx);
        if ('error' in resolved) return resolved.error;
        try {
          const { url, expiresAt } = await resolved.login.begin(resolved.user);
          const result = {
            authorizationUrl: url,
            expiresAt,
            issuer: resolved.login.issuer,
            boundTo: resolved.user.kind,
          };
          return {
            content: [
              {
                type: 'text',
                text: `Open this URL in a browser and sign in to ${resolved.login.issuer}:\n${url}\nIt works once, until ${expiresAt}. Then come back: the service tool will use the sign-in.`,
              },
            ],
            structuredContent: result,
          };
        } catch (error) {
          return upstreamToolError(error);
        }
      },
    );
  },
};
