import type { AuthInfo, CallToolResult } from '@modelcontextprotocol/server';
import type { PackContext, UpstreamCredentialProvider } from '../pack-framework/pack-context.js';
import type { UpstreamLogin } from './upstream-login.js';
import { UpstreamLoginError } from './upstream-login-error.js';
import { resolveUpstreamUser, type UpstreamUser } from './upstream-user.js';

/**
 * The login's owner key comes from the token itself (`sub`, else the client id), not from the
 * `identity` resolver: that one shapes what `whoami` displays and may change, the key must not.
 */
function subjectOf(authInfo: AuthInfo): string {
  const sub = authInfo.extra?.sub;
  return typeof sub === 'string' && sub.length > 0 ? sub : `client:${authInfo.clientId}`;
}

export const NOT_CONFIGURED_MESSAGE =
  'No upstream login is configured on this server (the operator sets MCS_UPSTREAM_ISSUER and MCS_UPSTREAM_CLIENT_ID).';

export const NO_USER_MESSAGE =
  'An upstream login must belong to someone: this request has neither an authenticated user nor an MCP session. ' +
  'Connect with authorization (MCS_AUTH=on) or with a session (protocol revision 2025-11-25 or earlier).';

/** The user an MCP request acts for. */
export function upstreamUserOfRequest(
  sessionId: string | undefined,
  authInfo: AuthInfo | undefined,
): UpstreamUser | undefined {
  return resolveUpstreamUser(sessionId, authInfo, subjectOf);
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/**
 * Common start of the login tools: the configured flow and the caller's user key, or the tool error
 * to answer (not configured, no user).
 */
export function upstreamForRequest(
  context: PackContext,
  ctx: { sessionId?: string | undefined; http?: { authInfo?: AuthInfo | undefined } | undefined },
): { login: UpstreamLogin; user: UpstreamUser } | { error: CallToolResult } {
  const login = context.upstreamLogin;
  if (login === undefined) return { error: toolError(NOT_CONFIGURED_MESSAGE) };
  const user = upstreamUserOfRequest(ctx.sessionId, ctx.http?.authInfo);
  if (user === undefined) return { error: toolError(NO_USER_MESSAGE) };
  return { login, user };
}

/** A tool error for an UpstreamLoginError (its message says what to do); anything else is rethrown. */
export function upstreamToolError(error: unknown): CallToolResult {
  if (error instanceof UpstreamLoginError) return toolError(error.message);
  throw error;
}

/** The `credentials` slot of the PackContext: the caller's upstream login, refreshed when expired. */
export function upstreamCredentialProvider(login: UpstreamLogin): UpstreamCredentialProvider {
  return async ({ sessionId, authInfo }) => {
    const user = upstreamUserOfRequest(sessionId, authInfo);
    if (user === undefined) throw new UpstreamLoginError('NO_USER', NO_USER_MESSAGE);
    return login.credentialsFor(user);
  };
}
