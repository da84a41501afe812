import type { SessionStore } from '@mcs/session-store';

/**
 * Binds MCP sessions to the user (MCP security best practices: a session id is not a credential).
 * The owner is bound when the session is created (`initialize`, `GET /sse`) and checked atomically
 * with every touch by the MCP routes (`sessionOwnerOf`, `touchProtocolSession({ owner })`); this is
 * the early, read-only answer for the authorization hook: whether `subject` may use the session.
 * Unknown sessions pass (the routes answer 404 themselves). Nothing is ever claimed here: a session
 * nobody owns is refused to everyone who names a subject.
 */
export async function mayUseSession(store: SessionStore, sessionId: string, subject: string): Promise<boolean> {
  const session = await store.getProtocolSession(sessionId);
  return session === undefined || session.owner === subject;
}
