import { randomUUID } from 'node:crypto';
import {
  createEventStore,
  type JsonObject,
  type McpEventStore,
  type ProtocolSession,
  SessionStoreError,
} from '@mcs/session-store';
import {
  type AuthInfo,
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpServer,
  type RequestId,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authInfoOf } from '../../auth/request-auth-info.js';
import { ExchangeTransport } from '../replicas/exchange-transport.js';
import type { SessionChannelMessage } from '../replicas/message-router.js';
import {
  jsonRpcErrorBody,
  jsonRpcErrorResponse,
  SHUTDOWN_CUT_OFF_MESSAGE,
  storeUnavailableResponse,
} from '../shared/json-rpc-errors.js';
import { SESSION_PROTOCOL_VERSIONS } from '../shared/server-factory.js';
import {
  jsonObjectOr,
  LOG_LEVEL_ATTRIBUTE,
  ownerCheckOf,
  restoredClientOf,
  type SessionEraContext,
  sessionOwnerOf,
  sessionSeen,
} from '../shared/session-era-context.js';
import { DEFAULT_SERVER_BYTES, SessionServerCache } from '../shared/session-server-cache.js';
import { SseStream } from '../shared/sse-stream.js';
import { sendJsonMessage, sendWebResponse, toWebRequest } from '../shared/web-bridge.js';
import {
  isStoreDown,
  requestLostError,
  requestStreamEventStore,
  requestStreamOrigin,
  requestUnreadableError,
  storedRequestIds,
} from './request-streams.js';
import { type SessionLane, SessionLanes } from './session-lanes.js';
import { PRIMING_SINCE, SessionRequestStream } from './session-request-stream.js';

/** The SDK's name for the standalone GET stream; event ids of it are scoped per session. */
const GET_STREAM_ID = '_GET_stream';
/** How often a resumed request stream looks for new events of a request served elsewhere. */
const RESUME_POLL_MS = 200;
const RESUME_MAX_MS = 10 * 60_000;
/**
 * How long a resumed request stream waits for its answer before asking the replica running the
 * request whether it still does (and then again at this interval), and how long it waits for the reply.
 */
const OWNER_CHECK_MS = 1_000;
/** Unanswered status queries in a row after which the running replica counts as gone (hung, cut off). */
const OWNER_MISSES_BEFORE_GONE = 3;
/**
 * How long a request stream resumed while the session store is unreachable is held, retrying the
 * store every `RESUME_STORE_RETRY_MS`, before its requests are answered with an error: a Redis
 * restart (about 2 s in bench/reliability) fits, a client's usual deadline (10 s and more) is not hit.
 */
const RESUME_STORE_WAIT_MS = 5_000;
const RESUME_STORE_RETRY_MS = 500;
/**
 * How long a request stream stays in the event log after its response: long enough for a client that
 * lost the response to reconnect (clients retry after `MCS_SSE_RETRY_MS`), short because the log
 * holds every finished POST of every session for this long (with the in-memory store: in this
 * process' memory, request rate x this TTL).
 */
const COMPLETED_STREAM_TTL_MS = 60_000;

/** The id of the `initialize` request in a POST body (a message or a batch), for an error answering it. */
function initializeIdOf(body: unknown): string | number | null {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  const initialize = messages.find(
    (message) => isRequestMessage(message) && (message as { method: unknown }).method === 'initialize',
  ) as { id?: unknown } | undefined;
  return typeof initialize?.id === 'string' || typeof initialize?.id === 'number' ? initialize.id : null;
}

function isRequestMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && 'method' in message && 'id' in message;
}

/** A POST of a session's requests, as the dispatch step read it (src/mcp/dispatch/request-dispatch.ts). */
export interface SessionRequestsPost {
  /** The body as parsed, for the SDK's transport. */
  readonly body: unknown;
  /** The ids of its requests (a POST's stream in the event log names them). */
  readonly requestIds: readonly RequestId[];
  /** The pure-tool shortcut's answer, when it takes the call. */
  readonly pureAnswer: object | undefined;
}

