import type { AuthError } from './auth-error.js';
import { formatScopes } from './scopes.js';

export interface BearerChallengeOptions {
  /** RFC 9728 protected resource metadata URL (MCP clients discover the authorization server from it). */
  resourceMetadataUrl?: string;
  realm?: string;
  /** Scopes the resource needs, sent as `scope` (RFC 6750 §3). */
  scopes?: readonly string[];
}

/**
 * The `WWW-Authenticate` value for an auth failure (RFC 6750 §3, RFC 9728 §5.1). A request without
 * credentials gets the bare challenge; an invalid token gets `error="invalid_token"`; a missing
 * scope gets `error="insufficient_scope"` with every required scope.
 */
export function formatBearerChallenge(error: AuthError | undefined, options: BearerChallengeOptions = {}): string {
  const params: [string, string][] = [];
  if (options.realm !== undefined) params.push(['realm', options.realm]);
  if (options.resourceMetadataUrl !== undefined) params.push(['resource_metadata', options.resourceMetadataUrl]);
  if (error?.oauthError !== undefined) {
    params.push(['error', error.oauthError]);
    params.push(['error_description', error.message]);
  }
  const scopes = error !== undefined && error.requiredScopes.length > 0 ? error.requiredScopes : options.scopes;
  if (scopes !== undefined && scopes.length > 0) params.push(['scope', formatScopes(scopes)]);
  const rendered = params.map(([name, value]) => `${name}="${quotable(value)}"`).join(', ');
  return rendered === '' ? 'Bearer' : `Bearer ${rendered}`;
}

// RFC 6750 §3: error_description and scope use %x20-21 / %x23-5B / %x5D-7E, i.e. no `"`, no `\`, ASCII only.
function quotable(value: string): string {
  return value.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}
