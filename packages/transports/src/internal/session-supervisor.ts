import {
  type ClientCapabilities,
  type Implementation,
  type ServerCapabilities,
  SseError,
} from '@modelcontextprotocol/client';
import type { BackendConfig } from '../backend-config.js';
import type {
  BackendAuthorization,
  BackendEventMap,
  BackendProtocol,
  ClientRequestHandlers,
  TokenProvider,
} from '../backend-connection.js';
import type { SupervisionOptions } from '../supervision-options.js';
import type { TransportError } from '../transport-error.js';
import { BackendSession } from './backend-session.js';
import { closedError, connectError, sessionLostError, sseDroppedError } from './connection-errors.js';
import type { ConnectionStatus } from './connection-status.js';
import { HealthPings } from './health-pings.js';
import { announceCatalogChange, forwardNotifications } from './notification-events.js';
import { RestartScheduler } from './restart-scheduler.js';
import type { SessionSettings } from './session-settings.js';
import { toTransportError } from './to-transport-error.js';
import type { TypedEmitter } from './typed-emitter.js';

/** stderr lines kept per backend to explain a failed start. */
const stderrTailLines = 10;

export interface SessionSupervisorInit {
  backend: string;
  config: BackendConfig;
  options: SupervisionOptions;
  clientInfo: Implementation;
  capabilities: ClientCapabilities;
  requestHandlers: ClientRequestHandlers;
  protocol: BackendProtocol;
  tokenProvider: TokenProvider | undefined;
  authorization: BackendAuthorization | undefined;
  events: TypedEmitter<BackendEventMap>;
  settings: SessionSettings;
  status: ConnectionStatus;
  /** close() was called: nothing new starts, and failures are reported as `NOT_CONNECTED`. */
  isClosing: () => boolean;
}

/**
 * Keeps one live MCP session with the backend: opens it (single flight), notices when it is lost
 * (process exit, closed transport, dropped SSE stream, failed pings, or a request that found it
 * gone), and replaces it at once or after a backoff delay (RestartScheduler). It moves the status
 * through `connecting`, `ready`, `restarting` and `failed`; ConnectionLifecycle adds `closed`.
 */
export class SessionSupervisor {
  readonly #backend: string;
  readonly #init: SessionSupervisorInit;
  readonly #options: SupervisionOptions;
  readonly #events: TypedEmitter<BackendEventMap>;
  readonly #status: ConnectionStatus;
  readonly #restarts: RestartScheduler;
  readonly #pings: HealthPings;
  readonly #stderrTail: string[] = [];
  #session: BackendSession | undefined;
  /** A session still connecting: close() must end it too, and `pid` already shows it. */
  #pendingSession: BackendSession | undefined;
  #opening: Promise<BackendSession> | undefined;
  #generation = 0;
  #everReady = false;
  #serverCapabilities: ServerCapabilities | undefined;
  #serverInfo: Implementation | undefined;
  #protocolVersion: string | undefined;
  #instructions: string | undefined;

