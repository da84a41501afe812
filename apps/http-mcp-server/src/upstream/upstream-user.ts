import { createHash } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/server';

/** Whom an upstream login belongs to. */
export interface UpstreamUser {
  /** `subject`: the authenticated principal (survives new MCP sessions); `session`: one MCP session. */
  readonly kind: 'subject' | 'session';
  /** `subject:<sub>` or `session:<id>`: the secret box's associated data, so a sealed login opens for this user only. */
  readonly key: string;
  /** Application session id in the store: a hash, so subjects do not show up in key names. */
  readonly storageId: string;
}

function userOf(kind: UpstreamUser['kind'], id: string): UpstreamUser {
  const key = `${kind}:${id}`;
  return { kind, key, storageId: `upstream:${createHash('sha256').update(key).digest('base64url')}` };
}

/**
 * The login's owner: the principal's subject when the request is authenticated, else the MCP
 * session id; `undefined` for an anonymous stateless request (nothing to bind a login to).
 */
export function resolveUpstreamUser(
  sessionId: string | undefined,
  authInfo: AuthInfo | undefined,
  subjectOf: (authInfo: AuthInfo) => string,
): UpstreamUser | undefined {
  if (authInfo !== undefined) return userOf('subject', subjectOf(authInfo));
  if (sessionId !== undefined && sessionId.length > 0) return userOf('session', sessionId);
  return undefined;
}

/** Read back from a stored authorization request (the callback has no MCP request). */
export function upstreamUserFromKey(key: string): UpstreamUser | undefined {
  const match = /^(subject|session):(.+)$/s.exec(key);
  return match ? userOf(match[1] as UpstreamUser['kind'], match[2] as string) : undefined;
}
