import * as z from 'zod';
import type { PackModule } from '../pack-framework/pack-module.js';
import { upstreamForRequest, upstreamToolError } from '../upstream/upstream-request.js';

const logoutOutput = z.object({
  wasLoggedIn: z.boolean().describe('false when there was no stored sign-in'),
  revoked: z.boolean().describe('true when the provider revoked the tokens (it needs a revocation endpoint)'),
});

/** `logout`: forgets the caller's upstream sign-in and revokes it at the provider when it can. */
export const logoutTool: PackModule = {
  name: 'logout',
  register(server, context) {
    server.registerTool(
      'logout',
      {
        title: 'Sign out of the upstream service',
        description: 'Forgets your upstream sign-in (and revokes it at the provider when supported).',
        outputSchema: logoutOutput,
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      },
      async (ctx) => {
        const resolved = upstreamForRequest(context, ctx);
        if ('error' in resolved) return resolved.error;
        try {
          const result = await resolved.login.logout(resolved.user);
          const text = result.wasLoggedIn
            ? `Signed out of ${resolved.login.issuer}${result.revoked ? ' (tokens revoked)' : ''}.`
            : 'There was no upstream sign-in to forget.';
          return { content: [{ type: 'text', text }], structuredContent: result };
        } catch (error) {
          return upstreamToolError(error);
        }
      },
    );
  },
};
