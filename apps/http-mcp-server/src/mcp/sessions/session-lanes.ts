import type {
  JSONRPCMessage,
  JSONRPCRequest,
  McpServer,
  MessageExtraInfo,
  RequestId,
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/server';
import type { RestoredClient } from '../replicas/exchange-transport.js';
import { handRequestToServer } from '../shared/request-entry.js';

/** Where the messages of one session request go (its POST's stream, see session-request-stream.ts). */
export interface SessionRequestSink {
  /** A message of the request before its answer (progress, log, a server-to-client request). */
  message(message: JSONRPCMessage): Promise<void>;
  /** The request's answer, with the client's own id back. */
  answer(message: JSONRPCMessage): Promise<void>;
}

interface Pending {
  sink: SessionRequestSink;
  originalId: RequestId;
}

/** The SDK's private per-request abort controllers (what a cancellation or a closed transport aborts). */
interface AbortControllers {
  _requestHandlerAbortControllers: Map<RequestId, AbortController>;
}

const SYNTHETIC_PREFIX = 'mcs-restore-';

/**
 * One long-lived McpServer of a 2025 session on this replica, serving the session's concurrent
 * `tools/call` requests, each with its own sink (its POST's SSE stream), as the SDK's own stateful
 * server does with one server per session: no server, transport, web Request/Response or stream
 * per request. The server is restored once from the session state in the store (the handshake
 * replayed, as `ExchangeTransport.restore` does), so any replica still serves any request.
 *
 * Like the 2026-07-28 engine's `Lane`, every request gets a fresh internal id on the way in (a
 * client may reuse an id across POSTs) and its own id back on the way out. It is a plain
 * Transport (not the SDK's per-request class), so `McpServer.connect` binds it to the 2025 era.
 */
export class SessionLane implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  /** Messages no request of the lane is waiting for (list_changed, resource updates): the session's stream. */
  onUnrelated: ((message: JSONRPCMessage) => void) | undefined;

  readonly server: McpServer;
  /** The session's id: the Protocol reads it (`ctx.sessionId`, the log level's key). */
  readonly sessionId: string;
  /** The session state the server was restored from; another state in the store means a new lane. */
  readonly stateKey: string;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;
  #retired = false;
  lastUsed = Date.now();

  constructor(server: McpServer, sessionId: string, stateKey: string) {
    this.server = server;
    this.sessionId = sessionId;
    this.stateKey = stateKey;
  }

  /** Connects the server and replays the session's handshake into it; nothing reaches a client. */
  async open(client: RestoredClient): Promise<void> {
    await this.server.connect(this);
    await this.#synthetic('initialize', {
      protocolVersion: client.protocolVersion,
      capabilities: client.clientCapabilities,
      clientInfo: client.clientInfo ?? { name: 'unknown', version: '0' },
    });
    if (client.logLevel !== undefined) await this.#synthetic('logging/setLevel', { level: client.logLevel });
  }

  async start(): Promise<void> {
    // Nothing to start: requests arrive through dispatch().
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Hands one client request to the server; returns its internal id (for cancel/abort). `extra` is
   * what the SDK's transport passes with a request (the caller's `authInfo`, `closeSSEStream`).
   */
  dispatch(request: JSONRPCRequest, sink: SessionRequestSink, extra?: MessageExtraInfo): number {
    this.#nextId += 1;
    const id = this.#nextId;
    this.lastUsed = Date.now();
    this.#pending.set(id, { sink, originalId: request.id });
    // Straight to the Protocol's request entry, not through onmessage's answer schemas first (as the
    // 2026-07-28 engine's lane); anything that is not a plain request still takes onmessage.
    handRequestToServer(this.server, { ...request, id }, extra, this.onmessage);
    return id;
  }

  /** Hands the server a client's answer to one of its requests (ids are the server's own). */
  deliver(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }

  /**
   * The client cancelled request `id` (`notifications/cancelled`): the server gets the cancellation
   * with the internal id (its own handling aborts the handler and sends no answer), and nothing more
   * reaches the request's sink.
   */
  cancel(id: number, cancellation: JSONRPCMessage): void {
    if (!this.#pending.delete(id)) return;
    const params = (cancellation as { params?: Record<string, unknown> }).params ?? {};
    this.onmessage?.({ ...cancellation, params: { ...params, requestId: id } } as JSONRPCMessage);
    this.#idleCheck();
  }

  /** Stops a request (the shutdown cut it off): its handler's signal is aborted, its sink gets nothing more. */
  abort(id: number, reason: unknown): void {
    if (!this.#pending.delete(id)) return;
    const controllers = (this.server.server as unknown as AbortControllers)._requestHandlerAbortControllers;
    controllers?.get(id)?.abort(reason);
    this.#idleCheck();
  }

  /** No new requests; closed once the last one is over (or at once when none runs). */
  retire(): void {
    this.#retired = true;
    this.#idleCheck();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const isAnswer = 'id' in message && ('result' in message || 'error' in message);
    const related = isAnswer ? (message as { id: RequestId }).id : options?.relatedRequestId;
    if (typeof related === 'string' && related.startsWith(SYNTHETIC_PREFIX)) {
      // Of the restore (see #synthetic): never for a client.
      if (isAnswer) this.#restoring.get(related)?.();
      return;
    }
    if (related === undefined) {
      // Not of a request (list_changed, resource updates): a message for the session at large.
      if (!isAnswer) this.onUnrelated?.(message);
      return;
    }
    const pending = typeof related === 'number' ? this.#pending.get(related) : undefined;
    // Of a request already answered, cancelled or cut off (a handler that goes on): for nobody, as the
    // SDK's transport refuses it; not the session's stream, where it would be stored and sent.
    if (pending === undefined) return;
    if (!isAnswer) return pending.sink.message(message);
    this.#pending.delete(related as number);
    try {
      await pending.sink.answer({ ...message, id: pending.originalId } as JSONRPCMessage);
    } finally {
      this.#idleCheck();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.clear();
    this.onclose?.();
  }

  readonly #restoring = new Map<string, () => void>();

  #synthetic(method: string, params: Record<string, unknown>): Promise<void> {
    const id = `${SYNTHETIC_PREFIX}${method}`;
    const answered = new Promise<void>((resolve) => this.#restoring.set(id, resolve));
    this.onmessage?.({ jsonrpc: '2.0', id, method, params } as JSONRPCMessage);
    return answered.finally(() => this.#restoring.delete(id));
  }

  #idleCheck(): void {
    if (this.#retired && this.#pending.size === 0) void this.server.close().catch(() => undefined);
  }
}

export interface SessionLanesOptions {
  /** Lanes (servers) kept over all sessions; the least recently used idle one goes first. */
  maxLanes: number;
  /** A lane without requests for this long is closed. */
  idleTtlMs: number;
}

/**
 * The session lanes of this replica: at most one per session (for the latest state the store gave),
 * bounded in count and idle age whatever the number of live sessions. Nothing here is needed for
 * correctness: a session whose lane is gone gets a new one, restored from the store, on any replica.
 */
export class SessionLanes {
  readonly #createServer: () => McpServer;
  readonly #options: SessionLanesOptions;
  /** By session id, least recently used first; `opened` settles once the handshake is replayed. */
  readonly #lanes = new Map<string, { lane: SessionLane; opened: Promise<SessionLane> }>();

  readonly #sweeper: NodeJS.Timeout;

  constructor(createServer: () => McpServer, options: SessionLanesOptions) {
    this.#createServer = createServer;
    this.#options = options;
    // Lanes idle past the TTL go even when no new lane is opened (after a burst of sessions, their
    // servers would otherwise stay until the next one). Unref'd: it never keeps the process up.
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(1_000, Math.floor(options.idleTtlMs / 2)));
    this.#sweeper.unref();
  }

  /** Stops the periodic sweep and retires every lane (each closes once its calls are over). */
  close(): void {
    clearInterval(this.#sweeper);
    for (const { lane } of this.#lanes.values()) lane.retire();
    this.#lanes.clear();
  }

  /** The session's lane for `stateKey`, opened (and restored from `client`) on first use. */
  acquire(
    sessionId: string,
    stateKey: string,
    client: RestoredClient,
    setUp: (lane: SessionLane) => void,
  ): Promise<SessionLane> {
    const existing = this.#lanes.get(sessionId);
    this.#lanes.delete(sessionId);
    if (existing !== undefined && existing.lane.stateKey === stateKey && !existing.lane.closed) {
      // Most recently used last; used now (a sweep before its call is dispatched must not take it).
      existing.lane.lastUsed = Date.now();
      this.#lanes.set(sessionId, existing);
      return existing.opened;
    }
    // Another state (e.g. a log level set through another replica): the old lane finishes its requests.
    existing?.lane.retire();
    this.#sweep(1);
    const lane = new SessionLane(this.#createServer(), sessionId, stateKey);
    setUp(lane);
    const opened = lane.open(client).then(() => lane);
    const entry = { lane, opened };
    this.#lanes.set(sessionId, entry);
    opened.catch(() => {
      if (this.#lanes.get(sessionId) === entry) this.#lanes.delete(sessionId);
      lane.retire();
    });
    return opened;
  }

  /** The session ended (DELETE): its lane goes once its requests are over. */
  evict(sessionId: string): void {
    this.#lanes.get(sessionId)?.lane.retire();
    this.#lanes.delete(sessionId);
  }

  get size(): number {
    return this.#lanes.size;
  }

  /**
   * Retires lanes idle past the TTL, and the least recently used beyond the bound (`adding`: room for
   * more). Every lane is looked at (at most `maxLanes`): a lane running a long call is not idle, but
   * the idle ones behind it in the order still go (stopping at it kept them until the call ended).
   */
  #sweep(adding = 0): void {
    const expired = Date.now() - this.#options.idleTtlMs;
    for (const [sessionId, { lane }] of this.#lanes) {
      const over = this.#lanes.size + adding > Math.max(1, this.#options.maxLanes);
      const idleTooLong = lane.inFlight === 0 && lane.lastUsed < expired;
      if (!over && !idleTooLong) continue;
      lane.retire();
      this.#lanes.delete(sessionId);
    }
  }
}
