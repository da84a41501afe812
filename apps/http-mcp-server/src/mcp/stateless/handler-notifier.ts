import type { McpHttpHandler, ServerNotifier } from '@modelcontextprotocol/server';

/**
 * The SDK's typed change-event facade (`handler.notify`) of a `createMcpHandler` handler that is
 * built after the tools' PackContext: the handler needs the server factory, the factory needs the
 * context, and the context carries the notifier. Each call reaches `handler().notify` when it is
 * made, which is always after construction (tools run only while serving requests).
 *
 * With the app's BusServerEventBus as the handler's `bus`, every event reaches the
 * `subscriptions/listen` streams of every replica.
 */
export function handlerNotifier(handler: () => McpHttpHandler): ServerNotifier {
  return {
    toolsChanged: () => handler().notify.toolsChanged(),
    promptsChanged: () => handler().notify.promptsChanged(),
    resourcesChanged: () => handler().notify.resourcesChanged(),
    resourceUpdated: (uri) => handler().notify.resourceUpdated(uri),
  };
}
