import { performance } from 'node:perf_hooks';
import {
  type CallToolResult,
  type Client,
  type GetPromptResult,
  type Implementation,
  type LoggingLevel,
  type Prompt,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplateType,
  type ServerCapabilities,
  SseError,
  type Tool,
} from '@modelcontextprotocol/client';
import { type BackendConfig, type BackendTransportKind, parseBackendConfig } from './backend-config.js';
import type {
  BackendConnection,
  BackendConnectionOptions,
  BackendEventListener,
  BackendEventMap,
  BackendEventName,
  BackendStatus,
  CallToolOptions,
  CircuitBreakerState,
  ListChangedKind,
  RequestOptions,
  TokenProvider,
} from './backend-connection.js';
import { BackendBreaker } from './internal/backend-breaker.js';
import { BackendSession } from './internal/backend-session.js';
import {
  backendDownError,
  closedError,
  connectError,
  notReadyError,
  restartsGivenUpError,
  sessionLostError,
  sseDroppedError,
} from './internal/connection-errors.js';
import { HealthPings } from './internal/health-pings.js';
import { announceCatalogChange, forwardNotifications } from './internal/notification-events.js';
import { RestartPolicy } from './internal/restart-policy.js';
import { SessionSettings } from './internal/session-settings.js';
import { toTransportError } from './internal/to-transport-error.js';
import { TypedEmitter } from './internal/typed-emitter.js';
import { parseSupervisionOptions, type SupervisionOptions } from './supervision-options.js';
import { TransportError } from './transport-error.js';

const defaultClientInfo: Implementation = { name: 'mcs-transports', version: '0.1.0' };
/** stderr lines kept per backend to explain a failed start. */
const stderrTailLines = 10;
type SdkRequestOptions = { signal?: AbortSignal; timeout: number };

/** The supervised implementation of {@link BackendConnection} for every transport kind. */
class McpBackendConnection implements BackendConnection {
  readonly name: string;
  readonly transport: BackendTransportKind;
  readonly #config: BackendConfig;
  readonly #options: SupervisionOptions;
  readonly #clientInfo: Implementation;
  readonly #tokenProvider: TokenProvider | undefined;
  readonly #events = new TypedEmitter<BackendEventMap>();
  readonly #breaker: BackendBreaker;
  readonly #statusWaiters = new Set<() => void>();
  readonly #settings: SessionSettings;
  readonly #restartPolicy: RestartPolicy;
  readonly #pings: HealthPings;
  readonly #stderrTail: string[] = [];
  #status: BackendStatus = 'idle';
  #session: BackendSession | undefined;
  #pendingSession: BackendSession | undefined;
  #opening: Promise<BackendSession> | undefined;
  #closing: Promise<void> | undefined;
  #generation = 0;
  #restarts = 0;
  #everReady = false;
  #lastError: TransportError | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #serverCapabilities: ServerCapabilities | undefined;
  #serverInfo: Implementation | undefined;
  #instructions: string | undefined;

