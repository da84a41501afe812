import { randomUUID } from 'node:crypto';
import { type McpEventStore, type SessionStore, SessionStoreError } from '@mcs/session-store';
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
/**
 * Request ids longer than this (as JSON) are left out of the stream id (it is in every event id and
 * in the client's `Last-Event-ID` header); such a stream's ids are stored once, as its first entry
 * (`storedRequestIds`).
 */
const MAX_REQUEST_IDS_JSON = 256;
/**
 * The event that hands a client of a revision before 2025-11-25 an id to resume from. The SDK primes
 * only 2025-11-25 and later (an empty `data` may break older clients); a named event is skipped by
 * clients that read only `message` events (the SDK's, `EventSource`), which still keep its id.
 */
export const RESUME_POINT_EVENT = 'resume-point';
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

/** The message of the answer to a request a client resumes while the session store stays unreachable. */
export const REQUEST_UNREADABLE_MESSAGE =
  'Service unavailable: the session store is unreachable, so the answer to this request cannot be read; ' +
  'the request may or may not have taken effect; retry it later if that is safe';

/** The JSON-RPC error a resumed stream gets for such a request (code -32603, as every 503 of ours). */
export function requestLostError(id: RequestId): JSONRPCMessage {
  return jsonRpcErrorBody('UNAVAILABLE', REQUEST_LOST_MESSAGE, id) as JSONRPCMessage;
}

export function requestUnreadableError(id: RequestId): JSONRPCMessage {
  return jsonRpcErrorBody('UNAVAILABLE', REQUEST_UNREADABLE_MESSAGE, id) as JSONRPCMessage;
}

export function isStoreDown(error: unknown): boolean {
  return SessionStoreError.isInstance(error) && error.code === 'STORE_UNAVAILABLE';
}

/** The event store of one POST's request stream (see `requestStreamEventStore`). */
export interface RequestStreamEventStore extends McpEventStore<JSONRPCMessage> {
  /**
   * The POST's event-stream response, with an event carrying a resumable id in front when the SDK
   * sent none (revisions before 2025-11-25): without it a stream that dies before its first event
   * leaves the client nothing to resume from, and its call waits for the client's own deadline.
   */
  withResumePoint(response: Response): Promise<Response>;
  /**
   * The `resume-point` event itself (its id, stored as the stream's start), for a stream written
   * directly (src/mcp/sessions/session-request-stream.ts); undefined when the store gave no id.
   */
  resumePoint(): Promise<string | undefined>;
}

/**
 * The event store a POST's transport writes its request stream to: stream ids tagged with this
 * replica and the request ids (see above), and, when the store is unreachable, the event is still
 * sent on the open HTTP stream, without an event id (the SDK writes an event whose id is undefined
 * without an `id:` line): the client that is still connected gets its answer (or progress) instead of
 * a stream that ends without one; only resuming from it later is not possible.
 *
 * One POST has one request stream (the SDK opens one per POST), so its id is fixed at first use: by
 * the SDK's first event, or by `withResumePoint` before the SDK wrote any.
 */
export function requestStreamEventStore(
  eventStore: McpEventStore<JSONRPCMessage>,
  options: { replicaId: string; requestIds: RequestId[]; log: Logger; isSessionStream: (streamId: string) => boolean },
): RequestStreamEventStore {
  const { replicaId, requestIds, log, isSessionStream } = options;
  let started: Promise<string> | undefined;
  let sdkPrimed = false;
  /** The stream's tagged id; for ids too long for it, their record is written first. */
  const start = (sdkStreamId: string): Promise<string> => {
    started ??= (async () => {
      const streamId = requestStreamId(replicaId, sdkStreamId, requestIds);
      if (requestIds.length > 0 && requestStreamOrigin(streamId)?.requestIds === undefined) {
        try {
          await eventStore.storeEvent(streamId, { requestIds } as unknown as JSONRPCMessage);
        } catch (error) {
          // The stream still works; a replica resuming it after this one is gone can only end it.
          log.warn({ err: error }, 'could not store the request ids of a request stream');
        }
      }
      return streamId;
    })();
    return started;
  };
  const store = async (streamId: string, message: JSONRPCMessage): Promise<string> => {
    try {
      return await eventStore.storeEvent(streamId, message);
    } catch (error) {
      if (!isStoreDown(error)) throw error;
      log.warn({ err: error }, 'event log unreachable: sent on the open stream without an event id');
      return undefined as unknown as string;
    }
  };
  const resumePoint = async (): Promise<string | undefined> => {
    // A priming event's id is computed, never stored: it works with the store down too.
    const eventId = await store(await start(randomUUID()), {} as JSONRPCMessage);
    return eventId === undefined ? undefined : `id: ${eventId}\nevent: ${RESUME_POINT_EVENT}\ndata: \n\n`;
  };
  return {
    getStreamIdForEventId: (eventId) => eventStore.getStreamIdForEventId(eventId),
    replayEventsAfter: (lastEventId, callbacks) => eventStore.replayEventsAfter(lastEventId, callbacks),
    async storeEvent(streamId, message) {
      if (isSessionStream(streamId)) return eventStore.storeEvent(streamId, message);
      if (isEmptyMessage(message)) sdkPrimed = true;
      return store(await start(streamId), message);
    },
    async withResumePoint(response) {
      const contentType = response.headers.get('content-type') ?? '';
      if (
        sdkPrimed ||
        response.status !== 200 ||
        response.body === null ||
        !contentType.includes('text/event-stream')
      ) {
        return response;
      }
      const frame = await resumePoint();
      if (frame === undefined) return response;
      const first = new TextEncoder().encode(frame);
      return new Response(prepend(first, response.body), { status: response.status, headers: response.headers });
    },
    resumePoint,
  };
}

function isEmptyMessage(message: object): boolean {
  for (const _ in message) return false;
  return true;
}

/** `first`, then everything of `body`; cancelling it cancels `body` (the SDK cleans up its stream then). */
function prepend(first: Uint8Array, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(first);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * The request ids of a stream whose id could not carry them: its first entry records them. Read
 * from the store's raw log (the event store's replay never sends an entry that is not a JSON-RPC
 * message to a client); undefined for streams without one (written before, or the write failed).
 */
export async function storedRequestIds(
  store: SessionStore,
  eventStore: McpEventStore<JSONRPCMessage>,
  streamId: string,
): Promise<RequestId[] | undefined> {
  // The stream's priming id sorts before every entry of it, and costs no store write.
  const start = await eventStore.storeEvent(streamId, {} as JSONRPCMessage);
  const { events } = await store.replayEventsAfter(start);
  for (const event of events) {
    const ids = (event.message as { requestIds?: unknown }).requestIds;
    if (Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' || typeof id === 'number')) {
      return ids as RequestId[];
    }
    if ('jsonrpc' in event.message) break;
  }
  return undefined;
}
