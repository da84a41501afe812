import { categoryFromHttpStatus, categoryFromJsonRpcCode, ResilienceError } from '@mcs/resilience';
import { ProtocolError, SdkError, SdkErrorCode, UnauthorizedError } from '@modelcontextprotocol/client';
import { TransportError } from '../transport-error.js';
import { describeExit, type ProcessExit } from '../transports/stdio-process-transport.js';

export interface ErrorContext {
  backend: string;
  /** MCP method of the failed request (`tools/call`, `initialize`, ...). */
  method: string;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** How the session's process ended, when it did (stdio). */
  exit?: ProcessExit | undefined;
  /** The connection was closed by its owner. */
  closed?: boolean;
}

const networkErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function httpStatusOf(error: SdkError): number | undefined {
  const data = error.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const status = Reflect.get(data, 'status');
  return typeof status === 'number' ? status : undefined;
}

function httpBodyOf(error: SdkError): string {
  const data = error.data;
  const text = typeof data === 'object' && data !== null ? Reflect.get(data, 'text') : undefined;
  return typeof text === 'string' ? text : error.message;
}

function hasNetworkCause(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = Reflect.get(current, 'code');
    if (typeof code === 'string' && networkErrorCodes.has(code)) return true;
    if (current.name === 'TypeError' && current.message === 'fetch failed') return true;
  }
  return false;
}

/** Errors the SDK raises when the session goes away under a request (as opposed to answers). */
function isConnectionLoss(error: unknown): boolean {
  if (SdkError.isInstance(error)) {
    return [SdkErrorCode.ConnectionClosed, SdkErrorCode.NotConnected, SdkErrorCode.SendFailed].includes(error.code);
  }
  return !ProtocolError.isInstance(error);
}

/** Turns anything a request can throw into a TransportError whose message says what to do. */
export function toTransportError(error: unknown, context: ErrorContext): TransportError {
  if (TransportError.isInstance(error)) return error;
  // The SDK wraps what broke its `server/discover` probe (protocol `auto`/`2026-07-28`): what
  // happened underneath (refused credentials, a 401, a network error) decides, as for `initialize`.
  if (SdkError.isInstance(error) && error.code === SdkErrorCode.EraNegotiationFailed && error.cause instanceof Error) {
    return toTransportError(error.cause, context);
  }
  const { backend, method } = context;
  const options = { backend, cause: error };

  if (context.signal?.aborted) {
    return new TransportError(
      'CANCELLED',
      `${method} on backend "${backend}" was cancelled by the caller; the backend was sent notifications/cancelled`,
      options,
    );
  }
  if (ResilienceError.isInstance(error) && error.code === 'CIRCUIT_OPEN') {
    const when = error.retryAfterMs ? `in ${error.retryAfterMs} ms` : 'later';
    return new TransportError(
      'CIRCUIT_OPEN',
      `backend "${backend}" keeps failing (circuit breaker open); ${method} was not sent. Retry ${when}`,
      { ...options, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }) },
    );
  }
  if (context.closed) {
    return new TransportError(
      'NOT_CONNECTED',
      `backend "${backend}" was closed; ${method} did not complete. Create and connect the backend again to use it`,
      options,
    );
  }
  if (context.exit && isConnectionLoss(error)) {
    return new TransportError(
      'BACKEND_EXITED',
      `backend "${backend}" process ${describeExit(context.exit)} while ${method} was in flight; it is being restarted, retry the call`,
      options,
    );
  }
  if (error instanceof UnauthorizedError) {
    return new TransportError(
      'UNAUTHENTICATED',
      `backend "${backend}" refused the credentials (HTTP 401); check its bearer token or token provider`,
      options,
    );
  }
  if (SdkError.isInstance(error)) {
    const status = httpStatusOf(error);
    if (status === 401) {
      return new TransportError(
        'UNAUTHENTICATED',
        `backend "${backend}" refused the credentials (HTTP 401): ${error.message}`,
        options,
      );
    }
    if (status === 403) {
      return new TransportError(
        'FORBIDDEN',
        `backend "${backend}" denied ${method} (HTTP 403): ${error.message}`,
        options,
      );
    }
    // The spec answers an unknown session with 404; many servers built on the v1 SDK examples
    // (server-everything among them) answer 400 "No valid session ID provided" instead.
    if (status === 404 || (status === 400 && /session/i.test(httpBodyOf(error)))) {
      return new TransportError(
        'SESSION_EXPIRED',
        `backend "${backend}" no longer knows this MCP session (HTTP ${status}); the session is re-initialized`,
        options,
      );
    }
    if (status !== undefined) {
      const category = categoryFromHttpStatus(status);
      const outage = category === 'unavailable' || category === 'timeout' || category === 'rate_limited';
      return new TransportError(
        outage ? 'BACKEND_UNAVAILABLE' : 'BACKEND_ERROR',
        `backend "${backend}" answered ${method} with HTTP ${status}: ${error.message}`,
        { ...options, category },
      );
    }
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
        return new TransportError(
          'REQUEST_TIMEOUT',
          `backend "${backend}" did not answer ${method} within ${context.timeoutMs ?? '?'} ms; the request was cancelled on the backend. Raise timeoutMs or check the backend`,
          options,
        );
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
      case SdkErrorCode.SendFailed:
        return new TransportError(
          'BACKEND_UNAVAILABLE',
          `the session with backend "${backend}" was lost during ${method}; it is being re-established, retry the call`,
          options,
        );
      case SdkErrorCode.InvalidResult:
        return new TransportError(
          'INVALID_RESULT',
          `backend "${backend}" sent an invalid ${method} result: ${error.message}`,
          options,
        );
      case SdkErrorCode.CapabilityNotSupported:
        return new TransportError(
          'BACKEND_ERROR',
          `backend "${backend}" does not support ${method}: ${error.message}`,
          {
            ...options,
            category: 'invalid_input',
          },
        );
      default:
        return new TransportError('BACKEND_ERROR', `backend "${backend}": ${method} failed: ${error.message}`, options);
    }
  }
  if (ProtocolError.isInstance(error)) {
    return new TransportError('BACKEND_ERROR', `backend "${backend}" rejected ${method}: ${error.message}`, {
      ...options,
      category: categoryFromJsonRpcCode(error.code),
      rpcCode: error.code,
      data: error.data,
    });
  }
  if (hasNetworkCause(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new TransportError(
      'BACKEND_UNAVAILABLE',
      `backend "${backend}" is unreachable (${detail}); retry later`,
      options,
    );
  }
  if (error instanceof Error && /not connected/i.test(error.message)) {
    return new TransportError(
      'BACKEND_UNAVAILABLE',
      `the session with backend "${backend}" is not open; ${method} was not sent. Retry the call`,
      options,
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new TransportError('BACKEND_ERROR', `backend "${backend}": ${method} failed: ${detail}`, options);
}
