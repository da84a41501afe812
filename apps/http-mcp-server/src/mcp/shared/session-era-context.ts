import type { JsonObject, ProtocolSession, SessionStore } from '@mcs/session-store';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { authInfoOf } from '../../auth/request-auth-info.js';
import type { AppConfig } from '../../config.js';
import type { RestoredClient } from '../replicas/exchange-transport.js';
import type { MessageRouter } from '../replicas/message-router.js';
import type { LiveSessions } from '../sessions/live-sessions.js';
import type { McpServerFactory } from './server-factory.js';
import type { StreamRegistry } from './sse-stream.js';

/**
 * What the handlers of the session eras share (2025 sessions, 2024-11-05 HTTP+SSE, and `/http`, served
 * as a 2025-11-25 client): the store, the bus router, the server factory, streams. The 2026-07-28
 * handlers need none of it per request (no session).
 */
export interface SessionEraContext {
  config: AppConfig;
  store: SessionStore;
  router: MessageRouter;
  createServer: McpServerFactory;
  streams: StreamRegistry;
  /** Sessions this replica created, served or holds a stream of (the `mcs_sessions` gauge). */
  liveSessions: LiveSessions;
  /** `resources/subscribe` records (`SessionResourceSubscriptions`): live sessions stay findable by URI. */
  subscriptions: { keepAlive(session: ProtocolSession): void };
  log: Logger;
}

/**
 * A session proved alive (a request of it, or a keep-alive of a stream it holds): counted live on
 * this replica, and its resource subscriptions kept findable by URI.
 */
export function sessionSeen(ctx: SessionEraContext, session: ProtocolSession): void {
  ctx.liveSessions.seen(session.id);
  ctx.subscriptions.keepAlive(session);
}

/**
 * Who a session created by this request belongs to, and who a request must be to use one: the
 * verified token's `sub` (undefined with MCS_AUTH=off, where sessions have no owner). Bound at
 * creation and checked in the same atomic step as every touch, so a session id alone never lets
 * another user in.
 */
export function sessionOwnerOf(request: FastifyRequest): string | undefined {
  const sub = authInfoOf(request)?.extra?.sub;
  return typeof sub === 'string' && sub.length > 0 ? sub : undefined;
}

/** The owner as `touchProtocolSession` options (no check without one). */
export function ownerCheckOf(request: FastifyRequest): { owner?: string } {
  const owner = sessionOwnerOf(request);
  return owner === undefined ? {} : { owner };
}

/** The session attribute holding the level of the client's last `logging/setLevel`. */
export const LOG_LEVEL_ATTRIBUTE = 'logLevel';

export function restoredClientOf(session: ProtocolSession): RestoredClient {
  const level = session.attributes[LOG_LEVEL_ATTRIBUTE];
  return {
    protocolVersion: session.protocolVersion,
    clientCapabilities: session.clientCapabilities,
    clientInfo: session.clientInfo,
    logLevel: typeof level === 'string' ? level : undefined,
  };
}

export function jsonObjectOr(value: unknown, fallback: JsonObject | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : fallback;
}
