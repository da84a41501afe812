import type { McpServer } from '@modelcontextprotocol/server';
import type { PackContext } from '../pack-framework/pack-context.js';
import type { PackModule } from '../pack-framework/pack-module.js';
import { announceResourceUpdated } from './announce-resource-updated.js';
import {
  InMemoryResourceSubscriptions,
  type ResourceSubscriptionStore,
  subscriptionKey,
} from './resource-subscriptions.js';

const URI = 'test://watched-resource';

/**
 * State shared by every McpServer built from one PackContext: the app may create a server per
 * request, so per-instance state would forget a subscription between two requests of a session.
 */
interface WatchedState {
  readonly subscriptions: ResourceSubscriptionStore;
  version: number;
}

const stateByContext = new WeakMap<PackContext, WatchedState>();

function watchedState(context: PackContext): WatchedState {
  let state = stateByContext.get(context);
  if (state === undefined) {
    state = { subscriptions: context.resourceSubscriptions ?? new InMemoryResourceSubscriptions(), version: 0 };
    stateByContext.set(context, state);
  }
  return state;
}

/**
 * `test://watched-resource`, the target of `resources/subscribe` / `resources/unsubscribe`, and the
 * tool `test_watched_resource_update` that changes it. Every 2025-era session subscribed to it (the
 * caller and any other, on its stream, any replica) gets `notifications/resources/updated`, and so
 * does every 2026-07-28 `subscriptions/listen` stream subscribed to the URI; unsubscribed ones get
 * nothing. The tool's text says whether the caller was told and how many other sessions were.
 */
export const watchedResource: PackModule = {
  name: URI,
  register(server: McpServer, context: PackContext) {
    const state = watchedState(context);
    const { subscriptions } = state;

    server.registerResource(
      'Watched Resource',
      URI,
      {
        description: 'A resource that changes; subscribe to get notifications/resources/updated',
        mimeType: 'text/plain',
      },
      (uri) => ({
        contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Watched resource, version ${state.version}` }],
      }),
    );

    server.server.setRequestHandler('resources/subscribe', async (request, ctx) => {
      // The SDK has validated params against the spec schema (uri: string).
      await subscriptions.subscribe(subscriptionKey(ctx.sessionId), request.params.uri);
      return {};
    });
    server.server.setRequestHandler('resources/unsubscribe', async (request, ctx) => {
      await subscriptions.unsubscribe(subscriptionKey(ctx.sessionId), request.params.uri);
      return {};
    });

    server.registerTool(
      'test_watched_resource_update',
      {
        description: `Changes ${URI}; subscribed sessions and listen streams receive notifications/resources/updated`,
      },
      async (ctx) => {
        state.version += 1;
        const { version } = state;
        const notified = await announceResourceUpdated(server, context, {
          uri: URI,
          sessionId: ctx.sessionId,
          subscriptions,
        });
        const text = `${URI} is now version ${version}; notified: ${notified.caller}; other sessions notified: ${notified.others}`;
        return { content: [{ type: 'text', text }] };
      },
    );
  },
};
