import { randomUUID } from 'node:crypto';
import type { JsonObject, JsonValue, MessageBus } from '@mcs/session-store';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

/** What travels on a session channel to the replica holding the session's open stream. */
export type SessionChannelMessage =
  | { kind: 'message'; message: JsonObject; eventId?: string }
  | { kind: 'close'; reason: string };

type ReplicaChannelMessage =
  /** `sessionId`: the session that sent the response (only the exchange's own session may answer it). */
  | { kind: 'response'; exchangeId: string; sessionId: string | undefined; message: JsonObject }
  /** Does any of these requests of the session still run on you? Answered on `replyTo`'s channel. */
  | { kind: 'running?'; queryId: string; replyTo: string; sessionId: string; requestIds: Array<string | number> }
  | { kind: 'running'; queryId: string; running: boolean };

/**
 * Where a session's requests stand on the replica that runs them: `running`; `ended` (answered,
 * cancelled, or never there); `gone` (no replica of that id listens: it stopped or was killed);
 * `unknown` (it did not reply in time).
 */
export type RequestsStatus = 'running' | 'ended' | 'gone' | 'unknown';
type CancelChannelMessage = { sessionId: string; message: JsonObject };

const CANCEL_CHANNEL = 'cancel';

const ROUTED_ID_PREFIX = 'mcs~';

export interface RoutedId {
  replicaId: string;
  exchangeId: string;
  originalId: string | number;
}

/**
 * Routes messages between replicas over the MessageBus:
 * - the response to a server-to-client request (sampling, elicitation, ping) goes back to the
 *   replica and exchange that sent the request: its JSON-RPC id is rewritten on the way out to
 *   carry both (`mcs~<replica>~<exchange>~<original id>`), so any replica can route the answer;
 * - a message for a session's standalone stream (GET /mcp, or the 2024-11-05 /sse stream) goes to the
 *   session channel, which the replica holding that stream listens to.
 */
export class MessageRouter {
  readonly replicaId: string;
  readonly #bus: MessageBus;
  readonly #log: Logger;
  /** In-flight exchanges, with the session whose client alone may answer their requests. */
  readonly #exchanges = new Map<
    string,
    { deliver: (message: JSONRPCMessage) => void; sessionId: string | undefined }
  >();
  /** How to cut each in-flight exchange off at shutdown (answer its requests with an error). */
  readonly #cutOffs = new Map<string, () => void>();
  /** Client requests running here, by session and request id, for `notifications/cancelled`. */
  readonly #runningRequests = new Map<string, (message: JSONRPCMessage) => void>();
  readonly #unsubscribes: Array<() => Promise<void>> = [];
  /** Replies awaited by `requestsStatus`, by query id. */
  readonly #statusQueries = new Map<string, (running: boolean) => void>();
  #nextExchange = 0;
  #nextQuery = 0;

  constructor(bus: MessageBus, log: Logger, replicaId: string = randomUUID().slice(0, 8)) {
    this.#bus = bus;
    this.#log = log;
    this.replicaId = replicaId;
  }

