import { createHash } from 'node:crypto';
import type { ProtocolSession, SessionStore } from '@mcs/session-store';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { ResourceSubscriptionStore } from '../../packs/index.js';
import type { MessageRouter } from '../replicas/message-router.js';
import { sendToSse2024Stream } from '../sse-2024/sse-2024-sessions.js';
import type { StreamableHttpSessions } from './streamable-http-sessions.js';

/** Session attribute naming one subscribed URI (the authority on whether the session subscribes). */
const ATTRIBUTE_PREFIX = 'resourceSubscription:';
/** Sessions whose last renewal this replica remembers. */
const MAX_TRACKED_SESSIONS = 100_000;
/** Longest URI used as is in a set id; longer ones (and ones with control characters) are hashed. */
const MAX_PLAIN_URI_LENGTH = 400;
// biome-ignore lint/suspicious/noControlCharactersInRegex: such URIs cannot be part of a store id
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Id of the store's expiring set of the sessions subscribed to `uri` (ids are at most 512 characters). */
export function subscribersSetId(uri: string): string {
  if (uri.length <= MAX_PLAIN_URI_LENGTH && !CONTROL.test(uri)) return `resourceSubscribers:uri:${uri}`;
  return `resourceSubscribers:sha256:${createHash('sha256').update(uri).digest('hex')}`;
}

/** How a notification reaches a session's stream, on whichever replica holds it. */
export interface SubscriberStreamRoutes {
  /** 2024-11-05 sessions: their `/sse` stream listens on the session channel. */
  readonly router: Pick<MessageRouter, 'publishToSession'>;
  /**
   * Streamable HTTP sessions: the GET stream, through the event log (resumable with `Last-Event-ID`)
   * and the bus. A function because the app builds the sessions after the server factory.
   */
  readonly sessions: () => Pick<StreamableHttpSessions, 'sendToSessionStream'>;
}

/**
 * `resources/subscribe` recorded in the session store, so every replica (and every fresh
 * per-request server) sees the same subscriptions:
 *
 * - in the session's attributes (`resourceSubscription:<uri>`), which expire with the session: the
 *   authority on whether a session subscribes;
 * - in an expiring set per URI (`resourceSubscribers:…`), the lookup by URI. Each member lives one
 *   session idle TTL, restarted by `resources/subscribe` and whenever the session is told of a change
 *   or makes one; a member whose session has ended or unsubscribed is dropped when a change finds it.
 *
 * Requests without a session (key '') cannot subscribe. With `routes`, `notifyUpdated` sends the
 * notification to another session's stream (GET stream or `/sse`).
 */
export class SessionResourceSubscriptions implements ResourceSubscriptionStore {
  readonly #store: SessionStore;
  readonly notifyUpdated?: (sessionKey: string, uri: string) => Promise<boolean>;
  /** When this replica last renewed a session's set entries (see `keepAlive`). */
  readonly #renewedAt = new Map<string, number>();
  readonly #renewEveryMs: number;

  /** `idleTtlMs`: the store's session idle TTL, which is also how long a set entry lives. */
  constructor(store: SessionStore, routes?: SubscriberStreamRoutes, { idleTtlMs = 3_600_000 } = {}) {
    this.#store = store;
    this.#renewEveryMs = Math.max(1, Math.floor(idleTtlMs / 4));
    if (routes) this.notifyUpdated = (sessionKey, uri) => this.#notifyUpdated(routes, sessionKey, uri);
  }

  /**
   * Renews a live session's entries in the sets of the URIs it subscribes to, at most once per
   * quarter of the idle TTL per session and replica. Called whenever a session proves alive (a
   * request, a stream keep-alive): a session that stays active without subscribing again or hearing
   * of a change must not drop out of the lookup while its subscription attributes live on.
   */
  keepAlive(session: ProtocolSession): void {
    const now = Date.now();
    const renewed = this.#renewedAt.get(session.id);
    if (renewed !== undefined && now - renewed < this.#renewEveryMs) return;
    // Bounded: forgetting a session only means one early renewal.
    if (this.#renewedAt.size >= MAX_TRACKED_SESSIONS) this.#renewedAt.clear();
    this.#renewedAt.set(session.id, now);
    const uris = Object.keys(session.attributes)
      .filter((name) => name.startsWith(ATTRIBUTE_PREFIX) && session.attributes[name] === true)
      .map((name) => name.slice(ATTRIBUTE_PREFIX.length));
    for (const uri of uris) {
      // Failures are counted by the store (mcs_store_errors); the next renewal tries again.
      this.#store.addToSet(subscribersSetId(uri), session.id).catch(() => this.#renewedAt.delete(session.id));
    }
  }

  async subscribe(sessionKey: string, uri: string): Promise<void> {
    if (!sessionKey) return;
    const session = await this.#store.updateProtocolSession(sessionKey, {
      attributes: { [ATTRIBUTE_PREFIX + uri]: true },
    });
    if (session !== undefined) await this.#store.addToSet(subscribersSetId(uri), sessionKey);
  }

  async unsubscribe(sessionKey: string, uri: string): Promise<void> {
    if (!sessionKey) return;
    await Promise.all([
      this.#store.updateProtocolSession(sessionKey, { attributes: { [ATTRIBUTE_PREFIX + uri]: null } }),
      this.#store.removeFromSet(subscribersSetId(uri), sessionKey),
    ]);
  }

  async isSubscribed(sessionKey: string, uri: string): Promise<boolean> {
    if (!sessionKey) return false;
    const session = await this.#store.getProtocolSession(sessionKey);
    const subscribed = session?.attributes[ATTRIBUTE_PREFIX + uri] === true;
    // Asked when the session changes the resource: it is active, so its entry in the index lives on.
    if (subscribed) await this.#store.addToSet(subscribersSetId(uri), sessionKey);
    return subscribed;
  }

  subscribers(uri: string): Promise<string[]> {
    return this.#store.getSetMembers(subscribersSetId(uri));
  }

  async #notifyUpdated(routes: SubscriberStreamRoutes, sessionKey: string, uri: string): Promise<boolean> {
    const setId = subscribersSetId(uri);
    const session = await this.#store.getProtocolSession(sessionKey);
    if (session?.attributes[ATTRIBUTE_PREFIX + uri] !== true) {
      await this.#store.removeFromSet(setId, sessionKey);
      return false;
    }
    const message: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } };
    await Promise.all([
      this.#store.addToSet(setId, sessionKey),
      session.transport === 'sse'
        ? sendToSse2024Stream(routes.router, sessionKey, message)
        : routes.sessions().sendToSessionStream(sessionKey, message),
    ]);
    return true;
  }
}