  constructor(init: SessionSupervisorInit) {
    this.#backend = init.backend;
    this.#init = init;
    this.#options = init.options;
    this.#events = init.events;
    this.#status = init.status;
    this.#restarts = new RestartScheduler({
      backend: init.backend,
      options: init.options.restart,
      events: init.events,
      status: this.#status,
      isClosing: init.isClosing,
      openSession: () => this.#openSession(),
    });
    this.#pings = new HealthPings({
      backend: init.backend,
      options: init.options.health,
      events: init.events,
      isClosing: init.isClosing,
      replaceSession: (session, reason, how) => this.replaceSession(session, reason, how),
    });
  }

  /** The session requests go to; undefined while (re)connecting. */
  get current(): BackendSession | undefined {
    return this.#session;
  }
  get pid(): number | undefined {
    return (this.#session ?? this.#pendingSession)?.pid;
  }
  get restarts(): number {
    return this.#restarts.restarts;
  }
  // From the last `initialize`; kept while a replacement session starts.
  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#serverCapabilities;
  }
  get serverInfo(): Implementation | undefined {
    return this.#serverInfo;
  }
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }
  get instructions(): string | undefined {
    return this.#instructions;
  }

  /**
   * The first open after `idle` or `failed`, with a fresh backoff. When it fails, restarts are
   * scheduled in the background and the failure is thrown for connect() to report.
   */
  async start(): Promise<void> {
    this.#restarts.reset();
    this.#status.set('connecting');
    try {
      await this.#openSession();
    } catch (error) {
      const failure = toTransportError(error, { backend: this.#backend, method: 'initialize' });
      this.#restarts.afterFailure(failure);
      throw failure;
    }
  }

  /**
   * Starts over now (the user asked for it): waits for an open in progress, ends the current
   * session, drops a scheduled restart, and opens a new session as `start()` does.
   */
  async restartNow(): Promise<void> {
    this.#restarts.cancel();
    await this.#opening?.catch(() => undefined);
    const session = this.#session;
    if (session && !session.retired) {
      session.retired = true;
      this.#session = undefined;
      this.#pings.stop();
      await session.dispose({ graceful: true });
    }
    if (this.#init.isClosing()) throw closedError(this.#backend, 'reconnect');
    await this.start();
  }

  /**
   * Retires `session` (once, whoever notices first) and starts a new one: at once for an expired
   * HTTP session (the server is up, it just forgot us), after a backoff delay otherwise.
   */
  replaceSession(session: BackendSession, reason: TransportError, { immediate }: { immediate: boolean }): void {
    if (session.retired || this.#init.isClosing()) return;
    session.retired = true;
    if (this.#session === session) this.#session = undefined;
    this.#pings.stop();
    this.#restarts.sessionEnded(session.readyAt > 0 ? Date.now() - session.readyAt : 0);
    this.#status.lastError = reason;
    session.reportExit();
    void session.dispose({ graceful: false });
    if (immediate) this.#restarts.immediately(reason);
    else this.#restarts.afterFailure(reason);
  }

  /** Opens a new session (single flight) and makes it current. */
  #openSession(): Promise<BackendSession> {
    this.#opening ??= this.#doOpenSession().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #doOpenSession(): Promise<BackendSession> {
    const backend = this.#backend;
    const { config, settings } = this.#init;
    const session = new BackendSession({
      generation: ++this.#generation,
      backend,
      config,
      clientInfo: this.#init.clientInfo,
      capabilities: this.#init.capabilities,
      requestHandlers: this.#init.requestHandlers,
      protocol: this.#init.protocol,
      hooks: {
        tokenProvider: this.#init.tokenProvider,
        authorization: this.#init.authorization,
        shutdownGraceMs: this.#options.shutdownGraceMs,
        onStderrLine: (line) => this.#onStderrLine(line),
      },
      events: this.#events,
    });
    session.client.onclose = () => this.#onSessionClosed(session);
    session.client.onerror = (error) => this.#onSessionError(session, error);
    forwardNotifications(session, backend, this.#events);
    this.#pendingSession = session;
    const { connectTimeoutMs } = this.#options;
    try {
      await session.start(connectTimeoutMs);
      if (this.#init.isClosing()) throw closedError(backend, 'initialize');
      await settings.reapply(session.client, connectTimeoutMs);
    } catch (error) {
      session.retired = true;
      await session.dispose({ graceful: false });
      throw this.#init.isClosing()
        ? closedError(backend, 'initialize')
        : connectError(backend, error, {
            transport: config.transport,
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
    this.#protocolVersion = session.client.getNegotiatedProtocolVersion();
    this.#instructions = session.client.getInstructions();
    this.#status.set('ready');
    this.#pings.start(session);
    if (this.#everReady) announceCatalogChange(this.#serverCapabilities, backend, this.#events);
    this.#everReady = true;
    return session;
  }

  #onSessionError(session: BackendSession, error: Error): void {
    if (session.retired) return;
    // Kept so that the next failure message can mention it.
    this.#status.lastError = toTransportError(error, { backend: this.#backend, method: 'transport' });
    // A legacy SSE stream that drops is not closed by the SDK: its EventSource reconnects to a
    // fresh, uninitialized server session and later POSTs go nowhere. Start over instead.
    if (error instanceof SseError && this.#init.config.transport === 'sse' && session === this.#session) {
      this.replaceSession(session, sseDroppedError(this.#backend, error), { immediate: false });
    }
  }

  #onSessionClosed(session: BackendSession): void {
    // A session that never became current failed its connect; the connect path handles that.
    if (session.retired || this.#init.isClosing() || session !== this.#session) return;
    const reason = sessionLostError(this.#backend, session.exit, this.#status.lastError);
    this.replaceSession(session, reason, { immediate: false });
  }

  /**
   * close(): no more restarts or pings; ends the current and the connecting session (stdio: their
   * process groups) and waits for a connect attempt in progress to settle.
   */
  async stop(): Promise<void> {
    this.#restarts.cancel();
    this.#pings.stop();
    const sessions = [this.#session, this.#pendingSession].filter((session) => session !== undefined);
    this.#session = undefined;
    this.#pendingSession = undefined;
    for (const session of sessions) session.retired = true;
    await Promise.all(sessions.map((session) => session.dispose({ graceful: true })));
    await this.#opening?.catch(() => undefined);
  }

  #onStderrLine(line: string): void {
    this.#stderrTail.push(line);
    if (this.#stderrTail.length > stderrTailLines) this.#stderrTail.shift();
    this.#events.emit('stderr', { backend: this.#backend, line });
  }
}
