import type {
  CallToolResult,
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  GetPromptResult,
  Implementation,
  LoggingLevel,
  OAuthClientProvider,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Root,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/client';
import type { Skill, SkillFile } from '@modelcontextprotocol/client/ext/skills';
import type { BackendTransportKind } from './backend-config.js';
import type { SupervisionOptionsInput } from './supervision-options.js';
import type { TransportError } from './transport-error.js';

/**
 * `idle` (created, not connected) -> `connecting` -> `ready`; on a crash or a lost session
 * `restarting` -> `ready` again; `failed` once restarts are exhausted; `closed` after `close()`.
 */
export type BackendStatus = 'idle' | 'connecting' | 'ready' | 'restarting' | 'failed' | 'closed';

export type ListChangedKind = 'tools' | 'resources' | 'prompts';

export type CircuitBreakerState = 'closed' | 'open' | 'half_open';

/** A progress notification of one request, as the backend sent it. */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface RequestOptions {
  /** Aborting sends `notifications/cancelled` to the backend and rejects with `CANCELLED`. */
  signal?: AbortSignal;
  /** Defaults to the connection's `requestTimeoutMs`. Also bounds the wait while the backend restarts. */
  timeoutMs?: number;
}

export interface CallToolOptions extends RequestOptions {
  /** Receives the backend's progress notifications for this call (and only this call). */
  onProgress?: (progress: ProgressUpdate) => void;
  /** A progress notification restarts the `timeoutMs` clock. Default true. */
  resetTimeoutOnProgress?: boolean;
  /** Hard limit for the whole call, progress or not. Default: none. */
  maxTotalTimeoutMs?: number;
}

/** Events of one backend connection; every payload names the backend. */
export interface BackendEventMap {
  status: { backend: string; status: BackendStatus; previous: BackendStatus; error?: TransportError };
  /** The backend said its tools/resources/prompts changed (re-list them). Also after a restart. */
  list_changed: { backend: string; kind: ListChangedKind };
  /** A resource subscribed with `subscribeResource` changed. */
  resource_updated: { backend: string; uri: string };
  /** A log message (`notifications/message`) from the backend. MCP does not tie these to requests. */
  log: { backend: string; level: LoggingLevel; logger?: string; data: unknown };
  /** One line the stdio backend wrote to stderr. */
  stderr: { backend: string; line: string };
  /** The stdio backend's process ended (expectedly or not). */
  exit: { backend: string; pid: number; code: number | null; signal: NodeJS.Signals | null; expected: boolean };
  /** A restart (stdio) or reconnect (HTTP/SSE) is scheduled after `delayMs`. */
  restart: { backend: string; attempt: number; delayMs: number; reason: TransportError };
  breaker: { backend: string; state: CircuitBreakerState };
  /** Result of one health ping. */
  health: { backend: string; ok: boolean; latencyMs: number; error?: TransportError };
  /** One finished request (for latency/outcome metrics). */
  request: { backend: string; method: string; tool?: string; durationMs: number; error?: TransportError };
}

export type BackendEventName = keyof BackendEventMap;
export type BackendEventListener<E extends BackendEventName> = (event: BackendEventMap[E]) => void;

/**
 * One MCP backend, behind one long-lived MCP session that every caller shares (the SDK client
 * multiplexes request ids, so concurrent calls never see each other's results or progress).
 * The connection supervises the session: restarts a dead stdio process or re-opens a lost HTTP/SSE
 * session with exponential backoff and jitter, pings it, and fails fast through a circuit breaker.
 *
 * Every method rejects with `TransportError` only. List methods return every page.
 */
export interface BackendConnection extends AsyncDisposable {
  readonly name: string;
  readonly transport: BackendTransportKind;
  readonly status: BackendStatus;
  /** The backend's capabilities from the current session's `initialize` (undefined before). */
  readonly serverCapabilities: ServerCapabilities | undefined;
  readonly serverInfo: Implementation | undefined;
  /** The MCP revision the current session speaks (`2025-11-25`, `2026-07-28`, ...; undefined before). */
  readonly protocolVersion: string | undefined;
  readonly instructions: string | undefined;
  /** stdio: pid of the current child process (also its process group id); undefined otherwise. */
  readonly pid: number | undefined;
  readonly breakerState: CircuitBreakerState;
  /** Restarts/reconnects since `connect()`. */
  readonly restarts: number;

  /**
   * Opens the session and resolves when it is ready. If the first attempt fails it rejects with
   * `CONNECT_FAILED`, and the connection keeps retrying in the background (status `restarting`)
   * until `close()`; calls made meanwhile wait for it up to their timeout.
   */
  connect(options?: RequestOptions): Promise<void>;
  /**
   * Starts over now, as a user asks it ("reconnect"): the current session (if any) is ended, a
   * scheduled restart is dropped, and a new session is opened with a fresh backoff (also after
   * `failed`). Resolves when it is ready; rejects like connect() (and keeps retrying in the
   * background). gRPC gateway: connect() (grpc-js manages the channel).
   */
  reconnect(options?: RequestOptions): Promise<void>;
  /** Stops supervision, fails in-flight calls with `NOT_CONNECTED`, ends the session (stdio: kills the process group). Idempotent. */
  close(): Promise<void>;

  listTools(options?: RequestOptions): Promise<Tool[]>;
  callTool(name: string, args?: Record<string, unknown>, options?: CallToolOptions): Promise<CallToolResult>;
  listResources(options?: RequestOptions): Promise<Resource[]>;
  listResourceTemplates(options?: RequestOptions): Promise<ResourceTemplate[]>;
  readResource(uri: string, options?: RequestOptions): Promise<ReadResourceResult>;
  /** Subscribes to `resource_updated` events for `uri`; kept across restarts. */
  subscribeResource(uri: string, options?: RequestOptions): Promise<void>;
  unsubscribeResource(uri: string, options?: RequestOptions): Promise<void>;
  listPrompts(options?: RequestOptions): Promise<Prompt[]>;
  getPrompt(name: string, args?: Record<string, string>, options?: RequestOptions): Promise<GetPromptResult>;
  /**
   * The backend's skills (the `io.modelcontextprotocol/skills` extension, `skills/list`, every page):
   * entries only, no skill file is read. Empty when the backend does not declare the extension.
   */
  listSkills(options?: RequestOptions): Promise<Skill[]>;
  /**
   * Reads one file of a listed skill on demand (`ref`: a path under the skill, an absolute URI, or
   * the skill's own `SKILL.md` by default) and verifies it against the entry: listed, size, sha256
   * digest, and for `SKILL.md` its frontmatter. A file that fails is refused (`INVALID_RESULT`).
   */
  readSkill(skill: Skill, ref?: string, options?: RequestOptions): Promise<SkillFile>;
  /** Asks the backend for log messages at `level` and above; re-applied after restarts. */
  setLoggingLevel(level: LoggingLevel, options?: RequestOptions): Promise<void>;
  /** One `ping` round trip; resolves with its latency in milliseconds. */
  ping(options?: RequestOptions): Promise<number>;
  /**
   * Tells the backend that the roots changed (`notifications/roots/list_changed`), so that it asks
   * `roots/list` again. Only when a `roots/list` handler is set; a session that is not ready is
   * skipped (a new session asks for the roots itself).
   */
  notifyRootsListChanged(): Promise<void>;

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): () => void;
  off<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): void;
}

