import { ResilienceError } from '@mcs/resilience';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError, UnauthorizedError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { TransportError } from '../transport-error.js';
import { toTransportError } from './to-transport-error.js';

const context = { backend: 'b1', method: 'tools/call' };
const http = (status: number, text = '') =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
    status,
    statusText: '',
    text,
  });

describe('toTransportError: every failure gets a code, a category and the backend name', () => {
  it.each([
    [401, 'UNAUTHENTICATED', 'unauthenticated'],
    [403, 'FORBIDDEN', 'permission_denied'],
    [404, 'SESSION_EXPIRED', 'unavailable'],
    [429, 'BACKEND_UNAVAILABLE', 'rate_limited'],
    [502, 'BACKEND_UNAVAILABLE', 'unavailable'],
    [503, 'BACKEND_UNAVAILABLE', 'unavailable'],
    [504, 'BACKEND_UNAVAILABLE', 'timeout'],
    [500, 'BACKEND_ERROR', 'internal'],
    [413, 'BACKEND_ERROR', 'invalid_input'],
  ] as const)('HTTP %i -> %s (%s)', (status, code, category) => {
    const error = toTransportError(http(status), context);
    expect(error).toMatchObject({ code, category, backend: 'b1' });
    expect(error.cause).toBeInstanceOf(SdkHttpError);
  });

  it('classifies a failed server/discover probe by its cause (refused credentials stay UNAUTHENTICATED)', () => {
    const refused = new TransportError('UNAUTHENTICATED', 'authorization failed: invalid_grant', { backend: 'b1' });
    const probe = (cause: Error) =>
      new SdkError(
        SdkErrorCode.EraNegotiationFailed,
        `Version negotiation probe failed: ${cause.message}`,
        { cause },
        { cause },
      );
    expect(toTransportError(probe(refused), context)).toBe(refused);
    expect(toTransportError(probe(http(401)), context)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(toTransportError(probe(http(503)), context)).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('treats a 400 that names the session as an expired session, other 400s as bad input', () => {
    expect(toTransportError(http(400, 'Bad Request: No valid session ID provided'), context).code).toBe(
      'SESSION_EXPIRED',
    );
    expect(toTransportError(http(400, 'Bad Request: body too odd'), context)).toMatchObject({
      code: 'BACKEND_ERROR',
      category: 'invalid_input',
    });
  });

  it.each([
    [-32602, 'invalid_input'],
    [-32601, 'protocol'],
    [-32002, 'not_found'],
    [-32700, 'protocol'],
    [-32603, 'internal'],
  ] as const)('JSON-RPC error %i -> BACKEND_ERROR (%s) with rpcCode and data', (code, category) => {
    const error = toTransportError(new ProtocolError(code, 'nope', { detail: 1 }), context);
    expect(error).toMatchObject({ code: 'BACKEND_ERROR', category, rpcCode: code, data: { detail: 1 } });
  });

  it('maps SDK timeouts, lost connections, invalid results and the caller abort', () => {
    expect(
      toTransportError(new SdkError(SdkErrorCode.RequestTimeout, 'x'), { ...context, timeoutMs: 5 }),
    ).toMatchObject({
      code: 'REQUEST_TIMEOUT',
      category: 'timeout',
    });
    expect(toTransportError(new SdkError(SdkErrorCode.ConnectionClosed, 'x'), context).code).toBe(
      'BACKEND_UNAVAILABLE',
    );
    expect(toTransportError(new SdkError(SdkErrorCode.InvalidResult, 'x'), context)).toMatchObject({
      code: 'INVALID_RESULT',
      category: 'protocol',
    });
    const aborted = AbortSignal.abort();
    expect(
      toTransportError(new SdkError(SdkErrorCode.RequestTimeout, 'x'), { ...context, signal: aborted }),
    ).toMatchObject({
      code: 'CANCELLED',
      category: 'cancelled',
    });
    expect(toTransportError(new UnauthorizedError(), context).code).toBe('UNAUTHENTICATED');
  });

  it('names the exit status when the process died under the request, but keeps real answers as answers', () => {
    const exit = { pid: 42, code: null, signal: 'SIGKILL' as const, expected: false };
    const lost = toTransportError(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'), {
      ...context,
      exit,
    });
    expect(lost).toMatchObject({ code: 'BACKEND_EXITED', category: 'unavailable' });
    expect(lost.message).toBe(
      'backend "b1" process 42 was killed by SIGKILL while tools/call was in flight; it is being restarted, retry the call',
    );
    expect(toTransportError(new ProtocolError(-32602, 'bad'), { ...context, exit }).code).toBe('BACKEND_ERROR');
  });

  it('maps network failures, an open circuit and a closed connection', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(toTransportError(refused, context)).toMatchObject({ code: 'BACKEND_UNAVAILABLE', category: 'unavailable' });
    const open = new ResilienceError({
      code: 'CIRCUIT_OPEN',
      category: 'unavailable',
      message: 'open',
      retryAfterMs: 900,
    });
    expect(toTransportError(open, context)).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 900 });
    expect(toTransportError(new Error('whatever'), { ...context, closed: true }).code).toBe('NOT_CONNECTED');
    const same = new TransportError('CANCELLED', 'already mapped');
    expect(toTransportError(same, context)).toBe(same);
    expect(same.isRetryable).toBe(false);
    expect(new TransportError('BACKEND_EXITED', 'x').isRetryable).toBe(true);
  });
});