  async start(): Promise<void> {
    this.#unsubscribes.push(
      await this.#bus.subscribe(`replica:${this.replicaId}`, (payload) => {
        const routed = payload as unknown as ReplicaChannelMessage;
        if (routed?.kind === 'response') this.#deliverLocal(routed.exchangeId, routed.message, routed.sessionId);
        else if (routed?.kind === 'running?') this.#answerStatusQuery(routed);
        else if (routed?.kind === 'running') this.#statusQueries.get(routed.queryId)?.(routed.running === true);
      }),
      await this.#bus.subscribe(CANCEL_CHANNEL, (payload) => {
        const cancel = payload as unknown as CancelChannelMessage;
        this.#cancelLocal(cancel.sessionId, cancel.message);
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.#unsubscribes.splice(0).map((unsubscribe) => unsubscribe()));
  }

  /** Records that a client request of a session runs here; returns the function that forgets it. */
  trackRequest(sessionId: string, requestId: string | number, deliver: (message: JSONRPCMessage) => void): () => void {
    const key = requestKey(sessionId, requestId);
    this.#runningRequests.set(key, deliver);
    return () => {
      if (this.#runningRequests.get(key) === deliver) this.#runningRequests.delete(key);
    };
  }

  /**
   * Asks replica `replicaId` whether any of `requestIds` of the session still runs there (see
   * `RequestsStatus`). `requestIds` empty asks only whether the replica is there (`running` if so).
   */
  async requestsStatus(
    replicaId: string,
    sessionId: string,
    requestIds: Array<string | number>,
    timeoutMs: number,
  ): Promise<RequestsStatus> {
    if (replicaId === this.replicaId) return this.#runsHere(sessionId, requestIds) ? 'running' : 'ended';
    this.#nextQuery += 1;
    const queryId = this.#nextQuery.toString(36);
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<RequestsStatus>((resolve) => {
      this.#statusQueries.set(queryId, (running) => resolve(running ? 'running' : 'ended'));
      timer = setTimeout(() => resolve('unknown'), timeoutMs);
    });
    try {
      const query: ReplicaChannelMessage = {
        kind: 'running?',
        queryId,
        replyTo: this.replicaId,
        sessionId,
        requestIds,
      };
      // Redis drops a killed process' subscriptions with its connection: nobody receives, it is gone.
      if ((await this.#bus.publish(`replica:${replicaId}`, plainJson(query))) === 0) return 'gone';
      return await reply;
    } finally {
      clearTimeout(timer);
      this.#statusQueries.delete(queryId);
    }
  }

  #runsHere(sessionId: string, requestIds: Array<string | number>): boolean {
    return requestIds.length === 0 || requestIds.some((id) => this.#runningRequests.has(requestKey(sessionId, id)));
  }

  #answerStatusQuery(query: Extract<ReplicaChannelMessage, { kind: 'running?' }>): void {
    if (typeof query.replyTo !== 'string' || typeof query.sessionId !== 'string' || !Array.isArray(query.requestIds))
      return;
    const running = this.#runsHere(query.sessionId, query.requestIds);
    const reply: ReplicaChannelMessage = { kind: 'running', queryId: query.queryId, running };
    this.#bus.publish(`replica:${query.replyTo}`, plainJson(reply)).catch((error: unknown) => {
      this.#log.debug({ err: error }, 'could not answer a request status query');
    });
  }

  /**
   * Delivers `notifications/cancelled` to the exchange running the request, here or on whichever
   * replica runs it (cancellations are rare: they are broadcast, so requests cost nothing extra).
   */
  async routeCancel(sessionId: string, message: JsonObject): Promise<void> {
    if (this.#cancelLocal(sessionId, message)) return;
    const payload: CancelChannelMessage = { sessionId, message };
    await this.#bus.publish(CANCEL_CHANNEL, plainJson(payload));
  }

  /**
   * Registers an in-flight exchange of session `sessionId` (`cutOff` answers what it still runs, for
   * the shutdown); returns its id and the function that removes it. Answers to its server-to-client
   * requests are delivered only when they come from that session: exchange ids are counted, so an id
   * alone must not let another session's client answer them.
   */
  registerExchange(
    sessionId: string | undefined,
    deliver: (message: JSONRPCMessage) => void,
    cutOff?: () => void,
  ): { exchangeId: string; unregister: () => void } {
    this.#nextExchange += 1;
    const exchangeId = this.#nextExchange.toString(36);
    this.#exchanges.set(exchangeId, { deliver, sessionId });
    if (cutOff !== undefined) this.#cutOffs.set(exchangeId, cutOff);
    return {
      exchangeId,
      unregister: () => {
        this.#exchanges.delete(exchangeId);
        this.#cutOffs.delete(exchangeId);
      },
    };
  }

  /** Cuts off every exchange still in flight here (the shutdown drain is running out); returns how many. */
  cutOffExchanges(): number {
    const cutOffs = [...this.#cutOffs.values()];
    this.#cutOffs.clear();
    for (const cutOff of cutOffs) cutOff();
    return cutOffs.length;
  }

  get liveExchanges(): number {
    return this.#exchanges.size;
  }

  encodeId(exchangeId: string, originalId: string | number): string {
    return `${ROUTED_ID_PREFIX}${this.replicaId}~${exchangeId}~${JSON.stringify(originalId)}`;
  }

  static decodeId(id: unknown): RoutedId | undefined {
    if (typeof id !== 'string' || !id.startsWith(ROUTED_ID_PREFIX)) return undefined;
    const [replicaId, exchangeId, ...rest] = id.slice(ROUTED_ID_PREFIX.length).split('~');
    if (!replicaId || !exchangeId || rest.length === 0) return undefined;
    try {
      const originalId: unknown = JSON.parse(rest.join('~'));
      if (typeof originalId !== 'string' && typeof originalId !== 'number') return undefined;
      return { replicaId, exchangeId, originalId };
    } catch {
      return undefined;
    }
  }

  /**
   * Delivers a client's response to a server-to-client request (sent on session `sessionId`) to the
   * exchange waiting for it, here or on another replica. Returns false when the id was not minted by
   * any replica.
   */
  async routeClientResponse(sessionId: string | undefined, message: JsonObject): Promise<boolean> {
    const routed = MessageRouter.decodeId(message.id);
    if (!routed) return false;
    const restored: JsonObject = { ...message, id: routed.originalId };
    if (routed.replicaId === this.replicaId) {
      this.#deliverLocal(routed.exchangeId, restored, sessionId);
      return true;
    }
    const payload: ReplicaChannelMessage = {
      kind: 'response',
      exchangeId: routed.exchangeId,
      sessionId,
      message: restored,
    };
    const receivers = await this.#bus.publish(`replica:${routed.replicaId}`, plainJson(payload));
    if (receivers === 0) this.#log.warn({ replica: routed.replicaId }, 'response for a replica that is gone: dropped');
    return true;
  }

  /**
   * Handles a client message that needs no new server: an answer to a server-to-client request, or a
   * `notifications/cancelled`. Returns false for anything else (other notifications are dropped).
   */
  async routeClientMessage(sessionId: string, message: JsonObject): Promise<boolean> {
    if ('id' in message && ('result' in message || 'error' in message)) {
      return this.routeClientResponse(sessionId, message);
    }
    if (message.method === 'notifications/cancelled') {
      await this.routeCancel(sessionId, message);
      return true;
    }
    return false;
  }

  publishToSession(sessionId: string, message: SessionChannelMessage): Promise<number> {
    return this.#bus.publish(sessionChannel(sessionId), plainJson(message));
  }

  subscribeToSession(
    sessionId: string,
    handler: (message: SessionChannelMessage) => void,
  ): Promise<() => Promise<void>> {
    return this.#bus.subscribe(sessionChannel(sessionId), (payload) =>
      handler(payload as unknown as SessionChannelMessage),
    );
  }

  #cancelLocal(sessionId: string, message: JsonObject): boolean {
    const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return false;
    const deliver = this.#runningRequests.get(requestKey(sessionId, requestId));
    deliver?.(message as unknown as JSONRPCMessage);
    return deliver !== undefined;
  }

  #deliverLocal(exchangeId: string, message: JsonObject, sessionId: string | undefined): void {
    const exchange = this.#exchanges.get(exchangeId);
    if (!exchange) {
      this.#log.debug({ exchangeId }, 'response for a finished exchange: dropped');
      return;
    }
    if (exchange.sessionId !== sessionId) {
      // Not the session the request was sent to: dropped as an unknown one, nothing revealed.
      this.#log.warn({ exchangeId }, "response from another session than the request's: dropped");
      return;
    }
    exchange.deliver(message as unknown as JSONRPCMessage);
  }
}

/** SDK messages may hold `undefined` properties (dropped on the wire); the bus wants plain JSON. */
export function plainJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function requestKey(sessionId: string, requestId: string | number): string {
  return `${sessionId}\u0000${JSON.stringify(requestId)}`;
}

function sessionChannel(sessionId: string): string {
  return `session:${sessionId}`;
}
