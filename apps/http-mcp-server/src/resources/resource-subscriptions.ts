/**
 * Which resource URIs each session subscribed to (`resources/subscribe`). The app may plug a
 * shared implementation (e.g. on the session store) through `PackContext.resourceSubscriptions`
 * so that every replica sees the same subscriptions; the default lives in one McpServer instance.
 */
export interface ResourceSubscriptionStore {
  subscribe(sessionKey: string, uri: string): Promise<void>;
  unsubscribe(sessionKey: string, uri: string): Promise<void>;
  isSubscribed(sessionKey: string, uri: string): Promise<boolean>;
}

/** Subscriptions held in memory; bounded by the number of distinct URIs a session subscribes to. */
export class InMemoryResourceSubscriptions implements ResourceSubscriptionStore {
  readonly #bySession = new Map<string, Set<string>>();

  async subscribe(sessionKey: string, uri: string): Promise<void> {
    const uris = this.#bySession.get(sessionKey) ?? new Set<string>();
    uris.add(uri);
    this.#bySession.set(sessionKey, uris);
  }

  async unsubscribe(sessionKey: string, uri: string): Promise<void> {
    const uris = this.#bySession.get(sessionKey);
    uris?.delete(uri);
    if (uris?.size === 0) this.#bySession.delete(sessionKey);
  }

  async isSubscribed(sessionKey: string, uri: string): Promise<boolean> {
    return this.#bySession.get(sessionKey)?.has(uri) ?? false;
  }
}

/** Key of a session in the store; stateless requests share the empty key. */
export function subscriptionKey(sessionId: string | undefined): string {
  return sessionId ?? '';
}
