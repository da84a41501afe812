import { type McpEventStore, SessionStoreError } from '@mcs/session-store';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { jsonRpcErrorBody } from '../shared/json-rpc-errors.js';

/**
 * The stream of one POST (its requests' progress and answers) is written to the session's event log
 * by the replica running the requests; any replica can resume it from `Last-Event-ID`. Its stream id
 * (which every event id carries) names that replica and the request ids the stream answers:
 * `<replica>~<SDK stream id>~<JSON of the request ids>`. So a replica resuming it knows, from the event
 * id alone, whom to ask whether the requests still run and which ids to answer with an error when the
 * replica is gone (killed) or ended them without a stored answer (the store was down): without that,
 * the resumed stream waits for an answer nobody will write, until the client's own deadline.
 */
const SEPARATOR = '~';
/** Request ids longer than this (as JSON) are left out of the stream id; such a stream is only ended. */
const MAX_REQUEST_IDS_JSON = 256;
const REPLICA_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface RequestStreamOrigin {
  /** The replica that runs (or ran) the stream's requests. */
  replicaId: string;
  /** The ids the stream answers; undefined when they did not fit in the stream id. */
  requestIds: RequestId[] | undefined;
}

export function requestStreamId(replicaId: string, sdkStreamId: string, requestIds: RequestId[]): string {
  const ids = JSON.stringify(requestIds);
  const base = `${replicaId}${SEPARATOR}${sdkStreamId}`;
  return requestIds.length > 0 && ids.length <= MAX_REQUEST_IDS_JSON ? `${base}${SEPARATOR}${ids}` : base;
}

/** The origin named by a request stream's id; undefined for streams of earlier versions (or not ours). */
export function requestStreamOrigin(streamId: string): RequestStreamOrigin | undefined {
  const first = streamId.indexOf(SEPARATOR);
  const replicaId = streamId.slice(0, first);
  if (first <= 0 || !REPLICA_ID.test(replicaId)) return undefined;
  const second = streamId.indexOf(SEPARATOR, first + 1);
  if (second < 0) return { replicaId, requestIds: undefined };
  try {
    const ids: unknown = JSON.parse(streamId.slice(second + 1));
    if (Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' || typeof id === 'number')) {
      return { replicaId, requestIds: ids as RequestId[] };
    }
  } catch {
    // Not ours: treated as ids unknown.
  }
  return { replicaId, requestIds: undefined };
}

/** The message of the answer to a request whose replica stopped (or lost its answer) before answering. */
export const REQUEST_LOST_MESSAGE =
  'Service unavailable: the server replica running this request stopped before its answer was stored; ' +
  'the request may or may not have taken effect; retry it if that is safe';

/** The JSON-RPC error a resumed stream gets for such a request (code -32603, as every 503 of ours). */
export function requestLostError(id: RequestId): JSONRPCMessage {
  return jsonRpcErrorBody('UNAVAILABLE', REQUEST_LOST_MESSAGE, id) as JSONRPCMessage;
}

function isStoreDown(error: unknown): boolean {
  return SessionStoreError.isInstance(error) && error.code === 'STORE_UNAVAILABLE';
}

/**
 * The event store a POST's transport writes its request stream to: stream ids tagged with this
 * replica and the request ids (see above), and, when the store is unreachable, the event is still
 * sent on the open HTTP stream, without an event id (the SDK writes an event whose id is undefined
 * without an `id:` line): the client that is still connected gets its answer (or progress) instead of
 * a stream that ends without one; only resuming from it later is not possible.
 */
export function requestStreamEventStore(
  eventStore: McpEventStore<JSONRPCMessage>,
  options: { replicaId: string; requestIds: RequestId[]; log: Logger; isSessionStream: (streamId: string) => boolean },
): McpEventStore<JSONRPCMessage> {
  const { replicaId, requestIds, log, isSessionStream } = options;
  return {
    getStreamIdForEventId: (eventId) => eventStore.getStreamIdForEventId(eventId),
    replayEventsAfter: (lastEventId, callbacks) => eventStore.replayEventsAfter(lastEventId, callbacks),
    async storeEvent(streamId, message) {
      if (isSessionStream(streamId)) return eventStore.storeEvent(streamId, message);
      try {
        return await eventStore.storeEvent(requestStreamId(replicaId, streamId, requestIds), message);
      } catch (error) {
        if (!isStoreDown(error)) throw error;
        log.warn({ err: error }, 'event log unreachable: sent on the open stream without an event id');
        return undefined as unknown as string;
      }
    },
  };
}