  constructor(name: string, config: unknown, options: BackendConnectionOptions = {}) {
    if (typeof name !== 'string' || name.trim().length === 0) {
      throw new TransportError('CONFIG_INVALID', 'a backend needs a non-empty name');
    }
    this.name = name;
    this.#config = parseBackendConfig(name, config);
    this.transport = this.#config.transport;
    this.#options = parseSupervisionOptions(name, options.supervision);
    this.#clientInfo = options.clientInfo ?? defaultClientInfo;
    this.#tokenProvider = options.tokenProvider;
    this.#settings = new SessionSettings(name, this.#events);
    this.#restartPolicy = new RestartPolicy(this.#options.restart);
    this.#pings = new HealthPings({
      backend: name,
      options: this.#options.health,
      events: this.#events,
      isClosing: () => this.#closing !== undefined,
      replaceSession: (session, reason, how) => this.#replaceSession(session, reason, how),
    });
    this.#breaker = new BackendBreaker(name, this.#options.breaker, this.#events);
  }

  get status(): BackendStatus {
    return this.#status;
  }
  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#serverCapabilities;
  }
  get serverInfo(): Implementation | undefined {
    return this.#serverInfo;
  }
  get instructions(): string | undefined {
    return this.#instructions;
  }
  get pid(): number | undefined {
    return (this.#session ?? this.#pendingSession)?.pid;
  }
  get breakerState(): CircuitBreakerState {
    return this.#breaker.state;
  }
  get restarts(): number {
    return this.#restarts;
  }

  on<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): () => void {
    return this.#events.on(event, listener);
  }
  off<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): void {
    this.#events.off(event, listener);
  }

  async connect(options: RequestOptions = {}): Promise<void> {
    if (this.#closing) throw closedError(this.name, 'connect');
    if (this.#status === 'ready') return;
    if (this.#status === 'idle' || this.#status === 'failed') {
      this.#restartPolicy.reset();
      this.#setStatus('connecting');
      try {
        await this.#openSession();
      } catch (error) {
        const failure = toTransportError(error, { backend: this.name, method: 'initialize' });
        this.#scheduleRestart(failure);
        throw failure;
      }
      return;
    }
    await this.#whenReady('connect', options.signal, options.timeoutMs ?? this.#options.connectTimeoutMs);
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async listTools(options: RequestOptions = {}): Promise<Tool[]> {
    const result = await this.#request('tools/list', options, (client, sdk) =>
      client.listTools(undefined, { ...sdk, cacheMode: 'refresh' }),
    );
    return result.tools;
  }

  callTool(name: string, args: Record<string, unknown> = {}, options: CallToolOptions = {}): Promise<CallToolResult> {
    const { onProgress } = options;
    return this.#request(
      'tools/call',
      options,
      (client, sdk) =>
        client.callTool(
          { name, arguments: args },
          {
            ...sdk,
            resetTimeoutOnProgress: options.resetTimeoutOnProgress ?? true,
            ...(options.maxTotalTimeoutMs === undefined ? {} : { maxTotalTimeout: options.maxTotalTimeoutMs }),
            ...(onProgress
              ? {
                  onprogress: ({ progress, total, message }) =>
                    onProgress({
                      progress,
                      ...(total === undefined ? {} : { total }),
                      ...(message === undefined ? {} : { message }),
                    }),
                }
              : {}),
          },
        ),
      name,
    );
  }

  async listResources(options: RequestOptions = {}): Promise<Resource[]> {
    const result = await this.#request('resources/list', options, (client, sdk) =>
      client.listResources(undefined, { ...sdk, cacheMode: 'refresh' }),
    );
    return result.resources;
  }

  async listResourceTemplates(options: RequestOptions = {}): Promise<ResourceTemplateType[]> {
    const result = await this.#request('resources/templates/list', options, (client, sdk) =>
      client.listResourceTemplates(undefined, { ...sdk, cacheMode: 'refresh' }),
    );
    return result.resourceTemplates;
  }

  readResource(uri: string, options: RequestOptions = {}): Promise<ReadResourceResult> {
    return this.#request('resources/read', options, (client, sdk) =>
      client.readResource({ uri }, { ...sdk, cacheMode: 'refresh' }),
    );
  }

  async subscribeResource(uri: string, options: RequestOptions = {}): Promise<void> {
    await this.#request('resources/subscribe', options, (client, sdk) => client.subscribeResource({ uri }, sdk));
    this.#settings.subscriptions.add(uri);
  }

  async unsubscribeResource(uri: string, options: RequestOptions = {}): Promise<void> {
    this.#settings.subscriptions.delete(uri);
    await this.#request('resources/unsubscribe', options, (client, sdk) => client.unsubscribeResource({ uri }, sdk));
  }

  async listPrompts(options: RequestOptions = {}): Promise<Prompt[]> {
    const result = await this.#request('prompts/list', options, (client, sdk) =>
      client.listPrompts(undefined, { ...sdk, cacheMode: 'refresh' }),
    );
    return result.prompts;
  }

  getPrompt(name: string, args: Record<string, string> = {}, options: RequestOptions = {}): Promise<GetPromptResult> {
    return this.#request('prompts/get', options, (client, sdk) => client.getPrompt({ name, arguments: args }, sdk));
  }

  async setLoggingLevel(level: LoggingLevel, options: RequestOptions = {}): Promise<void> {
    await this.#request('logging/setLevel', options, (client, sdk) => client.setLoggingLevel(level, sdk));
    this.#settings.loggingLevel = level;
  }

  async ping(options: RequestOptions = {}): Promise<number> {
    const started = performance.now();
    await this.#request('ping', options, (client, sdk) => client.ping(sdk));
    return performance.now() - started;
  }

  // ---- requests -------------------------------------------------------------------------------

  /**
   * Runs one request on the current session: waits (bounded by the call's timeout) while the backend
   * (re)starts, goes through the circuit breaker, re-initializes once on an expired HTTP session,
   * and reports every outcome as a `request` event.
   */
  async #request<T>(
    method: string,
    options: RequestOptions,
    send: (client: Client, sdk: SdkRequestOptions) => Promise<T>,
    tool?: string,
  ): Promise<T> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs;
    const remaining = () => Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
    const { signal } = options;
    try {
      if (this.#closing) throw closedError(this.name, method);
      if (signal?.aborted) throw toTransportError(signal.reason, { backend: this.name, method, signal });
      const value = await this.#breaker.execute(
        () => this.#attempt(method, options, send, remaining),
        (error) => toTransportError(error, { backend: this.name, method, signal }),
      );
      this.#events.emit('request', { backend: this.name, method, tool, durationMs: performance.now() - started });
      return value;
    } catch (error) {
      // Failures that came through the breaker are TransportErrors already and stay as they are.
      const failure = toTransportError(error, {
        backend: this.name,
        method,
        signal,
        closed: this.#closing !== undefined,
      });
      this.#events.emit('request', {
        backend: this.name,
        method,
        tool,
        durationMs: performance.now() - started,
        error: failure,
      });
      throw failure;
    }
  }

  async #attempt<T>(
    method: string,
    options: RequestOptions,
    send: (client: Client, sdk: SdkRequestOptions) => Promise<T>,
    remaining: () => number,
  ): Promise<T> {
    const { signal } = options;
    for (let attempt = 0; ; attempt++) {
      const session = await this.#whenReady(method, signal, remaining());
      const budget = remaining();
      try {
        return await send(session.client, { ...(signal ? { signal } : {}), timeout: budget });
      } catch (error) {
        const failure = toTransportError(error, {
          backend: this.name,
          method,
          signal,
          timeoutMs: budget,
          exit: session.exit,
          closed: this.#closing !== undefined,
        });
        if (failure.code === 'SESSION_EXPIRED') {
          this.#replaceSession(session, failure, { immediate: true });
          // The server never saw the request under the dead session, so one retry is safe.
          if (attempt === 0) continue;
        } else if (failure.code === 'BACKEND_UNAVAILABLE' && this.transport !== 'stdio') {
          this.#replaceSession(session, failure, { immediate: false });
        }
        throw failure;
      }
    }
  }

  /** Resolves with the ready session, waiting through connects and restarts up to `timeoutMs`. */
  async #whenReady(method: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<BackendSession> {
    if (this.#status === 'idle') {
      // Lazy connect: its failure is kept in #lastError and reported below to every waiter.
      this.connect().catch(() => undefined);
    }
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.#closing) throw closedError(this.name, method);
      if (signal?.aborted) throw toTransportError(signal.reason, { backend: this.name, method, signal });
      if (this.#status === 'ready' && this.#session) return this.#session;
      if (this.#status === 'failed') {
        throw backendDownError(this.name, this.#lastError);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw notReadyError(this.name, this.#status, method, timeoutMs, this.#lastError);
      }
      await this.#nextStatusChange(signal, left);
    }
  }

  #nextStatusChange(signal: AbortSignal | undefined, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#statusWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#statusWaiters.add(done);
    });
  }

  // ---- sessions -------------------------------------------------------------------------------

  /** Opens a new session (single flight) and makes it current. */
  #openSession(): Promise<BackendSession> {
    this.#opening ??= this.#doOpenSession().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #doOpenSession(): Promise<BackendSession> {
    const session = new BackendSession({
      generation: ++this.#generation,
      backend: this.name,
      config: this.#config,
      clientInfo: this.#clientInfo,
      hooks: {
        tokenProvider: this.#tokenProvider,
        shutdownGraceMs: this.#options.shutdownGraceMs,
        onStderrLine: (line) => this.#onStderrLine(line),
      },
      events: this.#events,
    });
    this.#installHandlers(session);
    this.#pendingSession = session;
    const { connectTimeoutMs } = this.#options;
    try {
      await session.start(connectTimeoutMs);
      if (this.#closing) throw closedError(this.name, 'initialize');
      await this.#settings.reapply(session.client, connectTimeoutMs);
    } catch (error) {
      session.retired = true;
      await session.dispose({ graceful: false });
      throw this.#closing
        ? closedError(this.name, 'initialize')
        : connectError(this.name, error, {
            transport: this.transport,
            connectTimeoutMs,
            exit: session.exit,
            stderrTail: this.#stderrTail,
          });
    } finally {
      if (this.#pendingSession === session) this.#pendingSession = undefined;
    }
    session.readyAt = Date.now();
    this.#session = session;
    this.#serverCapabilities = session.client.getServerCapabilities();
    this.#serverInfo = session.client.getServerVersion();
    this.#instructions = session.client.getInstructions();
    this.#setStatus('ready');
    this.#pings.start(session);
    if (this.#everReady) announceCatalogChange(this.#serverCapabilities, this.name, this.#events);
    this.#everReady = true;
    return session;
  }

  #installHandlers(session: BackendSession): void {
    const { client } = session;
    client.onclose = () => this.#onSessionClosed(session);
    client.onerror = (error) => {
      if (session.retired) return;
      // Kept so that the next failure message can mention it.
      this.#lastError = toTransportError(error, { backend: this.name, method: 'transport' });
      // A legacy SSE stream that drops is not closed by the SDK: its EventSource reconnects to a
      // fresh, uninitialized server session and later POSTs go nowhere. Start over instead.
      if (error instanceof SseError && this.transport === 'sse' && session === this.#session) {
        this.#replaceSession(session, sseDroppedError(this.name, error), { immediate: false });
      }
    };
    forwardNotifications(session, this.name, this.#events);
  }

  #onSessionClosed(session: BackendSession): void {
    // A session that never became current failed its connect; the connect path handles that.
    if (session.retired || this.#closing || session !== this.#session) return;
    const reason = sessionLostError(this.name, session.exit, this.#lastError);
    this.#replaceSession(session, reason, { immediate: false });
  }

  /**
   * Retires `session` (once, whoever notices first) and starts a new one: at once for an expired
   * HTTP session (the server is up, it just forgot us), after a backoff delay otherwise.
   */
  #replaceSession(session: BackendSession, reason: TransportError, { immediate }: { immediate: boolean }): void {
    if (session.retired || this.#closing) return;
    session.retired = true;
    if (this.#session === session) this.#session = undefined;
    this.#pings.stop();
    this.#restartPolicy.sessionEnded(session.readyAt > 0 ? Date.now() - session.readyAt : 0);
    this.#lastError = reason;
    session.reportExit();
    void session.dispose({ graceful: false });
    if (!immediate) {
      this.#scheduleRestart(reason);
      return;
    }
    this.#announceRestart(0, 0, reason);
    this.#reopen();
  }

  #scheduleRestart(reason: TransportError): void {
    if (this.#closing) return;
    this.#lastError = reason;
    const next = this.#restartPolicy.nextAfterFailure();
    if ('gaveUpAfter' in next) {
      const gaveUp = restartsGivenUpError(this.name, next.gaveUpAfter, reason);
      this.#lastError = gaveUp;
      this.#setStatus('failed', gaveUp);
      return;
    }
    this.#announceRestart(next.attempt, next.delayMs, reason);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#reopen();
    }, next.delayMs);
  }

  /** `attempt` 0 is an immediate re-initialization, 1.. the consecutive failed restarts. */
  #announceRestart(attempt: number, delayMs: number, reason: TransportError): void {
    this.#restarts++;
    this.#setStatus('restarting', reason);
    this.#events.emit('restart', { backend: this.name, attempt, delayMs, reason });
  }

  /** Opens the replacement session; its failure counts as one more failed restart. */
  #reopen(): void {
    this.#openSession().catch((error) =>
      this.#scheduleRestart(toTransportError(error, { backend: this.name, method: 'initialize' })),
    );
  }

  async #shutdown(): Promise<void> {
    clearTimeout(this.#restartTimer);
    this.#pings.stop();
    const sessions = [this.#session, this.#pendingSession].filter((session) => session !== undefined);
    this.#session = undefined;
    this.#pendingSession = undefined;
    for (const session of sessions) session.retired = true;
    for (const done of [...this.#statusWaiters]) done();
    await Promise.all(sessions.map((session) => session.dispose({ graceful: true })));
    await this.#opening?.catch(() => undefined);
    this.#setStatus('closed');
    this.#events.clear();
  }

  // ---- helpers --------------------------------------------------------------------------------

  #setStatus(status: BackendStatus, error?: TransportError): void {
    const previous = this.#status;
    if (previous === status || previous === 'closed') return;
    this.#status = status;
    this.#events.emit('status', { backend: this.name, status, previous, ...(error ? { error } : {}) });
    for (const done of [...this.#statusWaiters]) done();
  }

  #onStderrLine(line: string): void {
    this.#stderrTail.push(line);
    if (this.#stderrTail.length > stderrTailLines) this.#stderrTail.shift();
    this.#events.emit('stderr', { backend: this.name, line });
  }
}

/**
 * Creates the connection for one backend. The config is validated here (`CONFIG_INVALID` names each
 * bad field); nothing starts until `connect()` or the first request.
 */
export function createBackendConnection(
  name: string,
  config: unknown,
  options: BackendConnectionOptions = {},
): BackendConnection {
  return new McpBackendConnection(name, config, options);
}
