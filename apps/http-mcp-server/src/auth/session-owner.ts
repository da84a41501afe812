import type { SessionStore } from '@mcs/session-store';

/** Session attribute naming the `sub` a protocol session belongs to. */
export const SESSION_OWNER_ATTRIBUTE = 'authSubject';

/**
 * Binds MCP sessions to the user (MCP security best practices: a session id is not a credential).
 * The first authenticated request that uses a session claims it for its `sub`; later requests with
 * another `sub` are answered as if the session did not exist. Returns whether `subject` may use it.
 * Unknown sessions pass (the routes answer 404 themselves).
 */
export async function mayUseSession(store: SessionStore, sessionId: string, subject: string): Promise<boolean> {
  const session = await store.getProtocolSession(sessionId);
  if (session === undefined) return true;
  const owner = session.attributes[SESSION_OWNER_ATTRIBUTE];
  if (owner === undefined || owner === null) {
    await store.updateProtocolSession(sessionId, { attributes: { [SESSION_OWNER_ATTRIBUTE]: subject } });
    return true;
  }
  return owner === subject;
}
