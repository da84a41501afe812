import type { JsonObject } from '@mcs/session-store';
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/server';
import type { FastifyBaseLogger } from 'fastify';
import { jsonRpcErrorBody, SHUTDOWN_CUT_OFF_MESSAGE } from '../shared/json-rpc-errors.js';
import type { MessageRouter } from './message-router.js';

/** What a fresh server instance must know about a session's client to serve its next request. */
export interface RestoredClient {
  protocolVersion: string;
  clientCapabilities: JsonObject;
  clientInfo: JsonObject | undefined;
  /** `logging/setLevel` of an earlier request of the session. */
  logLevel?: string | undefined;
}

export interface InitializeRecord {
  params: JsonObject;
  result: JsonObject;
}

export interface ExchangeOptions {
  sessionId: string | undefined;
  router: MessageRouter;
  log: FastifyBaseLogger;
  /** Messages no request of this exchange is waiting for (list_changed, ...): the session's stream. */
  sendUnrelated: (message: JSONRPCMessage) => Promise<void>;
  /** Runs before the `initialize` response leaves, so the session exists when the client sees it. */
  onInitialized?: (record: InitializeRecord) => Promise<void>;
  onLogLevel?: (level: string) => Promise<void>;
}

type Inner = Transport & { setSupportedProtocolVersions?: (versions: string[]) => void };

const SYNTHETIC_PREFIX = 'mcs-restore-';

function isResponse(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return 'id' in message && ('result' in message || 'error' in message);
}

function isCancel(message: JSONRPCMessage): message is JSONRPCMessage & { params: { requestId: RequestId } } {
  const params = (message as { params?: { requestId?: unknown } }).params;
  return (
    !('id' in message) &&
    'method' in message &&
    message.method === 'notifications/cancelled' &&
    (typeof params?.requestId === 'string' || typeof params?.requestId === 'number')
  );
}

function isRequest(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId; method: string } {
  return 'id' in message && 'method' in message;
}

/**
 * One HTTP exchange of a session, between a fresh McpServer and the transport that carries the
 * exchange (the SDK's Streamable HTTP transport in stateless mode, or a bus sink for 2024-11-05 SSE).
 *
 * It makes the per-request server behave as if it had served the whole session: it replays the
 * session's `initialize` (and log level) into the server without sending anything to the client,
 * rewrites the ids of server-to-client requests so any replica can route the client's answer back
 * here, sends messages unrelated to this exchange to the session's stream, and reports `done` when
 * every client request of the exchange has been answered.
 */
