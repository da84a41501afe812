import { performance } from 'node:perf_hooks';
import type { BackendStatus, RequestOptions } from '../backend-connection.js';
import type { TransportError } from '../transport-error.js';
import type { BackendSession } from './backend-session.js';
import { backendDownError, closedError, notReadyError } from './connection-errors.js';
import { ConnectionStatus } from './connection-status.js';
import { SessionSupervisor, type SessionSupervisorInit } from './session-supervisor.js';
import { toTransportError } from './to-transport-error.js';

/** The last attempt failed on the credentials (refused token, sign-in needed): see `connectError`. */
function isCredentialsFailure(error: TransportError | undefined): error is TransportError {
  return error?.category === 'unauthenticated' || error?.category === 'permission_denied';
}

export type ConnectionLifecycleInit = Omit<SessionSupervisorInit, 'status' | 'isClosing'>;

/**
 * The connection's state machine as its callers see it: `idle` -> `connecting` -> `ready`, with
 * `restarting` and `failed` in between (SessionSupervisor's), and `closed` for good after close().
 * connect() and every request come through whenReady(), which waits out a (re)start within the
 * caller's own timeout instead of failing at once.
 */
export class ConnectionLifecycle {
  /** Keeps the session that this lifecycle hands out alive. */
  readonly sessions: SessionSupervisor;
  readonly #init: ConnectionLifecycleInit;
  readonly #status: ConnectionStatus;
  #closing: Promise<void> | undefined;

  constructor(init: ConnectionLifecycleInit) {
    this.#init = init;
    this.#status = new ConnectionStatus(init.backend, init.events);
    this.sessions = new SessionSupervisor({ ...init, status: this.#status, isClosing: () => this.closing });
  }

  get status(): BackendStatus {
    return this.#status.current;
  }

  /** close() was called: nothing new starts, and failures are reported as `NOT_CONNECTED`. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  async connect(options: RequestOptions = {}): Promise<void> {
    const status = this.#status;
    if (this.#closing) throw closedError(this.#init.backend, 'connect');
    if (status.current === 'ready') return;
    if (status.current === 'idle' || status.current === 'failed') {
      await this.sessions.start();
      return;
    }
    // Another connect or a restart is under way: wait for it like a request would.
    await this.whenReady('connect', options.signal, options.timeoutMs ?? this.#init.options.connectTimeoutMs);
  }

  /** See BackendConnection.reconnect. */
  async reconnect(): Promise<void> {
    if (this.#closing) throw closedError(this.#init.backend, 'reconnect');
    await this.sessions.restartNow();
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** The session when the connection is ready right now (no waiting, no promise); undefined otherwise. */
  readySession(): BackendSession | undefined {
    if (this.#closing || this.#status.current !== 'ready') return undefined;
    return this.sessions.current;
  }

  /** Resolves with the ready session, waiting through connects and restarts up to `timeoutMs`. */
  async whenReady(method: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<BackendSession> {
    const { backend } = this.#init;
    const { sessions } = this;
    const status = this.#status;
    if (status.current === 'idle') {
      // Lazy connect: its failure is kept in the status's lastError and reported below to every waiter.
      this.connect().catch(() => undefined);
    }
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.#closing) throw closedError(backend, method);
      if (signal?.aborted) throw toTransportError(signal.reason, { backend, method, signal });
      const current = status.current;
      if (current === 'ready' && sessions.current) return sessions.current;
      if (current === 'failed') throw backendDownError(backend, status.lastError);
      // Refused credentials are not an outage: a restart will not fix them while the caller waits.
      if (current === 'restarting' && isCredentialsFailure(status.lastError)) throw status.lastError;
      const left = deadline - performance.now();
      if (left <= 0) throw notReadyError(backend, current, method, timeoutMs, status.lastError);
      await status.nextChange(signal, left);
    }
  }

  async #shutdown(): Promise<void> {
    const stopped = this.sessions.stop();
    // Waiters look again at once and find the connection closing.
    this.#status.wakeAll();
    await stopped;
    this.#status.set('closed');
    this.#init.events.clear();
  }
}
