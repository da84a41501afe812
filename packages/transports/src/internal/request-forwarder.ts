import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import type { BackendTransportKind } from '../backend-config.js';
import type { BackendEventMap, RequestOptions } from '../backend-connection.js';
import type { BackendBreaker, BreakerPermit } from './backend-breaker.js';
import type { BackendSession } from './backend-session.js';
import { closedError } from './connection-errors.js';
import type { ConnectionLifecycle } from './connection-lifecycle.js';
import { toTransportError } from './to-transport-error.js';
import type { TypedEmitter } from './typed-emitter.js';

/** The options every SDK request method takes, with the timeout left for this attempt. */
export type SdkRequestOptions = { signal?: AbortSignal; timeout: number };
/** Sends one request with the SDK client of the current session. */
export type SendRequest<T> = (client: Client, sdk: SdkRequestOptions) => Promise<T>;

export interface RequestForwarderInit {
  backend: string;
  transport: BackendTransportKind;
  /** Default timeout of a request that brings none. */
  requestTimeoutMs: number;
  events: TypedEmitter<BackendEventMap>;
  lifecycle: ConnectionLifecycle;
  breaker: BackendBreaker;
  /**
   * Bound of each recovery ping while the breaker is open: the backend's `health.pingTimeoutMs`, the
   * one setting that says how long this backend may take to answer a ping (it was a fixed 5 s, so a
   * backend allowed longer never half-opened the breaker, and a shorter setting was ignored).
   */
  pingTimeoutMs: number;
}

/**
 * Runs callers' requests on the shared session: waits (bounded by the call's timeout) while the
 * backend (re)starts, goes through the circuit breaker, re-initializes once on an expired HTTP
 * session, and reports every outcome as a `request` event.
 */
export class RequestForwarder {
  readonly #init: RequestForwarderInit;

  constructor(init: RequestForwarderInit) {
    this.#init = init;
    // While the breaker is open it pings the ready session to learn when the backend answers again.
    const { lifecycle } = init;
    init.breaker.useRecoveryPing(() => {
      if (lifecycle.closing) return Promise.resolve('closed');
      const session = lifecycle.readySession();
      if (session === undefined) return Promise.reject(new Error('no ready session'));
      return session.client.ping({ timeout: init.pingTimeoutMs });
    });
  }

  /**
   * Written with plain promise reactions rather than async functions, and one reaction per attempt
   * for the breaker, the session handling and the `request` event together: every request of every
   * caller takes this path, and each promise layer costs a microtask turn and allocations on top of
   * the SDK's own work (bench/provider-sdk compares the pool with the bare SDK client).
   */
  send<T>(method: string, options: RequestOptions, send: SendRequest<T>, tool?: string): Promise<T> {
    const { backend, lifecycle, events, breaker } = this.#init;
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#init.requestTimeoutMs;
    const remaining = () => Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
    const { signal } = options;
    const failed = (error: unknown): never => {
      // Failures from the attempts are TransportErrors already and stay as they are.
      const failure = toTransportError(error, { backend, method, signal, closed: lifecycle.closing });
      events.emit('request', { backend, method, tool, durationMs: performance.now() - started, error: failure });
      throw failure;
    };
    let permit: BreakerPermit;
    try {
      if (lifecycle.closing) throw closedError(backend, method);
      if (signal?.aborted) throw toTransportError(signal.reason, { backend, method, signal });
      permit = breaker.admit();
    } catch (error) {
      return Promise.reject(error).catch(failed);
    }
    const succeeded = (value: T): T => {
      breaker.succeeded(permit);
      events.emit('request', { backend, method, tool, durationMs: performance.now() - started });
      return value;
    };
    const sendOn = (session: BackendSession, attempt: number): Promise<T> => {
      const budget = remaining();
      const onFailure = (error: unknown): Promise<T> => {
        const failure = toTransportError(error, {
          backend,
          method,
          signal,
          timeoutMs: budget,
          exit: session.exit,
          closed: lifecycle.closing,
        });
        if (failure.code === 'SESSION_EXPIRED') {
          lifecycle.sessions.replaceSession(session, failure, { immediate: true });
          // The server never saw the request under the dead session, so one retry is safe.
          if (attempt === 0) return start(1);
        } else if (failure.code === 'BACKEND_UNAVAILABLE' && this.#init.transport !== 'stdio') {
          lifecycle.sessions.replaceSession(session, failure, { immediate: false });
        }
        breaker.failed(permit, failure);
        return failed(failure);
      };
      let sent: Promise<T>;
      try {
        sent = send(session.client, signal ? { signal, timeout: budget } : { timeout: budget });
      } catch (error) {
        // Handled like a rejection: send() must never throw synchronously.
        sent = Promise.reject(error);
      }
      return sent.then(succeeded, onFailure);
    };
    // The ready session is taken without waiting; otherwise wait (bounded) for a (re)start.
    const start = (attempt: number): Promise<T> => {
      const ready = lifecycle.readySession();
      if (ready) return sendOn(ready, attempt);
      return lifecycle.whenReady(method, signal, remaining()).then(
        (session) => sendOn(session, attempt),
        (error: unknown) => {
          const failure = toTransportError(error, { backend, method, signal });
          breaker.failed(permit, failure);
          return failed(failure);
        },
      );
    };
    return start(0);
  }
}