/** A token source for HTTP/SSE backends, asked before every request (refresh inside it). */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

/**
 * OAuth for an HTTP/SSE backend, run by the official SDK's transport: it takes the bearer token from
 * `provider`, runs discovery, registration, PKCE, refresh on 401 and step-up on 403
 * `insufficient_scope` through the SDK's `auth()`, and stops with `UnauthorizedError` when the user
 * must sign in (after calling `provider.redirectToAuthorization`).
 */
export interface BackendAuthorization {
  provider: OAuthClientProvider;
  /**
   * Called when a request stopped for the user's authorization. Resolve with the authorization
   * response's query parameters (`code`, `state`, `iss`) once the user is back: the transport
   * redeems them (`finishAuth`) and sends the request again. Resolve `'retry'` when the tokens
   * were obtained another way (a concurrent request finished the sign-in), `undefined` to fail
   * the request. A rejection fails the request as `UNAUTHENTICATED` with it as cause.
   */
  awaitAuthorization(): Promise<URLSearchParams | 'retry' | undefined>;
  /** Sign-ins in a row, without a request that succeeded, before the next one is refused (default 3). */
  maxAuthorizations?: number;
  /**
   * Awaited once before the first request (again after a failure): e.g. a loopback redirect
   * listener binds its port here, since the SDK reads the redirect URL synchronously.
   */
  prepare?(): Promise<void>;
  /**
   * The SDK's opt-out of the RFC 8414 §3.3 issuer check of authorization server metadata
   * (security-weakening; only for a known authorization server that publishes another issuer).
   */
  skipIssuerMetadataValidation?: boolean;
}

/** What a handler of a backend's own request (server -> client) gets besides its params. */
export interface ServerRequestContext {
  backend: string;
  /** Aborted when the backend cancels the request or the session ends. */
  signal: AbortSignal;
}

/**
 * Answers the backend's requests to the client. Every session gets them; a handler's rejection is
 * sent back to the backend as a JSON-RPC error (an SDK `ProtocolError` keeps its code).
 */
export interface ClientRequestHandlers {
  'elicitation/create'?: (params: ElicitRequestParams, context: ServerRequestContext) => Promise<ElicitResult>;
  'sampling/createMessage'?: (
    params: CreateMessageRequestParams,
    context: ServerRequestContext,
  ) => Promise<CreateMessageResult>;
  'roots/list'?: (context: ServerRequestContext) => Promise<Root[]> | Root[];
}

export interface BackendConnectionOptions {
  /** `clientInfo` sent in `initialize`. Default `{ name: 'mcs-transports', version: <package version> }`. */
  clientInfo?: Implementation;
  /** HTTP/SSE: bearer token per request; wins over the config's static `bearerToken`. */
  tokenProvider?: TokenProvider;
  /** HTTP/SSE: OAuth through the SDK's client auth; wins over `tokenProvider` and `bearerToken`. */
  authorization?: BackendAuthorization;
  /** Restart, health, breaker and timeout settings; every field has a documented default. */
  supervision?: SupervisionOptionsInput;
  /**
   * Client capabilities sent in `initialize` (default none: servers then hide what needs them).
   * Advertise only what `requestHandlers` answers.
   */
  capabilities?: ClientCapabilities;
  /** Handlers of the backend's elicitation, sampling and roots requests. */
  requestHandlers?: ClientRequestHandlers;
  /**
   * Which MCP revision to speak. `legacy` (default): the 2025 `initialize` handshake, as before.
   * `auto`: probe with `server/discover` (revision 2026-07-28) and fall back to `initialize` when the
   * server does not answer it as a 2026 server; `2026-07-28`: that revision only. On a 2026-07-28
   * connection the SDK client sends the per-request `_meta` envelope and the `Mcp-*` headers, and
   * answers `input_required` results through `requestHandlers` (retrying with `inputResponses` and
   * the server's `requestState`, at most `maxInputRounds` rounds).
   */
  protocol?: BackendProtocol;
}

/** See `BackendConnectionOptions.protocol`. */
export type BackendProtocol = 'legacy' | 'auto' | '2026-07-28';
