import type { JSONRPCMessage, RequestId, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

type Send = StreamableHTTPClientTransport['send'];

const trackedCount = Symbol('trackedRequestStreams');

/**
 * Closes a Streamable HTTP request's own POST stream once the request is cancelled.
 *
 * On a legacy (2025-era) session the SDK cancels a request by POSTing `notifications/cancelled` and
 * forgets it, but the POST that carried the request keeps its SSE response open: the server sends no
 * response to a cancelled request (MCP: "receivers SHOULD NOT send a response"), so that stream, its
 * socket and its web-stream pipeline stayed alive for the session's life. Under the gateway's load
 * scenario that was the gateway's heap growing by ~12 MB per round of cancelled calls. The SDK
 * closes such a stream itself only on 2026-era sessions (it passes its own `requestSignal` then).
 *
 * Here every request sent without a `requestSignal` gets one; after the cancellation has been sent,
 * that request's stream is aborted (the SDK treats a `requestSignal` abort as deliberate, not an
 * error). An entry lives until the request's response arrives, its cancellation is sent, or the
 * transport closes, so the registry stays as small as the requests in flight.
 */
export function closeCancelledRequestStreams<T extends StreamableHTTPClientTransport>(transport: T): T {
  const streams = new Map<RequestId, AbortController>();
  const send: Send = transport.send.bind(transport);
  const abortStream = (id: RequestId) => {
    const controller = streams.get(id);
    streams.delete(id);
    controller?.abort();
  };
  transport.send = async (message, options) => {
    if (Array.isArray(message)) return send(message, options);
    const single = message as JSONRPCMessage & { method?: unknown; id?: RequestId; params?: { requestId?: unknown } };
    if (typeof single.method !== 'string') return send(message, options);
    if (single.id !== undefined && options?.requestSignal === undefined) {
      const controller = new AbortController();
      streams.set(single.id, controller);
      try {
        return await send(message, { ...options, requestSignal: controller.signal });
      } catch (error) {
        if (streams.get(single.id) === controller) streams.delete(single.id);
        throw error;
      }
    }
    if (single.method === 'notifications/cancelled') {
      const id = single.params?.requestId;
      try {
        return await send(message, options);
      } finally {
        // After the cancellation is out (or failed): the server is told first, then the stream closes.
        if (typeof id === 'string' || typeof id === 'number') abortStream(id);
      }
    }
    return send(message, options);
  };
  // The response ends the request: its entry goes (the SDK closes a finished stream itself).
  type OnMessage = StreamableHTTPClientTransport['onmessage'];
  let handler: OnMessage;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set(next: OnMessage) {
      handler =
        next === undefined
          ? undefined
          : (...args: Parameters<NonNullable<OnMessage>>) => {
              const response = args[0] as { id?: RequestId; method?: unknown };
              if (response.method === undefined && response.id !== undefined) streams.delete(response.id);
              next(...args);
            };
    },
  });
  Object.defineProperty(transport, trackedCount, { value: () => streams.size });
  const close = transport.close.bind(transport);
  transport.close = async () => {
    streams.clear();
    return close();
  };
  return transport;
}

/** For tests: how many requests the transport tracks (those in flight). */
export function trackedRequestStreams(transport: StreamableHTTPClientTransport): number {
  return (transport as unknown as { [trackedCount]?: () => number })[trackedCount]?.() ?? 0;
}
