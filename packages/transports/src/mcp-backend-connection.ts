import { performance } from 'node:perf_hooks';
import {
  type CallToolResult,
  Client,
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
import { restartDelayMs } from './internal/backoff.js';
import {
  backendDownError,
  closedError,
  connectError,
  notReadyError,
  restartsGivenUpError,
  sessionLostError,
  sseDroppedError,
} from './internal/connection-errors.js';
import { type CreatedTransport, createTransport } from './internal/create-transport.js';
import { toTransportError } from './internal/to-transport-error.js';
import { TypedEmitter } from './internal/typed-emitter.js';
import { parseSupervisionOptions, type SupervisionOptions } from './supervision-options.js';
import { TransportError } from './transport-error.js';

const defaultClientInfo: Implementation = { name: 'mcs-transports', version: '0.1.0' };
/** stderr lines kept per backend to explain a failed start. */
const stderrTailLines = 10;
/** Budget for the HTTP session DELETE on close(); the server forgets idle sessions anyway. */
const terminateSessionTimeoutMs = 1_000;

interface Session {
  readonly generation: number;
  readonly client: Client;
  readonly created: CreatedTransport;
  readyAt: number;
  /** No longer the connection's session (closed, lost, or replaced); its events are ignored. */
  retired: boolean;
  exitReported: boolean;
}

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
  readonly #subscriptions = new Set<string>();
  readonly #stderrTail: string[] = [];
  #status: BackendStatus = 'idle';
  #session: Session | undefined;
  #pendingSession: Session | undefined;
  #opening: Promise<Session> | undefined;
  #closing: Promise<void> | undefined;
  #generation = 0;
  #failedAttempts = 0;
  #restarts = 0;
  #pingFailures = 0;
  #everReady = false;
  #lastError: TransportError | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #loggingLevel: LoggingLevel | undefined;
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
    return (this.#session ?? this.#pendingSession)?.created.stdio?.pid;
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
      this.#failedAttempts = 0;
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
    this.#subscriptions.add(uri);
  }

  async unsubscribeResource(uri: string, options: RequestOptions = {}): Promise<void> {
    this.#subscriptions.delete(uri);
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
    this.#loggingLevel = level;
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
          exit: session.created.stdio?.exitInfo,
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
  async #whenReady(method: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<Session> {
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
  #openSession(): Promise<Session> {
    this.#opening ??= this.#doOpenSession().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #doOpenSession(): Promise<Session> {
    const created = createTransport(this.#config, {
      tokenProvider: this.#tokenProvider,
      shutdownGraceMs: this.#options.shutdownGraceMs,
      onStderrLine: (line) => this.#onStderrLine(line),
    });
    const session: Session = {
      generation: ++this.#generation,
      client: new Client(this.#clientInfo, { capabilities: {} }),
      created,
      readyAt: 0,
      retired: false,
      exitReported: false,
    };
    this.#installHandlers(session);
    this.#pendingSession = session;
    try {
      if (created.serverSide && this.#config.transport === 'in-memory') {
        await this.#config.server.connect(created.serverSide);
      }
      await session.client.connect(created.transport, { timeout: this.#options.connectTimeoutMs });
      if (this.#closing) throw closedError(this.name, 'initialize');
      await this.#restoreSessionState(session);
    } catch (error) {
      session.retired = true;
      await this.#disposeSession(session, { graceful: false });
      throw this.#closing
        ? closedError(this.name, 'initialize')
        : connectError(this.name, error, {
            transport: this.transport,
            connectTimeoutMs: this.#options.connectTimeoutMs,
            exit: session.created.stdio?.exitInfo,
            stderrTail: this.#stderrTail,
          });
    } finally {
      if (this.#pendingSession === session) this.#pendingSession = undefined;
    }
    session.readyAt = Date.now();
    this.#session = session;
    this.#pingFailures = 0;
    this.#serverCapabilities = session.client.getServerCapabilities();
    this.#serverInfo = session.client.getServerVersion();
    this.#instructions = session.client.getInstructions();
    this.#setStatus('ready');
    this.#schedulePing(session);
    if (this.#everReady) this.#announceCatalogChange();
    this.#everReady = true;
    return session;
  }

  #installHandlers(session: Session): void {
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
    const listChanged = (kind: ListChangedKind) => () => {
      if (!session.retired) this.#events.emit('list_changed', { backend: this.name, kind });
    };
    client.setNotificationHandler('notifications/tools/list_changed', listChanged('tools'));
    client.setNotificationHandler('notifications/resources/list_changed', listChanged('resources'));
    client.setNotificationHandler('notifications/prompts/list_changed', listChanged('prompts'));
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      if (!session.retired) this.#events.emit('resource_updated', { backend: this.name, uri: notification.params.uri });
    });
    client.setNotificationHandler('notifications/message', (notification) => {
      if (session.retired) return;
      const { level, logger, data } = notification.params;
      this.#events.emit('log', { backend: this.name, level, ...(logger === undefined ? {} : { logger }), data });
    });
  }

  /** Re-applies what callers asked of the previous session (subscriptions, log level). */
  async #restoreSessionState(session: Session): Promise<void> {
    const timeout = this.#options.connectTimeoutMs;
    const restore = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        const failure = toTransportError(error, { backend: this.name, method: what });
        this.#events.emit('log', {
          backend: this.name,
          level: 'warning',
          logger: 'mcs-transports',
          data: `could not restore ${what} after reconnecting: ${failure.message}`,
        });
      }
    };
    if (this.#loggingLevel) {
      const level = this.#loggingLevel;
      await restore('logging/setLevel', () => session.client.setLoggingLevel(level, { timeout }));
    }
    for (const uri of this.#subscriptions) {
      await restore(`resources/subscribe ${uri}`, () => session.client.subscribeResource({ uri }, { timeout }));
    }
  }

  /** After a restart the backend's catalog may differ: tell listeners to re-list what it offers. */
  #announceCatalogChange(): void {
    const capabilities = this.#serverCapabilities ?? {};
    for (const kind of ['tools', 'resources', 'prompts'] as const) {
      if (capabilities[kind]) this.#events.emit('list_changed', { backend: this.name, kind });
    }
  }

  #onSessionClosed(session: Session): void {
    // A session that never became current failed its connect; the connect path handles that.
    if (session.retired || this.#closing || session !== this.#session) return;
    const reason = sessionLostError(this.name, session.created.stdio?.exitInfo, this.#lastError);
    this.#replaceSession(session, reason, { immediate: false });
  }

  /**
   * Retires `session` (once, whoever notices first) and starts a new one: at once for an expired
   * HTTP session (the server is up, it just forgot us), after a backoff delay otherwise.
   */
  #replaceSession(session: Session, reason: TransportError, { immediate }: { immediate: boolean }): void {
    if (session.retired || this.#closing) return;
    session.retired = true;
    if (this.#session === session) this.#session = undefined;
    clearTimeout(this.#pingTimer);
    const uptimeMs = session.readyAt > 0 ? Date.now() - session.readyAt : 0;
    if (uptimeMs >= this.#options.restart.stableAfterMs) this.#failedAttempts = 0;
    this.#lastError = reason;
    this.#reportExit(session);
    void this.#disposeSession(session, { graceful: false });
    if (!immediate) {
      this.#scheduleRestart(reason);
      return;
    }
    this.#restarts++;
    this.#setStatus('restarting', reason);
    this.#events.emit('restart', { backend: this.name, attempt: 0, delayMs: 0, reason });
    this.#openSession().catch((error) =>
      this.#scheduleRestart(toTransportError(error, { backend: this.name, method: 'initialize' })),
    );
  }

  #scheduleRestart(reason: TransportError): void {
    if (this.#closing) return;
    this.#lastError = reason;
    this.#failedAttempts++;
    const { maxAttempts } = this.#options.restart;
    if (maxAttempts !== undefined && this.#failedAttempts > maxAttempts) {
      const gaveUp = restartsGivenUpError(this.name, maxAttempts, reason);
      this.#lastError = gaveUp;
      this.#setStatus('failed', gaveUp);
      return;
    }
    const delayMs = restartDelayMs(this.#failedAttempts, this.#options.restart);
    this.#restarts++;
    this.#setStatus('restarting', reason);
    this.#events.emit('restart', { backend: this.name, attempt: this.#failedAttempts, delayMs, reason });
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#openSession().catch((error) =>
        this.#scheduleRestart(toTransportError(error, { backend: this.name, method: 'initialize' })),
      );
    }, delayMs);
  }

  #schedulePing(session: Session): void {
    const { pingIntervalMs } = this.#options.health;
    if (pingIntervalMs === 0 || session.retired) return;
    clearTimeout(this.#pingTimer);
    this.#pingTimer = setTimeout(() => void this.#pingOnce(session), pingIntervalMs);
    // Health pings alone must not keep a process alive.
    this.#pingTimer.unref();
  }

  async #pingOnce(session: Session): Promise<void> {
    if (session.retired || this.#closing) return;
    const { pingTimeoutMs, failuresBeforeRestart } = this.#options.health;
    const started = performance.now();
    try {
      await session.client.ping({ timeout: pingTimeoutMs });
      this.#pingFailures = 0;
      this.#events.emit('health', { backend: this.name, ok: true, latencyMs: performance.now() - started });
    } catch (error) {
      if (session.retired) return;
      const failure = toTransportError(error, {
        backend: this.name,
        method: 'ping',
        timeoutMs: pingTimeoutMs,
        exit: session.created.stdio?.exitInfo,
      });
      this.#pingFailures++;
      this.#events.emit('health', {
        backend: this.name,
        ok: false,
        latencyMs: performance.now() - started,
        error: failure,
      });
      if (failure.code === 'SESSION_EXPIRED') {
        this.#replaceSession(session, failure, { immediate: true });
        return;
      }
      if (this.#pingFailures >= failuresBeforeRestart) {
        this.#replaceSession(session, failure, { immediate: false });
        return;
      }
    }
    this.#schedulePing(session);
  }

  /** Ends a session's transport; for stdio that means the whole process group is gone afterwards. */
  async #disposeSession(session: Session, { graceful }: { graceful: boolean }): Promise<void> {
    const { client, created } = session;
    try {
      if (graceful && created.http?.sessionId) {
        const http = created.http;
        await Promise.race([
          http.terminateSession(),
          new Promise((resolve) => setTimeout(resolve, terminateSessionTimeoutMs).unref()),
        ]);
      }
    } catch {
      // Best effort: a server that cannot delete the session expires it on its own.
    }
    try {
      await client.close();
    } catch {
      // The transport may already be broken; the stdio close below is what must not be skipped.
    }
    if (created.stdio) await created.stdio.close();
    this.#reportExit(session);
  }

  #reportExit(session: Session): void {
    const exit = session.created.stdio?.exitInfo;
    if (!exit || session.exitReported) return;
    session.exitReported = true;
    this.#events.emit('exit', { backend: this.name, ...exit });
  }

  async #shutdown(): Promise<void> {
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#pingTimer);
    const sessions = [this.#session, this.#pendingSession].filter((session) => session !== undefined);
    this.#session = undefined;
    this.#pendingSession = undefined;
    for (const session of sessions) session.retired = true;
    for (const done of [...this.#statusWaiters]) done();
    await Promise.all(sessions.map((session) => this.#disposeSession(session, { graceful: true })));
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