export class ExchangeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  readonly #inner: Inner;
  readonly #options: ExchangeOptions;
  readonly #exchangeId: string;
  readonly #unregister: () => void;
  readonly #synthetic = new Map<string, (message: JSONRPCMessage) => void>();
  readonly #pendingClientRequests = new Map<RequestId, () => void>();
  readonly #initializeRequests = new Map<RequestId, JsonObject>();
  readonly #setLevelRequests = new Map<RequestId, string>();
  /** Client requests answered by {@link ExchangeTransport.cutOff}: the server's late answers are dropped. */
  readonly #cutOffRequests = new Set<RequestId>();
  #sawRequest = false;
  #changesSessionState = false;
  #resolveDone!: () => void;
  /** Resolves when every client request of the exchange has been answered (or the transport closed). */
  readonly done: Promise<void>;

  constructor(inner: Inner, options: ExchangeOptions) {
    this.#inner = inner;
    this.#options = options;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    const { exchangeId, unregister } = options.router.registerExchange(
      options.sessionId,
      (message) => this.#toServer(message),
      () => void this.#cutOff(),
    );
    this.#exchangeId = exchangeId;
    this.#unregister = unregister;
  }

  get sessionId(): string | undefined {
    return this.#options.sessionId;
  }

  async start(): Promise<void> {
    this.#inner.onmessage = (message, extra) => this.#fromClient(message, extra);
    this.#inner.onerror = (error) => this.onerror?.(error);
    this.#inner.onclose = () => this.#closed();
    await this.#inner.start();
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.#inner.setSupportedProtocolVersions?.(versions);
  }

  /** Replays the session's handshake into the connected server; nothing reaches the client. */
  async restore(client: RestoredClient): Promise<void> {
    await this.#syntheticRequest('initialize', {
      protocolVersion: client.protocolVersion,
      capabilities: client.clientCapabilities,
      clientInfo: client.clientInfo ?? { name: 'unknown', version: '0' },
    });
    if (client.logLevel !== undefined) await this.#syntheticRequest('logging/setLevel', { level: client.logLevel });
  }

  /** Hands a client message to the server as if the carrying transport had received it. */
  receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    this.#fromClient(message, extra);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isResponse(message) && this.#cutOffRequests.has(message.id)) return;
    if (isResponse(message) && typeof message.id === 'string' && this.#synthetic.has(message.id)) {
      const settle = this.#synthetic.get(message.id);
      this.#synthetic.delete(message.id);
      settle?.(message);
      return;
    }
    let outgoing = message;
    if (isRequest(message)) {
      outgoing = { ...message, id: this.#options.router.encodeId(this.#exchangeId, message.id) } as JSONRPCMessage;
    }
    if (isResponse(message)) {
      try {
        await this.#beforeResponse(message);
      } catch (error) {
        // E.g. the store is down at `initialize`: answer with an error rather than a session that is not there.
        this.#options.log.error({ err: error }, 'could not record the session state of a response');
        outgoing = {
          jsonrpc: '2.0',
          id: message.id,
          error: { code: -32603, message: 'Internal error: the session store is unavailable; retry later' },
        } as JSONRPCMessage;
      }
    }
    const related = options?.relatedRequestId ?? (isResponse(message) ? message.id : undefined);
    try {
      if (related === undefined || !this.#pendingClientRequests.has(related)) {
        await this.#options.sendUnrelated(outgoing);
      } else {
        await this.#inner.send(outgoing, options);
      }
    } finally {
      // Even when delivery failed, the request is over: the exchange must not wait for it forever.
      if (isResponse(message)) this.#settle(message.id);
    }
  }

  async close(): Promise<void> {
    await this.#inner.close();
    this.#closed();
  }

  #closed(): void {
    this.#unregister();
    for (const forget of this.#pendingClientRequests.values()) forget();
    for (const settle of this.#synthetic.values())
      settle({ jsonrpc: '2.0', id: 0, error: { code: -32000, message: 'closed' } });
    this.#synthetic.clear();
    this.#resolveDone();
    this.onclose?.();
  }

  /** True when the shutdown cut the exchange off (its requests were answered with the shutdown error). */
  get wasCutOff(): boolean {
    return this.#cutOffRequests.size > 0;
  }

  /**
   * The shutdown drain is running out: answers every client request still running with a JSON-RPC
   * error saying so (on the request's own stream, so a 2025 client sees it, and it is in the event log
   * for one that resumes), which ends the exchange.
   */
  async #cutOff(): Promise<void> {
    for (const requestId of [...this.#pendingClientRequests.keys()]) {
      this.#cutOffRequests.add(requestId);
      const error = jsonRpcErrorBody('UNAVAILABLE', SHUTDOWN_CUT_OFF_MESSAGE, requestId) as JSONRPCMessage;
      try {
        await this.#inner.send(error, { relatedRequestId: requestId });
      } catch (cause) {
        this.#options.log.debug({ err: cause }, 'could not answer a request cut off by the shutdown');
      } finally {
        this.#settle(requestId);
      }
    }
  }

  /**
   * True when the exchange carried `initialize` or `logging/setLevel`: the server then holds state
   * the store may not have (e.g. when recording it failed), so it must not be reused.
   */
  get changesSessionState(): boolean {
    return this.#changesSessionState;
  }

  /** True when the exchange received no request at all (only notifications or responses). */
  get idle(): boolean {
    return !this.#sawRequest;
  }

  /** A client request is over (answered, or cancelled: a cancelled request gets no answer). */
  #settle(requestId: RequestId): void {
    const forget = this.#pendingClientRequests.get(requestId);
    if (forget === undefined) return;
    forget();
    this.#pendingClientRequests.delete(requestId);
    if (this.#pendingClientRequests.size === 0) this.#resolveDone();
  }

  #fromClient(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (isResponse(message)) {
      // Answers to server-to-client requests belong to the exchange that asked, maybe elsewhere.
      this.#options.router
        .routeClientResponse(this.#options.sessionId, message as unknown as JsonObject)
        .catch((error: unknown) => {
          this.#options.log.error({ err: error }, 'could not route a client response');
        });
      return;
    }
    if (isCancel(message) && !this.#pendingClientRequests.has(message.params.requestId)) {
      // A request of the session running in another exchange, maybe on another replica.
      const sessionId = this.#options.sessionId;
      if (sessionId !== undefined) {
        this.#options.router.routeCancel(sessionId, message as unknown as JsonObject).catch((error: unknown) => {
          this.#options.log.error({ err: error }, 'could not route a cancellation');
        });
      }
      return;
    }
    if (isRequest(message)) {
      this.#sawRequest = true;
      const { sessionId } = this.#options;
      const forget =
        sessionId === undefined
          ? () => undefined
          : this.#options.router.trackRequest(sessionId, message.id, (cancel) => this.#toServer(cancel));
      this.#pendingClientRequests.set(message.id, forget);
      const params = ((message as { params?: JsonObject }).params ?? {}) as JsonObject;
      if (message.method === 'initialize' || message.method === 'logging/setLevel') this.#changesSessionState = true;
      if (message.method === 'initialize') this.#initializeRequests.set(message.id, params);
      if (message.method === 'logging/setLevel' && typeof params.level === 'string') {
        this.#setLevelRequests.set(message.id, params.level);
      }
    }
    this.onmessage?.(message, extra);
  }

  #toServer(message: JSONRPCMessage): void {
    this.onmessage?.(message);
    if (isCancel(message)) this.#settle(message.params.requestId);
  }

  async #beforeResponse(message: JSONRPCMessage & { id: RequestId }): Promise<void> {
    const ok = 'result' in message;
    const initParams = this.#initializeRequests.get(message.id);
    if (initParams !== undefined) {
      this.#initializeRequests.delete(message.id);
      if (ok) await this.#options.onInitialized?.({ params: initParams, result: message.result as JsonObject });
    }
    const level = this.#setLevelRequests.get(message.id);
    if (level !== undefined) {
      this.#setLevelRequests.delete(message.id);
      if (ok) await this.#options.onLogLevel?.(level);
    }
  }

  #syntheticRequest(method: string, params: JsonObject): Promise<JSONRPCMessage> {
    const id = `${SYNTHETIC_PREFIX}${method}`;
    const answered = new Promise<JSONRPCMessage>((resolve) => this.#synthetic.set(id, resolve));
    this.onmessage?.({ jsonrpc: '2.0', id, method, params } as JSONRPCMessage);
    return answered;
  }
}
