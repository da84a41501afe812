import type { BackendTransportKind } from '../backend-config.js';
import type { BackendStatus } from '../backend-connection.js';
import { TransportError } from '../transport-error.js';
import { describeExit, type ProcessExit } from '../transports/stdio-process-transport.js';
import { toTransportError } from './to-transport-error.js';

// The errors a connection raises on its own account (what the SDK throws is mapped by
// toTransportError). Kept side by side so that every message reads alike: what happened, to which
// backend, and what the caller can do about it.

/** The owner called close(): nothing more is sent on this connection. */
export function closedError(backend: string, method: string): TransportError {
  return new TransportError(
    'NOT_CONNECTED',
    `backend "${backend}" is closed; ${method} was not sent. Create and connect the backend again to use it`,
    { backend },
  );
}

export interface ConnectAttempt {
  transport: BackendTransportKind;
  connectTimeoutMs: number;
  /** How the session's process ended during the attempt (stdio). */
  exit: ProcessExit | undefined;
  /** The backend's last stderr lines: usually the only explanation of a failed start. */
  stderrTail: readonly string[];
}

/** A connect attempt (spawn / HTTP handshake + `initialize`) failed with `error`. */
export function connectError(backend: string, error: unknown, attempt: ConnectAttempt): TransportError {
  const cause = toTransportError(error, {
    backend,
    method: 'initialize',
    timeoutMs: attempt.connectTimeoutMs,
  });
  const reason = attempt.exit ? `process ${describeExit(attempt.exit)} during initialize` : cause.message;
  const stderr = attempt.stderrTail.length > 0 ? ` (last stderr: ${attempt.stderrTail.join(' | ')})` : '';
  // Credentials problems keep their category (retrying will not help); anything else is an outage.
  const category = ['unauthenticated', 'permission_denied'].includes(cause.category) ? cause.category : 'unavailable';
  return new TransportError(
    'CONNECT_FAILED',
    `could not connect to backend "${backend}" (${attempt.transport}): ${reason}${stderr}`,
    { backend, category, cause },
  );
}

/** The current session ended without being asked to: the process died, or the server hung up. */
export function sessionLostError(
  backend: string,
  exit: ProcessExit | undefined,
  lastError: TransportError | undefined,
): TransportError {
  return exit
    ? new TransportError('BACKEND_EXITED', `backend "${backend}" process ${describeExit(exit)}`, {
        backend,
        cause: lastError,
      })
    : new TransportError('BACKEND_UNAVAILABLE', `backend "${backend}" closed the session`, {
        backend,
        cause: lastError,
      });
}

export function sseDroppedError(backend: string, cause: unknown): TransportError {
  return new TransportError('BACKEND_UNAVAILABLE', `the SSE stream of backend "${backend}" dropped`, {
    backend,
    cause,
  });
}

/** `restart.maxAttempts` consecutive restarts failed: the connection stops trying (status `failed`). */
export function restartsGivenUpError(backend: string, maxAttempts: number, reason: TransportError): TransportError {
  return new TransportError(
    'BACKEND_UNAVAILABLE',
    `backend "${backend}" failed ${maxAttempts} restarts in a row; last failure: ${reason.message}`,
    { backend, cause: reason },
  );
}

/** A request found the connection `failed`: only a new connect() starts it again. */
export function backendDownError(backend: string, lastError: TransportError | undefined): TransportError {
  return new TransportError(
    'BACKEND_UNAVAILABLE',
    `backend "${backend}" is down: restarts were given up (${lastError?.message ?? 'unknown error'}); call connect() to try again`,
    { backend, cause: lastError },
  );
}

/** A request waited its whole timeout for a (re)starting backend. */
export function notReadyError(
  backend: string,
  status: BackendStatus,
  method: string,
  timeoutMs: number,
  lastError: TransportError | undefined,
): TransportError {
  return new TransportError(
    'BACKEND_UNAVAILABLE',
    `backend "${backend}" is ${status} and was not ready within ${Math.round(timeoutMs)} ms for ${method}${lastError ? ` (last failure: ${lastError.message})` : ''}; retry later`,
    { backend, cause: lastError },
  );
}
