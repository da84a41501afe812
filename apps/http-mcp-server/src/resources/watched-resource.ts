import type { McpServer } from '@modelcontextprotocol/server';
import type { PackContext } from '../packs/pack-context.js';
import type { PackModule } from '../packs/pack-module.js';
import { InMemoryResourceSubscriptions, subscriptionKey } from './resource-subscriptions.js';

const URI = 'test://watched-resource';

/**
 * `test://watched-resource`, the target of `resources/subscribe` / `resources/unsubscribe`, and the
 * tool `test_watched_resource_update` that changes it: subscribed sessions then get
 * `notifications/resources/updated`, unsubscribed ones nothing.
 */
export const watchedResource: PackModule = {
  name: URI,
  register(server: McpServer, context: PackContext) {
    const subscriptions = context.resourceSubscriptions ?? new InMemoryResourceSubscriptions();
    let version = 0;

    server.registerResource(
      'Watched Resource',
      URI,
      {
        description: 'A resource that changes; subscribe to get notifications/resources/updated',
        mimeType: 'text/plain',
      },
      (uri) => ({
        contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Watched resource, version ${version}` }],
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
      { description: `Changes ${URI}; sessions subscribed to it receive notifications/resources/updated` },
      async (ctx) => {
        version += 1;
        const subscribed = await subscriptions.isSubscribed(subscriptionKey(ctx.sessionId), URI);
        if (subscribed) await server.server.sendResourceUpdated({ uri: URI });
        return {
          content: [{ type: 'text', text: `${URI} is now version ${version}; notified: ${subscribed}` }],
        };
      },
    );
  },
};
