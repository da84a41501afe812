import type { McpServer } from '@modelcontextprotocol/server';
import type { PackContext } from '../packs/pack-context.js';
import { type ResourceSubscriptionStore, subscriptionKey } from './resource-subscriptions.js';

/** A change of one resource, made while serving a request. */
export interface ResourceUpdate {
  readonly uri: string;
  /** `ctx.sessionId` of the request that made the change (undefined for stateless requests). */
  readonly sessionId: string | undefined;
  /** Where `resources/subscribe` was recorded (the same store the subscribe handler writes). */
  readonly subscriptions: ResourceSubscriptionStore;
}

/**
 * Tells both protocol eras that a resource changed, so that no tool has to know the two models:
 *
 * - 2026-07-28: a `resource_updated` event through `context.changes`; every `subscriptions/listen`
 *   stream subscribed to the URI, on any replica, gets `notifications/resources/updated`.
 * - 2025-era: the requesting session, when it subscribed with `resources/subscribe`, gets
 *   `notifications/resources/updated` from `server` (the app routes it to the session's stream).
 *
 * Resolves to whether the requesting session was notified.
 */
export async function announceResourceUpdated(
  server: McpServer,
  context: PackContext,
  update: ResourceUpdate,
): Promise<boolean> {
  // First, and synchronously: a subscription store that fails below must not cost listeners their event.
  context.changes?.resourceUpdated(update.uri);
  const subscribed = await update.subscriptions.isSubscribed(subscriptionKey(update.sessionId), update.uri);
  if (subscribed) await server.server.sendResourceUpdated({ uri: update.uri });
  return subscribed;
}
