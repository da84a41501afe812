import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@mcs/session-store';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authInfoOf } from '../../auth/request-auth-info.js';
import { ExchangeTransport } from '../replicas/exchange-transport.js';
import type { MessageRouter } from '../replicas/message-router.js';
import { jsonRpcErrorResponse } from '../shared/json-rpc-errors.js';
import {
  jsonObjectOr,
  LOG_LEVEL_ATTRIBUTE,
  ownerCheckOf,
  restoredClientOf,
  type SessionEraContext,
  sessionOwnerOf,
  sessionSeen,
} from '../shared/session-era-context.js';
import { SessionServerCache } from '../shared/session-server-cache.js';
import { SseStream } from '../shared/sse-stream.js';
import { sendWebResponse } from '../shared/web-bridge.js';

const SSE_2024_PROTOCOL_VERSION = '2024-11-05';
const MessagesQuery = z.object({ sessionId: z.string().min(1).max(512) });

/** A transport whose every outgoing message goes to the session channel (the replica holding /sse). */
class SessionChannelTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #publish: (message: JSONRPCMessage) => Promise<void>;

  constructor(publish: (message: JSONRPCMessage) => Promise<void>) {
    this.#publish = publish;
  }

  async start(): Promise<void> {}

  send(message: JSONRPCMessage): Promise<void> {
    return this.#publish(message);
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

/** Sends a message to a 2024-11-05 session's `/sse` stream, on whichever replica holds it. */
export async function sendToSse2024Stream(
  router: Pick<MessageRouter, 'publishToSession'>,
  sessionId: string,
  message: JSONRPCMessage,
): Promise<void> {
  await router.publishToSession(sessionId, { kind: 'message', message: message as unknown as JsonObject });
}

/**
 * The HTTP+SSE transport of revision 2024-11-05: `GET /sse` opens the session's stream and names
 * the `POST /messages?sessionId=...` endpoint; every answer travels on the stream. The stream lives
 * on one replica; a POST may land on any replica, which runs the request on a fresh server and
 * publishes what it sends on the session channel.
 */
export class Sse2024Sessions {
  readonly #ctx: SessionEraContext;
  /** Idle servers of sessions whose POSTs this replica served last (see StreamableHttpSessions). */
  readonly #servers: SessionServerCache;

  constructor(ctx: SessionEraContext) {
    this.#ctx = ctx;
    this.#servers = new SessionServerCache(ctx.config.serverCache);
  }

  async open(request: FastifyRequest, reply: FastifyReply): Promise<undefined> {
    const sessionId = randomUUID();
    const owner = sessionOwnerOf(request);
    request.log = request.log.child({ sessionId });
    await this.#ctx.store.createProtocolSession({
      id: sessionId,
      transport: 'sse',
      protocolVersion: SSE_2024_PROTOCOL_VERSION,
      ...(owner === undefined ? {} : { owner }),
    });
    this.#ctx.liveSessions.seen(sessionId);
    const stream = new SseStream(reply, {
      registry: this.#ctx.streams,
      keepAliveMs: this.#ctx.config.sseKeepAliveMs,
      onKeepAlive: async () => {
        const session = await this.#ctx.store.touchProtocolSession(sessionId);
        if (session !== undefined) sessionSeen(this.#ctx, session);
        return session !== undefined;
      },
    });
    const unsubscribe = await this.#ctx.router.subscribeToSession(sessionId, (payload) => {
      if (payload.kind === 'close') stream.end();
      else stream.send(JSON.stringify(payload.message), { event: 'message' });
    });
    await this.#ctx.store.claimStream(sessionId, { replicaId: this.#ctx.router.replicaId, streamId: 'sse' });
    // The session is the stream: when it closes, the session ends.
    stream.onClose(() => {
      unsubscribe().catch(() => undefined);
      this.#ctx.store.deleteProtocolSession(sessionId).catch(() => undefined);
      this.#ctx.liveSessions.deleted(sessionId);
      this.#servers.evict(sessionId);
      request.log.info('2024-11-05 SSE session closed');
    });
    stream.send(`/messages?sessionId=${encodeURIComponent(sessionId)}`, { event: 'endpoint' });
    request.log.info('2024-11-05 SSE session opened');
    return undefined;
  }

  /**
   * `POST /messages`: one message of a session (`message` as the dispatch step read it; undefined:
   * not JSON-RPC, refused once the session is known, so an unknown session is always a 404).
   */
  async post(request: FastifyRequest, reply: FastifyReply, message: JSONRPCMessage | undefined): Promise<FastifyReply> {
    const query = MessagesQuery.safeParse(request.query);
    if (!query.success) {
      return sendWebResponse(
        reply,
        jsonRpcErrorResponse('BAD_REQUEST', 'Bad Request: the sessionId query parameter is required'),
      );
    }
    const sessionId = query.data.sessionId;
    // Another user's session is answered as an unknown one: its existence is not revealed.
    const session = await this.#ctx.store.touchProtocolSession(sessionId, ownerCheckOf(request)).catch(() => undefined);
    if (session?.transport !== 'sse') {
      return sendWebResponse(reply, jsonRpcErrorResponse('SESSION_NOT_FOUND', 'Session not found'));
    }
    sessionSeen(this.#ctx, session);
    if (message === undefined) {
      return sendWebResponse(reply, jsonRpcErrorResponse('INVALID_REQUEST', 'Invalid Request: not a JSON-RPC message'));
    }
    if (!('id' in message) || !('method' in message)) {
      await this.#ctx.router.routeClientMessage(sessionId, message as unknown as JsonObject);
      return reply.code(202).send('Accepted');
    }

    const isInitialize = message.method === 'initialize';
    const publish = (outgoing: JSONRPCMessage) => sendToSse2024Stream(this.#ctx.router, sessionId, outgoing);
    const exchange = new ExchangeTransport(new SessionChannelTransport(publish), {
      sessionId,
      router: this.#ctx.router,
      log: request.log,
      sendUnrelated: publish,
      onInitialized: async ({ params, result }) => {
        await this.#ctx.store.updateProtocolSession(sessionId, {
          protocolVersion: String(result.protocolVersion),
          clientCapabilities: jsonObjectOr(params.capabilities, {}) ?? {},
          ...(jsonObjectOr(params.clientInfo, undefined) ? { clientInfo: params.clientInfo as JsonObject } : {}),
        });
      },
      onLogLevel: async (level) => {
        await this.#ctx.store.updateProtocolSession(sessionId, { attributes: { [LOG_LEVEL_ATTRIBUTE]: level } });
      },
    });
    // Same reuse as the Streamable HTTP sessions: only a server restored from the state the store holds now.
    const stateKey = isInitialize ? undefined : JSON.stringify(restoredClientOf(session));
    const cached = stateKey === undefined ? undefined : this.#servers.take(sessionId, stateKey);
    const server = cached ?? this.#ctx.createServer();
    await server.connect(exchange);
    if (!isInitialize && cached === undefined) await exchange.restore(restoredClientOf(session));
    exchange.receive(message, { authInfo: authInfoOf(request) });
    void exchange.done
      .then(() => server.close())
      .then(() => {
        if (stateKey !== undefined && !exchange.changesSessionState) this.#servers.put(sessionId, stateKey, server);
      })
      .catch(() => undefined);
    return reply.code(202).send('Accepted');
  }
}
