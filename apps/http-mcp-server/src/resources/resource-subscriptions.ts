/**
 * Which resource URIs each session subscribed to (`resources/subscribe`). The app may plug a
 * shared implementation (e.g. on the session store) through `PackContext.resourceSubscriptions`
 * so that every replica sees the same subscriptions; the default lives in one McpServer instance.
 */
export interface ResourceSubscriptionStore {
  subscribe(sessionKey: string, uri: string): Promise<void>;
  unsubscribe(sessionKey: string, uri: string): Promise<void>;
  isSubscribed(sessionKey: string, uri: string): Promise<boolean>;
  /**
   * Keys of the sessions subscribed to `uri` (for a shared store: of every replica). May still name a
   * session that ended since; `notifyUpdated` finds out and forgets it.
   */
  subscribers(uri: string): Promise<string[]>;
  /**
   * Sends `notifications/resources/updated` for `uri` to the stream of session `sessionKey`, on
   * whichever replica holds it. Resolves to false, and forgets the subscription, when the session has
   * ended or no longer subscribes. Stores without a route to session streams (the in-memory default)
   * leave it out: then only the session making a change is told, through its own server.
   */
  readonly notifyUpdated?: (sessionKey: string, uri: string) => Promise<boolean>;
}

/**
 * Subscriptions held in memory, for one process. Bounded: past `maxSessions` sessions the one that
 * subscribed least recently is forgotten, and a session keeps at most `maxUrisPerSession` URIs.
 */
export class InMemoryResourceSubscriptions implements ResourceSubscriptionStore {
  readonly #bySession = new Map<string, Set<string>>();
  readonly #maxSessions: number;
  readonly #maxUrisPerSession: number;

  constructor(options: { maxSessions?: number; maxUrisPerSession?: number } = {}) {
    this.#maxSessions = options.maxSessions ?? 10_000;
    this.#maxUrisPerSession = options.maxUrisPerSession ?? 100;
  }

  async subscribe(sessionKey: string, uri: string): Promise<void> {
    const uris = this.#bySession.get(sessionKey) ?? new Set<string>();
    // Re-inserting moves the session to the end: the map's order is least recently subscribed first.
    this.#bySession.delete(sessionKey);
    if (uris.size >= this.#maxUrisPerSession && !uris.has(uri)) {
      const oldest = uris.values().next().value;
      if (oldest !== undefined) uris.delete(oldest);
    }
    uris.add(uri);
    this.#bySession.set(sessionKey, uris);
    if (this.#bySession.size > this.#maxSessions) {
      const oldestSession = this.#bySession.keys().next().value;
      if (oldestSession !== undefined) this.#bySession.delete(oldestSession);
    }
  }

  async unsubscribe(sessionKey: string, uri: string): Promise<void> {
    const uris = this.#bySession.get(sessionKey);
    uris?.delete(uri);
    if (uris?.size === 0) this.#bySession.delete(sessionKey);
  }

  async isSubscribed(sessionKey: string, uri: string): Promise<boolean> {
    return this.#bySession.get(sessionKey)?.has(uri) ?? false;
  }

  async subscribers(uri: string): Promise<string[]> {
    // A scan: bounded by maxSessions, and only run when the resource changes.
    return [...this.#bySession].filter(([, uris]) => uris.has(uri)).map(([sessionKey]) => sessionKey);
  }
}

/** Key of a session in the store; stateless requests share the empty key. */
export function subscriptionKey(sessionId: string | undefined): string {
  return sessionId ?? '';
}
