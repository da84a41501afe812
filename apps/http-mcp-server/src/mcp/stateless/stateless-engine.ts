import {
  type AuthInfo,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  classifyInboundRequest,
  type JSONRPCRequest,
  type McpServer,
  type MessageClassification,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import type { FastifyReply } from 'fastify';
import { jsonRpcErrorBody, SHUTDOWN_CUT_OFF_MESSAGE } from '../shared/json-rpc-errors.js';
import { asPlainRequest, isPlainObject, type PlainRequest } from '../shared/plain-request.js';
import { MODERN_PROTOCOL_VERSION } from '../shared/server-factory.js';
import { Lane } from './engine/lane.js';
import { ReplySink } from './engine/reply-sink.js';

/** Request headers as Fastify/Node give them. */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

const MAX_CACHED_ENVELOPES = 256;
const MAX_CACHED_ENVELOPE_CHARS = 4096;
/** Lanes kept (one per distinct client identity; a real deployment sees few). */
const MAX_LANES = 32;
/** The members of a `tools/call` the engine serves; anything else (`task`, future fields) is the SDK's. */
const PLAIN_CALL_KEYS: ReadonlySet<string> = new Set(['name', 'arguments', '_meta']);

export interface StatelessEngineOptions {
  /** SSE keep-alive comment interval of streamed answers (0: none). */
  keepAliveMs: number;
  /** `Retry-After` (seconds) of the answer to a request the shutdown cut off. */
  retryAfterSeconds: number;
}

/** A request the engine takes (see {@link StatelessEngine.admit}), and the lane it runs on. */
export interface EngineCall {
  laneKey: string;
  classification: MessageClassification;
  meta: Record<string, unknown>;
  request: JSONRPCRequest;
}

interface Verdict {
  /** The classifier's classification of a request with this envelope (undefined: not one the engine serves). */
  classification: MessageClassification | undefined;
}

/** What the SDK's transports require of `Accept` on a POST (else they answer 406). */
function acceptsJsonAndEventStream(headers: Headers): boolean {
  const accept = headers.accept;
  return typeof accept === 'string' && accept.includes('application/json') && accept.includes('text/event-stream');
}

/**
 * The 2026-07-28 protocol engine of the process: `tools/call` of every tool (pure or not: awaiting
 * I/O, sending progress, logging, returning input-required results) served on long-lived servers
 * ({@link Lane}) with a context per request, the answer written directly to the reply (JSON, or SSE
 * once a message comes before it). What a request costs through the SDK's `createMcpHandler` is
 * mostly its per-request machinery (a web Request and Response, a transport connected and closed,
 * the body classified again, an error object per close); the engine keeps the SDK's Protocol and
 * McpServer for what they decide (request and envelope schemas, tool lookup, input and output
 * validation, error answers, the result encoding of the era), so answers are the SDK's own. A test
 * sends the same requests here and to the SDK's handler and compares (test/stateless-engine.test.ts).
 *
 * It takes a request only when the SDK's handler would certainly hand it to the server as is: a
 * plain JSON-RPC `tools/call` whose standard headers (SEP-2243) agree with the body exactly and whose
 * `_meta` envelope the SDK's classifier accepts (asked once per distinct envelope), for a tool with
 * no `x-mcp-header` parameters (the SDK checks those against `Mcp-Param-*` headers). Everything else
 * (other methods, other shapes, every validation-ladder rejection) returns `undefined`: the SDK's.
 *
 * A lane per client identity (`clientInfo`, `clientCapabilities` of the envelope): a server holds
 * the identity of its client, which tools may read, so requests of different identities never share
 * one. Bounded; an idle lane past the bound is closed.
 */
export class StatelessEngine {
  readonly #factory: () => McpServer;
  readonly #options: StatelessEngineOptions;
  readonly #verdicts = new Map<string, Verdict>();
  readonly #lanes = new Map<string, Promise<Lane<ReplySink>>>();
  /** Tools that declare `x-mcp-header` parameters (the SDK's to serve), by name; filled on first sight. */
  readonly #headerTools = new Map<string, boolean>();
  /** A server never connected, only asked for tool schemas (every server of the factory has the same tools). */
  #probe: McpServer | undefined;
  readonly #openLanes = new Set<Lane<ReplySink>>();
  #closed = false;

  constructor(factory: () => McpServer, options: StatelessEngineOptions) {
    this.#factory = factory;
    this.#options = options;
  }

  /**
   * The call to serve when a POST of `/mcp` is a request the engine takes (see the class), or
   * `undefined` when the SDK's handler must serve it. `request` is the body as `asPlainRequest`
   * reads it (the dispatch step reads it once for every check that needs it).
   */
  admit(request: PlainRequest | undefined, headers: Headers): EngineCall | undefined {
    if (this.#closed) return undefined;
    if (request?.method !== 'tools/call') return undefined;
    const params = request.params;
    if (!isPlainObject(params) || typeof params.name !== 'string') return undefined;
    for (const key in params) if (!PLAIN_CALL_KEYS.has(key)) return undefined;
    const meta = params._meta;
    if (!isPlainObject(meta) || meta[PROTOCOL_VERSION_META_KEY] !== MODERN_PROTOCOL_VERSION) return undefined;
    if (
      headers['mcp-protocol-version'] !== MODERN_PROTOCOL_VERSION ||
      headers['mcp-method'] !== 'tools/call' ||
      headers['mcp-name'] !== params.name ||
      !acceptsJsonAndEventStream(headers)
    ) {
      return undefined;
    }
    const classification = this.#verdictOf(meta);
    if (classification === undefined || this.#declaresHeaders(params.name)) return undefined;
    const laneKey = JSON.stringify([meta[CLIENT_INFO_META_KEY], meta[CLIENT_CAPABILITIES_META_KEY]]);
    return { laneKey, classification, meta, request: request as unknown as JSONRPCRequest };
  }

  /** Whether {@link StatelessEngine.admit} takes this body (else the SDK's handler answers it). */
  takes(body: unknown, headers: Headers): boolean {
    return this.admit(asPlainRequest(body), headers) !== undefined;
  }

  /** Serves an admitted call; the promise settles when the reply is sent (or its stream ended). */
  async serve(
    { laneKey, classification, meta, request }: EngineCall,
    authInfo: AuthInfo | undefined,
    reply: FastifyReply,
  ): Promise<void> {
    const lane = await this.#laneFor(laneKey, classification, meta);
    const sink = new ReplySink(reply, { keepAliveMs: this.#options.keepAliveMs });
    const id = lane.dispatch(request, sink, authInfo === undefined ? {} : { authInfo });
    reply.raw.once('close', () => {
      // The client went away before the answer: stop the handler, as the SDK's transport does.
      if (sink.done) return;
      lane.abort(id, new Error('client disconnected'));
      sink.abandon();
    });
    await sink.sent;
  }

  /** Requests running on the engine now. */
  get inFlight(): number {
    let count = 0;
    for (const lane of this.#openLanes) count += lane.inFlight;
    return count;
  }

  /**
   * The shutdown: no further requests (the SDK's handler answers those), every request still running
   * is stopped and answered 503 with `Retry-After` (a stream already started is ended), every lane closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const lanes = await Promise.allSettled(this.#lanes.values());
    this.#lanes.clear();
    const body = (id: string | number) => JSON.stringify(jsonRpcErrorBody('UNAVAILABLE', SHUTDOWN_CUT_OFF_MESSAGE, id));
    for (const settled of lanes) {
      if (settled.status !== 'fulfilled') continue;
      const lane = settled.value;
      for (const { sink, originalId } of lane.abortAll(new Error('shutdown'))) {
        sink.sendJson(503, body(originalId), { 'retry-after': String(this.#options.retryAfterSeconds) });
      }
      await lane.server.close().catch(() => undefined);
    }
  }

  /** Whether the tool has `x-mcp-header` parameters (the SDK checks them against `Mcp-Param-*` headers). */
  #declaresHeaders(name: string): boolean {
    let declares = this.#headerTools.get(name);
    if (declares === undefined) {
      this.#probe ??= this.#factory();
      const schema = this.#probe.toolInputSchemaJson(name);
      declares = schema !== undefined && JSON.stringify(schema).includes('"x-mcp-header"');
      // Only registered tools are remembered (names of unknown tools are the client's to choose).
      if (schema !== undefined) this.#headerTools.set(name, declares);
    }
    return declares;
  }

  #laneFor(
    key: string,
    classification: MessageClassification,
    meta: Record<string, unknown>,
  ): Promise<Lane<ReplySink>> {
    const existing = this.#lanes.get(key);
    if (existing !== undefined) return existing;
    if (this.#lanes.size >= MAX_LANES) this.#evictIdleLane();
    const opening = this.#openLane(classification, meta);
    this.#lanes.set(key, opening);
    opening.then(
      (lane) => this.#openLanes.add(lane),
      () => this.#lanes.delete(key),
    );
    return opening;
  }

  async #openLane(classification: MessageClassification, meta: Record<string, unknown>): Promise<Lane<ReplySink>> {
    const server = this.#factory();
    const lane = new Lane<ReplySink>(server, classification);
    await lane.open();
    // The client identity of the envelope, as the SDK's entry seeds it on its per-request server.
    const identity = server.server as unknown as { _clientCapabilities?: unknown; _clientVersion?: unknown };
    if (meta[CLIENT_CAPABILITIES_META_KEY] !== undefined)
      identity._clientCapabilities = meta[CLIENT_CAPABILITIES_META_KEY];
    if (meta[CLIENT_INFO_META_KEY] !== undefined) identity._clientVersion = meta[CLIENT_INFO_META_KEY];
    return lane;
  }

  /** Closes the oldest lane with nothing in flight (a lane with requests running is kept). */
  #evictIdleLane(): void {
    for (const lane of this.#openLanes) {
      if (lane.inFlight > 0) continue;
      for (const [key, promise] of this.#lanes) {
        void promise.then((candidate) => {
          if (candidate === lane) this.#lanes.delete(key);
        });
      }
      this.#openLanes.delete(lane);
      void lane.server.close().catch(() => undefined);
      return;
    }
  }

  /**
   * The classification of a 2026-07-28 `tools/call` with this envelope, when the SDK's classifier
   * routes it to the modern era as a request; undefined otherwise. Kept by the envelope's JSON text
   * (without the progress token, which a client changes per request): a client sends the same
   * envelope every time.
   */
  #verdictOf(meta: Record<string, unknown>): MessageClassification | undefined {
    const { progressToken, ...envelope } = meta;
    if (progressToken !== undefined && typeof progressToken !== 'string' && typeof progressToken !== 'number') {
      return undefined;
    }
    const key = JSON.stringify(envelope);
    const cacheable = key.length <= MAX_CACHED_ENVELOPE_CHARS;
    let verdict = cacheable ? this.#verdicts.get(key) : undefined;
    if (verdict === undefined) {
      const route = classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: MODERN_PROTOCOL_VERSION,
        mcpMethodHeader: 'tools/call',
        mcpNameHeader: 'x',
        body: { jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'x', _meta: envelope } },
      });
      const accepted =
        route.kind === 'modern' &&
        route.messageKind === 'request' &&
        route.classification.revision === MODERN_PROTOCOL_VERSION;
      verdict = { classification: accepted ? route.classification : undefined };
      // Bounded in count and size: a flood of distinct or huge envelopes only costs the classifier's time.
      if (cacheable) {
        if (this.#verdicts.size >= MAX_CACHED_ENVELOPES) this.#verdicts.clear();
        this.#verdicts.set(key, verdict);
      }
    }
    return verdict.classification;
  }
}
