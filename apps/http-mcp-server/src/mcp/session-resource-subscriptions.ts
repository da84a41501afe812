import type { SessionStore } from '@mcs/session-store';
import type { ResourceSubscriptionStore } from '../packs/index.js';

const PREFIX = 'resourceSubscription:';

/**
 * `resources/subscribe` recorded in the session's attributes, so every replica (and every fresh
 * per-request server) sees the same subscriptions, and they expire with the session. Requests
 * without a session (key '') cannot subscribe.
 */
export class SessionResourceSubscriptions implements ResourceSubscriptionStore {
  readonly #store: SessionStore;

  constructor(store: SessionStore) {
    this.#store = store;
  }

  async subscribe(sessionKey: string, uri: string): Promise<void> {
    if (sessionKey) await this.#store.updateProtocolSession(sessionKey, { attributes: { [PREFIX + uri]: true } });
  }

  async unsubscribe(sessionKey: string, uri: string): Promise<void> {
    if (sessionKey) await this.#store.updateProtocolSession(sessionKey, { attributes: { [PREFIX + uri]: null } });
  }

  async isSubscribed(sessionKey: string, uri: string): Promise<boolean> {
    if (!sessionKey) return false;
    const session = await this.#store.getProtocolSession(sessionKey);
    return session?.attributes[PREFIX + uri] === true;
  }
}