/**
 * Session-based Streamable HTTP (revisions 2025-03-26, 2025-06-18, 2025-11-25) on any replica.
 *
 * A lone `tools/call` runs on the session's lane (one long-lived McpServer per session on this replica,
 * session-lanes.ts); every other POST on a per-POST McpServer (built, or an idle one of the session
 * reused) over the SDK's Streamable HTTP transport in stateless mode. This class supplies what that
 * mode lacks, from the SessionStore: the `Mcp-Session-Id`
 * (minted at `initialize`, 404 when unknown or expired), the session's handshake replayed into the
 * server, the standalone GET stream (fed over the MessageBus from whichever replica produced the
 * message), `Last-Event-ID` resumption from the shared event log, and DELETE.
 */
export class StreamableHttpSessions {
  readonly #ctx: SessionEraContext;
  readonly #localGetStreams = new Map<string, SseStream>();
  /** Idle servers of sessions this replica served last: skips building and restoring on the next request. */
  readonly #servers: SessionServerCache;
  /** Long-lived servers of sessions, for `tools/call` (undefined with `MCS_SESSION_LANES=off`). */
  readonly #lanes: SessionLanes | undefined;

  constructor(ctx: SessionEraContext) {
    this.#ctx = ctx;
    // One bound for both: idle per-POST servers get what the lanes leave.
    this.#servers = new SessionServerCache({ ...ctx.config.serverCache, reserved: () => this.#lanes?.size ?? 0 });
    this.#lanes = ctx.config.sessionLanes
      ? new SessionLanes(() => ctx.createServer(), {
          // The idle-server cache's bounds (count and bytes), counted per lane: a lane is one server.
          maxLanes: Math.max(
            1,
            Math.min(
              ctx.config.serverCache.maxServers,
              Math.floor(ctx.config.serverCache.maxBytes / DEFAULT_SERVER_BYTES),
            ),
          ),
          idleTtlMs: ctx.config.serverCache.ttlMs,
        })
      : undefined;
  }

  /** At shutdown: the session lanes' sweep stops, their servers close once their calls are over. */
  close(): void {
    this.#lanes?.close();
  }

