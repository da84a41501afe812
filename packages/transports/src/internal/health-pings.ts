import { performance } from 'node:perf_hooks';
import type { BackendEventMap } from '../backend-connection.js';
import type { SupervisionOptions } from '../supervision-options.js';
import type { TransportError } from '../transport-error.js';
import type { BackendSession } from './backend-session.js';
import { toTransportError } from './to-transport-error.js';
import type { TypedEmitter } from './typed-emitter.js';

export interface HealthPingsInit {
  backend: string;
  options: SupervisionOptions['health'];
  events: TypedEmitter<BackendEventMap>;
  /** The connection is being closed: no more pings, no more verdicts. */
  isClosing: () => boolean;
  /** Gives up on `session` (see SessionSupervisor.replaceSession). */
  replaceSession: (session: BackendSession, reason: TransportError, how: { immediate: boolean }) => void;
}

/**
 * Periodic `ping` requests on the ready session. A hung backend answers nothing and sends nothing,
 * so without them it would only be noticed when a caller's request timed out. Each result is a
 * `health` event; `failuresBeforeRestart` failures in a row replace the session.
 */
export class HealthPings {
  readonly #init: HealthPingsInit;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(init: HealthPingsInit) {
    this.#init = init;
  }

  /** Starts pinging a session that just became ready, with a clean record. */
  start(session: BackendSession): void {
    this.#failures = 0;
    this.#schedule(session);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #schedule(session: BackendSession): void {
    const { pingIntervalMs } = this.#init.options;
    if (pingIntervalMs === 0 || session.retired) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#pingOnce(session), pingIntervalMs);
    // Health pings alone must not keep a process alive.
    this.#timer.unref();
  }

  async #pingOnce(session: BackendSession): Promise<void> {
    const { backend, events } = this.#init;
    if (session.retired || this.#init.isClosing()) return;
    const { pingTimeoutMs, failuresBeforeRestart } = this.#init.options;
    const started = performance.now();
    try {
      await session.client.ping({ timeout: pingTimeoutMs });
      this.#failures = 0;
      events.emit('health', { backend, ok: true, latencyMs: performance.now() - started });
    } catch (error) {
      if (session.retired) return;
      const failure = toTransportError(error, {
        backend,
        method: 'ping',
        timeoutMs: pingTimeoutMs,
        exit: session.exit,
      });
      this.#failures++;
      events.emit('health', { backend, ok: false, latencyMs: performance.now() - started, error: failure });
      if (failure.code === 'SESSION_EXPIRED') {
        this.#init.replaceSession(session, failure, { immediate: true });
        return;
      }
      if (this.#failures >= failuresBeforeRestart) {
        this.#init.replaceSession(session, failure, { immediate: false });
        return;
      }
    }
    this.#schedule(session);
  }
}
