import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import type { BackendTransportKind } from '../backend-config.js';
import type { BackendEventMap, RequestOptions } from '../backend-connection.js';
import type { BackendBreaker } from './backend-breaker.js';
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
  }

  async send<T>(method: string, options: RequestOptions, send: SendRequest<T>, tool?: string): Promise<T> {
    const { backend, lifecycle, events } = this.#init;
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#init.requestTimeoutMs;
    const remaining = () => Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
    const { signal } = options;
    try {
      if (lifecycle.closing) throw closedError(backend, method);
      if (signal?.aborted) throw toTransportError(signal.reason, { backend, method, signal });
      const value = await this.#init.breaker.execute(
        () => this.#attempt(method, options, send, remaining),
        (error) => toTransportError(error, { backend, method, signal }),
      );
      events.emit('request', { backend, method, tool, durationMs: performance.now() - started });
      return value;
    } catch (error) {
      // Failures that came through the breaker are TransportErrors already and stay as they are.
      const failure = toTransportError(error, { backend, method, signal, closed: lifecycle.closing });
      events.emit('request', { backend, method, tool, durationMs: performance.now() - started, error: failure });
      throw failure;
    }
  }

  async #attempt<T>(
    method: string,
    options: RequestOptions,
    send: SendRequest<T>,
    remaining: () => number,
  ): Promise<T> {
    const { backend, lifecycle } = this.#init;
    const { signal } = options;
    for (let attempt = 0; ; attempt++) {
      const session = await lifecycle.whenReady(method, signal, remaining());
      const budget = remaining();
      try {
        return await send(session.client, { ...(signal ? { signal } : {}), timeout: budget });
      } catch (error) {
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
          if (attempt === 0) continue;
        } else if (failure.code === 'BACKEND_UNAVAILABLE' && this.#init.transport !== 'stdio') {
          lifecycle.sessions.replaceSession(session, failure, { immediate: false });
        }
        throw failure;
      }
    }
  }
}