  eventStoreFor(sessionId: string): McpEventStore<JSONRPCMessage> {
    // SDK messages may hold `undefined` properties; the store drops them as the wire does.
    return createEventStore<JSONRPCMessage>(this.#ctx.store, {
      scope: sessionId,
      completedStreamTtlMs: COMPLETED_STREAM_TTL_MS,
    });
  }

  /**
   * A POST of the session's requests (the dispatch step checked every message; `pureAnswer` is the
   * pure-tool shortcut's answer to a lone call of a pure tool, sent once the session is known).
   */
  async postRequests(request: FastifyRequest, reply: FastifyReply, post: SessionRequestsPost): Promise<FastifyReply> {
    const session = await this.#session(request);
    if (session instanceof Response) return sendWebResponse(reply, session);

    // A call of a pure tool needs nothing of the session but its existence: answered as JSON, which a
    // Streamable HTTP client must accept, with no server, stream or stored events.
    if (post.pureAnswer !== undefined) return sendJsonMessage(reply, post.pureAnswer);
    const call = this.#lanes === undefined ? undefined : laneCallOf(post.body, request.headers.accept);
    if (this.#lanes !== undefined && call !== undefined)
      return this.#postToLane(this.#lanes, request, reply, session, call);

    const restored = restoredClientOf(session);
    const stateKey = JSON.stringify(restored);
    const cached = this.#servers.take(session.id, stateKey);
    const { exchange, server, handle, eventStore } = this.#exchange(session.id, undefined, cached, {
      requestIds: [...post.requestIds],
    });
    await server.connect(exchange);
    if (cached === undefined) await exchange.restore(restored);
    const response = await eventStore.withResumePoint(
      await handle(toWebRequest(request, reply), post.body, authInfoOf(request)),
    );
    closeWhenDone(exchange, server, response, () => {
      if (!exchange.changesSessionState) this.#servers.put(session.id, stateKey, server);
    });
    return sendWebResponse(reply, response);
  }

  async get(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (!request.headers.accept?.includes('text/event-stream')) {
      return sendWebResponse(
        reply,
        jsonRpcErrorResponse('NOT_ACCEPTABLE', 'Not Acceptable: Client must accept text/event-stream'),
      );
    }
    const lastEventId = request.headers['last-event-id'];
    const resuming = typeof lastEventId === 'string' && lastEventId.length > 0;
    let storeDown: unknown;
    const session = await this.#session(request).catch((error: unknown) => {
      if (!resuming || !isStoreDown(error)) throw error;
      storeDown = error;
      return undefined;
    });
    if (session === undefined) {
      if (await this.#resumeThroughOutage(request, reply, lastEventId as string)) return undefined;
      throw storeDown;
    }
    if (session instanceof Response) return sendWebResponse(reply, session);
    if (resuming) return this.#resume(request, reply, session.id, lastEventId as string);
    if (this.#localGetStreams.has(session.id)) {
      return sendWebResponse(
        reply,
        jsonRpcErrorResponse('CONFLICT', 'Conflict: Only one SSE stream is allowed per session'),
      );
    }
    const stream = await this.#openSessionStream(reply, session.id);
    this.#localGetStreams.set(session.id, stream);
    stream.onClose(() => {
      if (this.#localGetStreams.get(session.id) === stream) this.#localGetStreams.delete(session.id);
      this.#ctx.store.releaseStream(session.id, this.#ctx.router.replicaId).catch(() => undefined);
    });
    await this.#ctx.store.claimStream(session.id, { replicaId: this.#ctx.router.replicaId, streamId: GET_STREAM_ID });
    return undefined;
  }

  async delete(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const session = await this.#session(request);
    if (session instanceof Response) return sendWebResponse(reply, session);
    await this.#ctx.store.deleteProtocolSession(session.id);
    // The GET stream's event log is kept for resumption for the full event-stream TTL; once the
    // client ended the session nobody can resume it, so it goes with the session (request streams
    // expire soon after their response on their own). `eventStoreFor` scopes it as `<session>/<stream>`.
    await this.#ctx.store.deleteEventStream(`${session.id}/${GET_STREAM_ID}`);
    this.#ctx.liveSessions.deleted(session.id);
    this.#servers.evict(session.id);
    this.#lanes?.evict(session.id);
    await this.#ctx.router.publishToSession(session.id, { kind: 'close', reason: 'session deleted' });
    request.log.info({ sessionId: session.id }, 'session deleted by the client');
    return reply.code(200).send();
  }

  /** Sends a message no request is waiting for to the session's GET stream, wherever it is held. */
  async sendToSessionStream(sessionId: string, message: JSONRPCMessage): Promise<void> {
    const eventId = await this.eventStoreFor(sessionId).storeEvent(GET_STREAM_ID, message);
    await this.#ctx.router.publishToSession(sessionId, {
      kind: 'message',
      message: message as unknown as JsonObject,
      eventId,
    });
  }

  /** A POST carrying `initialize` (alone or in a batch): a new session. */
  async initialize(request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<FastifyReply> {
    const sessionId = randomUUID();
    const owner = sessionOwnerOf(request);
    request.log = request.log.child({ sessionId });
    let recordFailure: unknown;
    // Answered as JSON (which every Streamable HTTP client accepts), not as an event stream: the
    // response is complete before anything is sent, so a session that could not be recorded is
    // answered 503 without a session id, never with an id and a stream that ends without an answer
    // (a stream's events go through the store's event log, which is down too).
    const { exchange, server, handle } = this.#exchange(
      sessionId,
      async ({ params, result }) => {
        try {
          await this.#ctx.store.createProtocolSession({
            id: sessionId,
            transport: 'streamable-http',
            ...(owner === undefined ? {} : { owner }),
            protocolVersion: String(result.protocolVersion),
            clientInfo: jsonObjectOr(params.clientInfo, undefined),
            clientCapabilities: jsonObjectOr(params.capabilities, {}),
          });
        } catch (error) {
          recordFailure = error;
          throw error;
        }
        this.#ctx.liveSessions.seen(sessionId);
        request.log.info({ protocolVersion: result.protocolVersion }, 'session initialized');
      },
      undefined,
      { jsonResponse: true },
    );
    await server.connect(exchange);
    const response = await handle(toWebRequest(request, reply), body, authInfoOf(request));
    closeWhenDone(exchange, server, response);
    if (recordFailure !== undefined) {
      if (recordFailure instanceof SessionStoreError && recordFailure.code === 'STORE_UNAVAILABLE') {
        await response.body?.cancel();
        return sendWebResponse(reply, storeUnavailableResponse(initializeIdOf(body)));
      }
      // Another failure: the exchange's own JSON-RPC error, without a session id.
      return sendWebResponse(reply, response);
    }
    const headers: Record<string, string> = response.ok ? { 'mcp-session-id': sessionId } : {};
    return sendWebResponse(reply, response, headers);
  }

  /** Notifications and answers to server-to-client requests: nothing for a new server to do. */
  async postWithoutRequests(
    request: FastifyRequest,
    reply: FastifyReply,
    messages: readonly JSONRPCMessage[],
  ): Promise<FastifyReply> {
    const session = await this.#session(request);
    if (session instanceof Response) return sendWebResponse(reply, session);
    for (const message of messages) {
      await this.#ctx.router.routeClientMessage(session.id, message as unknown as JsonObject);
    }
    request.log.debug({ sessionId: session.id, count: messages.length }, 'accepted notifications/responses');
    return reply.code(202).send();
  }

  /**
   * A lone `tools/call` of a session on the session's lane (one long-lived server per session on
   * this replica, see session-lanes.ts) instead of a server and the SDK's transport per POST; the
   * answer is the stream the SDK's transport writes (session-request-stream.ts), stored event by
   * event in the event log. What the exchange transport does for a POST is done here per request:
   * server-to-client requests carry routable ids (their answers reach this lane from any replica),
   * `notifications/cancelled` from any replica reaches it, and the shutdown can cut it off.
   */
  async #postToLane(
    lanes: SessionLanes,
    request: FastifyRequest,
    reply: FastifyReply,
    session: ProtocolSession,
    call: JSONRPCRequest,
  ): Promise<FastifyReply> {
    const restored = restoredClientOf(session);
    const acquire = () =>
      lanes.acquire(session.id, JSON.stringify(restored), restored, (opened) => {
        opened.onUnrelated = (message) => this.#sendUnrelatedOfLane(opened, message);
      });
    let lane = await acquire();
    const eventStore = requestStreamEventStore(this.eventStoreFor(session.id), {
      replicaId: this.#ctx.router.replicaId,
      requestIds: [call.id],
      log: this.#ctx.log,
      isSessionStream: (streamId) => streamId === GET_STREAM_ID,
    });
    let laneId = 0;
    let cutOff = false;
    let forget: () => void = () => undefined;
    const { exchangeId, unregister } = this.#ctx.router.registerExchange(
      session.id,
      (message) => lane.deliver(message),
      () => {
        // The shutdown drain ran out: the call is answered with an error saying so (stored, like any answer).
        cutOff = true;
        lane.abort(laneId, new Error(SHUTDOWN_CUT_OFF_MESSAGE));
        stream
          .answer(jsonRpcErrorBody('UNAVAILABLE', SHUTDOWN_CUT_OFF_MESSAGE, call.id) as JSONRPCMessage)
          .catch((error: unknown) =>
            this.#ctx.log.debug({ err: error }, 'could not answer a request cut off by the shutdown'),
          );
      },
    );
    const protocolVersion = headerOf(request, 'mcp-protocol-version') ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
    const stream = new SessionRequestStream(reply, {
      eventStore,
      protocolVersion,
      retryMs: this.#ctx.config.sseRetryMs,
      keepAliveMs: this.#ctx.config.sseKeepAliveMs,
      encodeRequestId: (id) => this.#ctx.router.encodeId(exchangeId, id),
      onDone: () => {
        unregister();
        forget();
      },
    });
    try {
      await stream.open();
    } catch (error) {
      unregister();
      throw error;
    }
    // While the stream opened, the lane may have been closed (pushed out by the bound, the session
    // deleted, a new state): a closed lane would never answer, so the call goes to a fresh one.
    for (let attempt = 0; lane.closed && attempt < 3; attempt += 1) {
      try {
        lane = await acquire();
      } catch (error) {
        this.#ctx.log.warn({ err: error }, 'could not open a session lane');
        break;
      }
    }
    // Cut off by the shutdown meanwhile: answered (once the first event is out), so not started.
    if (cutOff || stream.done) return reply;
    if (lane.closed) {
      await stream.answer(
        jsonRpcErrorBody(
          'INTERNAL_ERROR',
          'Internal error: the session could not be restored',
          call.id,
        ) as JSONRPCMessage,
      );
      return reply;
    }
    const authInfo = authInfoOf(request);
    laneId = lane.dispatch(call, stream, {
      ...(authInfo === undefined ? {} : { authInfo }),
      // As the SDK's transport: a tool may close the stream and let the client poll, from 2025-11-25 on.
      ...(protocolVersion >= PRIMING_SINCE ? { closeSSEStream: () => stream.closeForPolling() } : {}),
    });
    if (!stream.done) {
      forget = this.#ctx.router.trackRequest(session.id, call.id, (cancellation) => {
        lane.cancel(laneId, cancellation);
        stream.end();
      });
    }
    return reply;
  }

  /** A message of a lane's server no request waits for: to the session's stream, requests with routable ids. */
  #sendUnrelatedOfLane(lane: SessionLane, message: JSONRPCMessage): void {
    let outgoing = message;
    if ('method' in message && 'id' in message) {
      const { exchangeId, unregister } = this.#ctx.router.registerExchange(lane.sessionId, (answer) => {
        unregister();
        lane.deliver(answer);
      });
      outgoing = { ...message, id: this.#ctx.router.encodeId(exchangeId, message.id) } as JSONRPCMessage;
    }
    this.sendToSessionStream(lane.sessionId, outgoing).catch((error: unknown) => {
      this.#ctx.log.warn({ err: error }, 'could not send a message to the session stream');
    });
  }

  #exchange(
    sessionId: string,
    onInitialized?: ConstructorParameters<typeof ExchangeTransport>[1]['onInitialized'],
    server: McpServer = this.#ctx.createServer(),
    { jsonResponse = false, requestIds = [] }: { jsonResponse?: boolean; requestIds?: RequestId[] } = {},
  ) {
    // The POST's stream names this replica and its request ids (see request-streams.ts).
    const eventStore = requestStreamEventStore(this.eventStoreFor(sessionId), {
      replicaId: this.#ctx.router.replicaId,
      requestIds,
      log: this.#ctx.log,
      isSessionStream: (streamId) => streamId === GET_STREAM_ID,
    });
    const inner = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      // A JSON answer is never resumed: no event log for it.
      ...(jsonResponse ? { enableJsonResponse: true } : { eventStore }),
      retryInterval: this.#ctx.config.sseRetryMs,
      keepAliveMs: this.#ctx.config.sseKeepAliveMs,
      maxRequestBodySize: this.#ctx.config.bodyLimitBytes,
    });
    const exchange = new ExchangeTransport(inner, {
      sessionId,
      router: this.#ctx.router,
      log: this.#ctx.log,
      sendUnrelated: (message) => this.sendToSessionStream(sessionId, message),
      ...(onInitialized ? { onInitialized } : {}),
      onLogLevel: async (level) => {
        await this.#ctx.store.updateProtocolSession(sessionId, { attributes: { [LOG_LEVEL_ATTRIBUTE]: level } });
      },
    });
    return {
      server,
      exchange,
      eventStore,
      handle: (webRequest: Request, parsedBody: unknown, authInfo?: AuthInfo) =>
        inner.handleRequest(webRequest, { parsedBody, authInfo }),
    };
  }

  async #session(request: FastifyRequest) {
    const header = request.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    if (!sessionId) return jsonRpcErrorResponse('BAD_REQUEST', 'Bad Request: Mcp-Session-Id header is required');
    let session: Awaited<ReturnType<SessionEraContext['store']['touchProtocolSession']>>;
    try {
      // Another user's session is answered as an unknown one: its existence is not revealed.
      session = await this.#ctx.store.touchProtocolSession(sessionId, ownerCheckOf(request));
    } catch (error) {
      if (error instanceof SessionStoreError && error.code === 'INVALID_ARGUMENT') session = undefined;
      else throw error;
    }
    if (session?.transport !== 'streamable-http') {
      return jsonRpcErrorResponse('SESSION_NOT_FOUND', 'Session not found');
    }
    sessionSeen(this.#ctx, session);
    const versionError = protocolVersionError(request);
    return versionError ?? session;
  }

  async #openSessionStream(reply: FastifyReply, sessionId: string, alreadySent?: Set<string>): Promise<SseStream> {
    const stream = new SseStream(reply, {
      registry: this.#ctx.streams,
      keepAliveMs: this.#ctx.config.sseKeepAliveMs,
      headers: { 'mcp-session-id': sessionId },
      // A held stream keeps its session alive; an expired or deleted session ends it.
      onKeepAlive: async () => {
        const session = await this.#ctx.store.touchProtocolSession(sessionId);
        if (session !== undefined) sessionSeen(this.#ctx, session);
        return session !== undefined;
      },
    });
    const unsubscribe = await this.#ctx.router.subscribeToSession(sessionId, (payload: SessionChannelMessage) => {
      if (payload.kind === 'close') stream.end();
      else if (payload.eventId === undefined || !alreadySent?.has(payload.eventId)) {
        if (payload.eventId !== undefined) alreadySent?.add(payload.eventId);
        stream.send(JSON.stringify(payload.message), {
          event: 'message',
          ...(payload.eventId ? { id: payload.eventId } : {}),
        });
      }
    });
    stream.onClose(() => {
      unsubscribe().catch(() => undefined);
    });
    return stream;
  }

  /** Replays a stream's events after `Last-Event-ID`, then follows it live, from any replica. */
  async #resume(
    request: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    lastEventId: string,
  ): Promise<FastifyReply | undefined> {
    const eventStore = this.eventStoreFor(sessionId);
    const streamId = await eventStore.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) {
      return sendWebResponse(reply, jsonRpcErrorResponse('BAD_REQUEST', 'Invalid event ID format'));
    }
    if (streamId === GET_STREAM_ID) {
      // Subscribe before replaying so nothing published in between is lost; drop what the replay sent.
      const sent = new Set<string>();
      const stream = await this.#openSessionStream(reply, sessionId, sent);
      await this.#replay(eventStore, lastEventId, (eventId, message) => {
        if (sent.has(eventId)) return;
        sent.add(eventId);
        stream.send(JSON.stringify(message), { event: 'message', id: eventId });
      });
      return undefined;
    }
    const stream = new SseStream(reply, {
      registry: this.#ctx.streams,
      keepAliveMs: this.#ctx.config.sseKeepAliveMs,
      headers: { 'mcp-session-id': sessionId },
    });
    request.log.debug({ streamId, lastEventId }, 'resuming a request stream');
    this.#followRequestStream(eventStore, stream, { sessionId, streamId, lastEventId }).catch((error: unknown) => {
      request.log.warn({ err: error }, 'resumed stream failed');
      stream.end();
    });
    return undefined;
  }

  /**
   * A client resuming a request stream while the session store is unreachable (typically its stream
   * was cut by the same outage). Before, each attempt got a 503, and the SDK client, once its
   * reconnection attempts were spent, left the call to its own deadline. Now the resume is answered
   * 200 at once and held while the store is retried, at most `RESUME_STORE_WAIT_MS`: back in time,
   * the session (and its owner) is checked and the stream followed as any resume; still down, each
   * request the event id names gets a retryable JSON-RPC error. Nothing of the session is sent
   * before the store confirms it is this caller's; the errors carry only the ids the client itself
   * sent back. False (the caller answers 503 as before) for anything but a request stream whose ids
   * its event id carries: a GET stream has no request waiting on it.
   */
  async #resumeThroughOutage(request: FastifyRequest, reply: FastifyReply, lastEventId: string): Promise<boolean> {
    const header = request.headers['mcp-session-id'];
    if (typeof header !== 'string' || header.length === 0) return false;
    const eventStore = this.eventStoreFor(header);
    const streamId = await eventStore.getStreamIdForEventId(lastEventId);
    if (streamId === undefined || streamId === GET_STREAM_ID) return false;
    const requestIds = requestStreamOrigin(streamId)?.requestIds;
    if (requestIds === undefined) return false;
    const stream = new SseStream(reply, {
      registry: this.#ctx.streams,
      keepAliveMs: this.#ctx.config.sseKeepAliveMs,
      headers: { 'mcp-session-id': header },
    });
    const giveUpAt = Date.now() + RESUME_STORE_WAIT_MS;
    const answerEach = (answer: (id: RequestId) => JSONRPCMessage) => {
      for (const id of requestIds) stream.send(JSON.stringify(answer(id)), { event: 'message' });
      stream.end();
    };
    const waitForStore = async () => {
      while (!stream.closed) {
        await new Promise((resolve) => setTimeout(resolve, RESUME_STORE_RETRY_MS));
        if (stream.closed) return;
        const session = await this.#session(request).catch((error: unknown) => {
          if (!isStoreDown(error)) throw error;
          return undefined;
        });
        if (session === undefined) {
          if (Date.now() < giveUpAt) continue;
          request.log.warn({ requests: requestIds.length }, 'resumed while the session store stayed unreachable');
          return answerEach(requestUnreadableError);
        }
        if (session instanceof Response) {
          // Unknown (lost with a store without persistence), another user's, or a wrong version.
          const { error } = (await session.json()) as { error: { code: number; message: string } };
          return answerEach((id) => ({ jsonrpc: '2.0', id, error }) as JSONRPCMessage);
        }
        return this.#followRequestStream(eventStore, stream, { sessionId: session.id, streamId, lastEventId });
      }
    };
    waitForStore().catch((error: unknown) => {
      request.log.warn({ err: error }, 'resumed stream failed');
      stream.end();
    });
    return true;
  }

  async #replay(
    eventStore: McpEventStore<JSONRPCMessage>,
    lastEventId: string,
    send: (eventId: string, message: JSONRPCMessage) => void,
  ): Promise<{ lastId: string; finished: boolean; answered: Set<RequestId> }> {
    let lastId = lastEventId;
    let finished = false;
    const answered = new Set<RequestId>();
    await eventStore.replayEventsAfter(lastEventId, {
      send: async (eventId, message) => {
        lastId = eventId;
        send(eventId, message);
        if ('id' in message && ('result' in message || 'error' in message)) {
          finished = true;
          answered.add(message.id as RequestId);
        }
      },
    });
    return { lastId, finished, answered };
  }

  /**
   * A request stream's events are written by the replica running the request; the log in the store
   * is the one place every replica sees, so the resumed stream reads it until the answers arrive.
   * Past `OWNER_CHECK_MS` without them it asks that replica (named by the stream id) whether the
   * requests still run: when it is gone, or ended them without a stored answer, nobody will write
   * one, so each unanswered request gets an error (stored in the log, so a later resume sees it too).
   */
  async #followRequestStream(
    eventStore: McpEventStore<JSONRPCMessage>,
    stream: SseStream,
    { sessionId, streamId, lastEventId }: { sessionId: string; streamId: string; lastEventId: string },
  ): Promise<void> {
    const deadline = Date.now() + RESUME_MAX_MS;
    const origin = requestStreamOrigin(streamId);
    // Ids too long for the stream id were stored as its first entry.
    const expected =
      origin === undefined
        ? undefined
        : (origin.requestIds ?? (await storedRequestIds(this.#ctx.store, eventStore, streamId)));
    const answered = new Set<RequestId>();
    let nextCheck = Date.now() + OWNER_CHECK_MS;
    let misses = 0;
    let cursor = lastEventId;
    const follow = async () => {
      const replay = await this.#replay(eventStore, cursor, (eventId, message) =>
        stream.send(JSON.stringify(message), { event: 'message', id: eventId }),
      );
      cursor = replay.lastId;
      for (const id of replay.answered) answered.add(id);
      return expected === undefined ? replay.finished : expected.every((id) => answered.has(id));
    };
    while (!stream.closed && Date.now() < deadline) {
      if (await follow()) break;
      if (origin !== undefined && Date.now() >= nextCheck) {
        const pending = (expected ?? []).filter((id) => !answered.has(id));
        const status = await this.#ctx.router.requestsStatus(origin.replicaId, sessionId, pending, OWNER_CHECK_MS);
        misses = status === 'unknown' ? misses + 1 : 0;
        if (status === 'gone' || status === 'ended' || misses >= OWNER_MISSES_BEFORE_GONE) {
          // An answer stored just before the replica ended counts: one last read of the log.
          if (await follow()) break;
          await this.#answerLost(
            eventStore,
            stream,
            streamId,
            (expected ?? []).filter((id) => !answered.has(id)),
          );
          await follow().catch(() => undefined);
          this.#ctx.log.warn(
            { sessionId, replica: origin.replicaId, status, requests: pending.length },
            'resumed request stream: the replica running it stopped without an answer; answered with an error',
          );
          break;
        }
        nextCheck = Date.now() + OWNER_CHECK_MS;
      }
      await new Promise((resolve) => setTimeout(resolve, RESUME_POLL_MS));
    }
    stream.end();
  }

  /** Stores an error answer for each request id in the stream's log; sent directly if the log is down. */
  async #answerLost(
    eventStore: McpEventStore<JSONRPCMessage>,
    stream: SseStream,
    streamId: string,
    requestIds: RequestId[],
  ): Promise<void> {
    for (const id of requestIds) {
      const error = requestLostError(id);
      try {
        await eventStore.storeEvent(streamId, error);
      } catch {
        stream.send(JSON.stringify(error), { event: 'message' });
      }
    }
  }
}

