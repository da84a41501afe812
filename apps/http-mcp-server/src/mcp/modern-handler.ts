import {
  type CreateMcpHandlerOptions,
  createMcpHandler,
  type McpHttpHandler,
  type McpServerFactory,
} from '@modelcontextprotocol/server';

/** The SDK's 2026-07-28 handler, with its long-lived listen streams closable on their own. */
export interface ModernHandler extends McpHttpHandler {
  /**
   * Ends every `subscriptions/listen` stream gracefully (the SDK writes the listen request's
   * `complete` result, the revision's "reconnect when you like" close) and refuses further listen
   * requests. Requests in flight are untouched; `close()` aborts those.
   */
  closeListenStreams(): Promise<void>;
}

function isListenRequest(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { method?: unknown }).method === 'subscriptions/listen' &&
    'id' in body
  );
}

/**
 * `createMcpHandler` twice over one factory and one event bus: `subscriptions/listen` requests go to
 * one handler, everything else to the other. The SDK's `close()` ends listen streams and aborts
 * in-flight exchanges in one step; at shutdown the streams must end at once (they never finish on
 * their own) while the exchanges get the drain time to finish, so each kind has a handler to close.
 * Routing needs the parsed body (`parsedBody`), which the app's routes always pass.
 */
export function createModernHandler(
  factory: McpServerFactory,
  options: CreateMcpHandlerOptions & Required<Pick<CreateMcpHandlerOptions, 'bus'>>,
): ModernHandler {
  const listen = createMcpHandler(factory, options);
  const exchanges = createMcpHandler(factory, options);
  return {
    fetch: (request, requestOptions) =>
      isListenRequest(requestOptions?.parsedBody)
        ? listen.fetch(request, requestOptions)
        : exchanges.fetch(request, requestOptions),
    // Both handlers publish on the shared bus, which is what every listen stream subscribes to.
    notify: exchanges.notify,
    bus: exchanges.bus,
    closeListenStreams: () => listen.close(),
    close: async () => {
      await Promise.all([listen.close(), exchanges.close()]);
    },
  };
}
