import { formatEventId, PRIMING_ENTRY_ID, parseEventId } from './internal/event-id.js';
import { assertId } from './internal/validate.js';
import type { JsonObject } from './json.js';
import type { SessionStore } from './session-store.js';
import { SessionStoreError } from './session-store-error.js';

/**
 * Structurally the MCP SDK 2.x server `EventStore` (`@modelcontextprotocol/server`), so the result of
 * `createEventStore` can be passed as the `eventStore` option of the SDK's Streamable HTTP transport.
 * `Message` defaults to any JSON object; pass the SDK's `JSONRPCMessage` to get its exact type.
 */
export interface McpEventStore<Message extends object = JsonObject> {
  storeEvent(streamId: string, message: Message): Promise<string>;
  getStreamIdForEventId(eventId: string): Promise<string | undefined>;
  replayEventsAfter(
    lastEventId: string,
    callbacks: { send: (eventId: string, message: Message) => Promise<void> },
  ): Promise<string>;
}

export interface EventStoreOptions {
  /**
   * Namespace for the transport's stream ids, normally the MCP session id. The SDK names every
   * session's standalone GET stream `_GET_stream`, so without a per-session scope two sessions would
   * share one log. Event ids of another scope are refused (a client cannot replay another session).
   */
  scope?: string;
  /**
   * Lifetime of a request's stream once its JSON-RPC response is stored (the last event such a stream
   * gets), so that finished request streams do not stay for the full `ttls.eventStreamMs`. Unset: they
   * do. Keep it long enough for a client that lost the response to reconnect (e.g. 60_000).
   */
  completedStreamTtlMs?: number;
}

function isResponse(message: object): boolean {
  return 'id' in message && ('result' in message || 'error' in message);
}

/** The SDK's priming event: an empty message whose only purpose is to hand the client an event id. */
function isPriming(message: object): boolean {
  for (const _ in message) return false;
  return true;
}

const SEPARATOR = '/';

async function primingEventId(storeStreamId: string): Promise<string> {
  // Checked as appendEvent would: the id ends up in an SSE `id:` line.
  assertId(storeStreamId, 'A stream id');
  return formatEventId(storeStreamId, PRIMING_ENTRY_ID);
}

/** Adapts a `SessionStore`'s event log to the MCP SDK's `EventStore` for `Last-Event-ID` resumption. */
export function createEventStore<Message extends object = JsonObject>(
  store: SessionStore,
  options: EventStoreOptions = {},
): McpEventStore<Message> {
  const prefix = options.scope === undefined ? '' : options.scope + SEPARATOR;
  const completed = options.completedStreamTtlMs === undefined ? {} : { ttlMs: options.completedStreamTtlMs };

  const unscoped = (storeStreamId: string): string | undefined =>
    storeStreamId.startsWith(prefix) && storeStreamId.length > prefix.length
      ? storeStreamId.slice(prefix.length)
      : undefined;

  return {
    storeEvent(streamId, message) {
      // No store write for a priming event: an id that sorts before every entry of the stream makes
      // `replayEventsAfter` send the whole stream, which is exactly what resuming from it must do.
      if (isPriming(message)) return primingEventId(prefix + streamId);
      return store.appendEvent(
        prefix + streamId,
        message as unknown as JsonObject,
        isResponse(message) ? completed : {},
      );
    },

    async getStreamIdForEventId(eventId) {
      // The SDK answers `undefined` with 400 "Invalid event ID format", and a throw with 500.
      try {
        return unscoped(parseEventId(eventId).streamId);
      } catch {
        return undefined;
      }
    },

    async replayEventsAfter(lastEventId, { send }) {
      const replay = await store.replayEventsAfter(lastEventId);
      const streamId = unscoped(replay.streamId);
      if (streamId === undefined) {
        throw new SessionStoreError(
          'INVALID_EVENT_ID',
          'The event id belongs to another session; reconnect without Last-Event-ID.',
        );
      }
      for (const event of replay.events) {
        // Priming events stored by earlier versions (an empty message that only carries an id) were
        // never sent as a message.
        if (!('jsonrpc' in event.message)) continue;
        await send(event.eventId, event.message as unknown as Message);
      }
      return streamId;
    },
  };
}
