import {
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpServer,
  type MessageClassification,
  type MessageExtraInfo,
  PerRequestHTTPServerTransport,
  type RequestId,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { handRequestToServer } from '../../shared/request-entry.js';

/** Where the messages of one request go: its HTTP response (JSON or SSE), written directly. */
export interface RequestSink {
  /** A message for the request before its answer (progress, log, a server-to-client request). */
  message(message: JSONRPCMessage): void;
  /**
   * The request's answer, with the client's own id back. `ladder` is true for an error the SDK
   * answered before any handler ran (unknown method, bad envelope): the SDK's per-request transport
   * answers those with an HTTP status of their own (400/404) instead of 200.
   */
  answer(message: JSONRPCMessage, ladder: boolean): void;
}

/** What the lane needs of a request besides the message: who asks, and the session it belongs to. */
export interface DispatchInfo {
  authInfo?: MessageExtraInfo['authInfo'];
  sessionId?: string | undefined;
}

interface Pending<S> {
  sink: S;
  originalId: RequestId;
}

/** The SDK's private per-request abort controllers (what a closed transport aborts); see {@link Lane.abort}. */
interface AbortControllers {
  _requestHandlerAbortControllers: Map<RequestId, AbortController>;
}

/**
 * One long-lived McpServer and the transport it stays connected to: the protocol engine that serves
 * many HTTP requests at once, each with its own sink, instead of a server and a transport built,
 * connected and closed per request (which is what the SDK's handler costs: a web Request and
 * Response, a transport, the connect/close chain with an error object per close).
 *
 * The SDK's Protocol already runs concurrent requests on one connection, keyed by JSON-RPC id; the
 * lane gives every request a fresh internal id on the way in (clients reuse ids across HTTP requests)
 * and puts the client's id back on the way out. What a server instance holds for its client (the
 * protocol era and version, the client's identity and capabilities) is the lane's key: every request
 * in a lane has the same (see the engines that keep lanes).
 *
 * The transport extends the SDK's `PerRequestHTTPServerTransport` only so that `McpServer.connect`
 * binds the server to the 2026-07-28 era from its `classification`, the way the SDK's own entry does
 * (that binding reads the classification of exactly that class); everything it does is overridden.
 */
export class Lane<S extends RequestSink = RequestSink> extends PerRequestHTTPServerTransport {
  readonly server: McpServer;
  readonly #classification: MessageClassification | undefined;
  readonly #pending = new Map<number, Pending<S>>();
  #nextId = 0;
  #dispatching: number | undefined;
  #closed = false;
  /** Read by the Protocol while it dispatches a request (`ctx.sessionId`): set per request. */
  sessionId: string | undefined;
  /** Messages of the server no request of the lane is waiting for (list_changed, resource updates). */
  onUnrelated: ((message: JSONRPCMessage) => void) | undefined;

  constructor(server: McpServer, classification: MessageClassification | undefined) {
    super({ classification: classification ?? ({} as MessageClassification), keepAliveMs: 0 });
    this.server = server;
    this.#classification = classification;
  }

  /** Connects the server (once, for the lane's life). */
  async open(): Promise<void> {
    await this.server.connect(this);
  }

  override async start(): Promise<void> {
    // Nothing to start: requests arrive through dispatch().
  }

  /** Requests of this lane still running. */
  get inFlight(): number {
    return this.#pending.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Hands one client request to the server; its messages and answer go to `sink`. Returns the
   * internal id (for {@link Lane.abort}).
   */
  dispatch(request: JSONRPCRequest, sink: S, info: DispatchInfo = {}): number {
    this.#nextId += 1;
    const id = this.#nextId;
    this.#pending.set(id, { sink, originalId: request.id });
    const extra: MessageExtraInfo = {
      ...(this.#classification === undefined ? {} : { classification: this.#classification }),
      ...(info.authInfo === undefined ? {} : { authInfo: info.authInfo }),
    };
    this.sessionId = info.sessionId;
    this.#dispatching = id;
    try {
      // Straight to the Protocol's request entry, not through onmessage's answer schemas first.
      handRequestToServer(this.server, { ...request, id }, extra, this.onmessage);
    } finally {
      this.#dispatching = undefined;
      this.sessionId = undefined;
    }
    return id;
  }

  /** Hands the server a message that is not a new request (a client's answer to a server request, a cancellation). */
  deliver(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }

  /**
   * Stops a request (its client went away, or the shutdown cut it off): its handler's signal is
   * aborted, as closing the SDK's per-request transport does, and nothing more reaches its sink.
   * The abort controllers are the Protocol's own (private there); 2026-07-28 has no
   * `notifications/cancelled` to ask for it.
   */
  abort(id: number, reason: unknown): void {
    if (!this.#pending.delete(id)) return;
    const controllers = (this.server.server as unknown as AbortControllers)._requestHandlerAbortControllers;
    controllers?.get(id)?.abort(reason);
  }

  /** Stops every request still running; returns their sinks and client ids (the shutdown answers them). */
  abortAll(reason: unknown): Array<Pending<S>> {
    const pending = [...this.#pending];
    for (const [id] of pending) this.abort(id, reason);
    return pending.map(([, entry]) => entry);
  }

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isAnswer = 'id' in message && ('result' in message || 'error' in message);
    const related = isAnswer ? (message as { id: RequestId }).id : options?.relatedRequestId;
    const pending = typeof related === 'number' ? this.#pending.get(related) : undefined;
    if (pending === undefined) {
      // Not a request of the lane (or one already answered or aborted): a message for the client at large.
      if (!isAnswer) this.onUnrelated?.(message);
      return;
    }
    if (!isAnswer) {
      pending.sink.message(message);
      return;
    }
    this.#pending.delete(related as number);
    const ladder = this.#dispatching === related;
    pending.sink.answer({ ...message, id: pending.originalId } as JSONRPCMessage, ladder);
  }

  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.clear();
    this.onclose?.();
  }
}
