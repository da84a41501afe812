import type { McpServer } from '@modelcontextprotocol/server';
import type { PackContext } from '../pack-framework/pack-context.js';
import { type ResourceSubscriptionStore, subscriptionKey } from './resource-subscriptions.js';

/** A change of one resource, made while serving a request. */
export interface ResourceUpdate {
  readonly uri: string;
  /** `ctx.sessionId` of the request that made the change (undefined for stateless requests). */
  readonly sessionId: string | undefined;
  /** Where `resources/subscribe` was recorded (the same store the subscribe handler writes). */
  readonly subscriptions: ResourceSubscriptionStore;
}

/** Who was told of a change, among the 2025-era sessions (listen streams are not counted). */
export interface AnnouncedUpdate {
  /** The session that made the change was subscribed, and was told. */
  readonly caller: boolean;
  /** How many other subscribed sessions were told. */
  readonly others: number;
}

/** Subscribers notified at once: bounds the store round trips and bus messages in flight per change. */
const NOTIFY_CONCURRENCY = 32;

/**
 * Tells both protocol eras that a resource changed, so that no tool has to know the two models:
 *
 * - 2026-07-28: a `resource_updated` event through `context.changes`; every `subscriptions/listen`
 *   stream subscribed to the URI, on any replica, gets `notifications/resources/updated`.
 * - 2025-era: the requesting session, when it subscribed with `resources/subscribe`, gets
 *   `notifications/resources/updated` from `server` (the app routes it to the session's stream);
 *   every other session subscribed to the URI gets it on its own stream (GET stream or `/sse`, on
 *   whichever replica holds it) through `subscriptions.notifyUpdated`, when the store has that route.
 *   Each session is told once.
 *
 * Resolves once every session has been sent its notification. A subscriber that cannot be reached
 * (store or bus error) is logged and skipped: the change itself has happened.
 */
export async function announceResourceUpdated(
  server: McpServer,
  context: PackContext,
  update: ResourceUpdate,
): Promise<AnnouncedUpdate> {
  // First, and synchronously: a subscription store that fails below must not cost listeners their event.
  context.changes?.resourceUpdated(update.uri);
  const callerKey = subscriptionKey(update.sessionId);
  const [caller, others] = await Promise.all([
    (async () => {
      const subscribed = await update.subscriptions.isSubscribed(callerKey, update.uri);
      if (subscribed) await server.server.sendResourceUpdated({ uri: update.uri });
      return subscribed;
    })(),
    notifyOtherSubscribers(context, update, callerKey),
  ]);
  return { caller, others };
}

async function notifyOtherSubscribers(context: PackContext, update: ResourceUpdate, callerKey: string) {
  const { subscriptions, uri } = update;
  const notify = subscriptions.notifyUpdated;
  if (notify === undefined) return 0;
  // The caller is told through its own server above: never twice.
  const others = (await subscriptions.subscribers(uri)).filter((key) => key !== '' && key !== callerKey);
  let notified = 0;
  for (let start = 0; start < others.length; start += NOTIFY_CONCURRENCY) {
    const batch = others.slice(start, start + NOTIFY_CONCURRENCY);
    const results = await Promise.allSettled(batch.map((key) => notify.call(subscriptions, key, uri)));
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') notified += result.value ? 1 : 0;
      else context.logger.warn({ err: result.reason, sessionId: batch[index], uri }, 'resource update not delivered');
    });
  }
  return notified;
}