/** A header's single value. */
function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The call a POST body holds when the session's lane serves it: one `tools/call` request (a batch,
 * another method, or an `Accept` the SDK's transport refuses stays on the per-POST path, which
 * answers those as it always has).
 */
function laneCallOf(body: unknown, accept: string | undefined): JSONRPCRequest | undefined {
  if (typeof accept !== 'string' || !accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const message = body as { method?: unknown; id?: unknown };
  return message.method === 'tools/call' && message.id !== undefined ? (body as JSONRPCRequest) : undefined;
}

/** Closes the per-request server once its exchange is over (at once when nothing was dispatched). */
export function closeWhenDone(
  exchange: ExchangeTransport,
  server: { close(): Promise<void> },
  response: Response,
  onClosed?: () => void,
): void {
  const dispatched = !exchange.idle && response.status === 200;
  const finished = dispatched ? exchange.done : Promise.resolve();
  void finished
    .then(() => server.close())
    .then(() => onClosed?.())
    .catch(() => undefined);
}

/** 400 when `MCP-Protocol-Version` names a revision the session transport does not speak. */
export function protocolVersionError(request: FastifyRequest): Response | undefined {
  const version = request.headers['mcp-protocol-version'];
  if (typeof version !== 'string' || SESSION_PROTOCOL_VERSIONS.includes(version)) return undefined;
  return jsonRpcErrorResponse(
    'BAD_REQUEST',
    `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SESSION_PROTOCOL_VERSIONS.join(', ')})`,
  );
}
