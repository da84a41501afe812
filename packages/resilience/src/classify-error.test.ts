import { type AddressInfo, createServer } from 'node:net';
import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { classifyError, getErrorCategory } from './classify-error.js';
import {
  ERROR_CATEGORIES,
  ERROR_CATEGORY_TABLE,
  grpcStatusForCategory,
  httpStatusForCategory,
  isRetryableCategory,
  jsonRpcCodeForCategory,
  RETRYABLE_CATEGORIES,
} from './error-category-table.js';
import { categoryFromGrpcStatus, GrpcStatus } from './grpc-status.js';
import { categoryFromHttpStatus, classifyHttpResponse, parseRetryAfter } from './http-status.js';
import { categoryFromJsonRpcCode, JsonRpcErrorCode } from './json-rpc-error-code.js';
import { ResilienceError } from './resilience-error.js';

function nodeError(code: string, message = `connect ${code} 127.0.0.1:1`): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

describe('ERROR_CATEGORY_TABLE', () => {
  it('maps every category to an HTTP status, a gRPC status and a JSON-RPC code', () => {
    for (const category of ERROR_CATEGORIES) {
      const row = ERROR_CATEGORY_TABLE[category];
      expect(httpStatusForCategory(category)).toBe(row.httpStatus);
      expect(grpcStatusForCategory(category)).toBe(row.grpcStatus);
      expect(jsonRpcCodeForCategory(category)).toBe(row.jsonRpcCode);
      expect(row.httpStatus >= 400 && row.httpStatus <= 599).toBe(true);
      expect(row.grpcStatus >= 1 && row.grpcStatus <= 16).toBe(true);
      expect(row.jsonRpcCode < 0).toBe(true);
    }
  });

  it('round-trips each category through its own wire codes where the wire can tell categories apart', () => {
    for (const category of ERROR_CATEGORIES) {
      expect(categoryFromJsonRpcCode(jsonRpcCodeForCategory(category))).toBe(category);
    }
    // gRPC and HTTP fold a few categories together (protocol -> INTERNAL / 400); all others round-trip.
    const grpcFolded = new Set(['protocol']);
    const httpFolded = new Set(['protocol']);
    for (const category of ERROR_CATEGORIES) {
      if (!grpcFolded.has(category)) expect(categoryFromGrpcStatus(grpcStatusForCategory(category))).toBe(category);
      if (!httpFolded.has(category)) expect(categoryFromHttpStatus(httpStatusForCategory(category))).toBe(category);
    }
  });

  it('retries only rate_limited, unavailable and timeout by default', () => {
    expect([...RETRYABLE_CATEGORIES].sort()).toEqual(['rate_limited', 'timeout', 'unavailable']);
    expect(isRetryableCategory('invalid_input')).toBe(false);
    expect(isRetryableCategory('unavailable')).toBe(true);
  });
});

describe('ResilienceError', () => {
  it('is recognised by its global brand, also for an instance built by another copy of the class', () => {
    const error = new ResilienceError({ code: 'X', category: 'timeout', message: 'm' });
    expect(ResilienceError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(ResilienceError.isInstance(new Error('plain'))).toBe(false);
    expect(ResilienceError.isInstance({ code: 'X', category: 'timeout' })).toBe(false);
    const foreign = Object.assign(new Error('from another copy'), { [Symbol.for('mcs.resilience.error')]: true });
    expect(ResilienceError.isInstance(foreign)).toBe(true);
  });

  it('serialises to a plain object for logs', () => {
    const cause = new Error('socket hang up');
    const error = new ResilienceError({
      code: 'ECONNRESET',
      category: 'unavailable',
      message: 'm',
      cause,
      retryAfterMs: 5,
    });
    expect(error.toJSON()).toEqual({
      name: 'ResilienceError',
      code: 'ECONNRESET',
      category: 'unavailable',
      message: 'm',
      isRetryable: true,
      retryAfterMs: 5,
      cause: 'socket hang up',
    });
  });
});

describe('HTTP classifier', () => {
  it.each([
    [400, 'invalid_input'],
    [401, 'unauthenticated'],
    [403, 'permission_denied'],
    [404, 'not_found'],
    [405, 'protocol'],
    [408, 'timeout'],
    [409, 'conflict'],
    [410, 'not_found'],
    [418, 'invalid_input'],
    [422, 'invalid_input'],
    [429, 'rate_limited'],
    [499, 'cancelled'],
    [500, 'internal'],
    [501, 'protocol'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [504, 'timeout'],
    [599, 'internal'],
    [302, 'protocol'],
  ] as const)('HTTP %i -> %s', (status, category) => {
    expect(categoryFromHttpStatus(status)).toBe(category);
  });

  it('parses Retry-After in seconds and as an HTTP-date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('classifies a fetch Response-like error with its Retry-After (retry-after-ms wins)', () => {
    const limited = classifyHttpResponse({ status: 429, headers: new Headers({ 'Retry-After': '3' }) });
    expect(limited).toMatchObject({
      code: 'HTTP_429',
      category: 'rate_limited',
      retryAfterMs: 3_000,
      isRetryable: true,
    });
    const precise = classifyHttpResponse({ status: 503, headers: { 'retry-after-ms': '250', 'retry-after': '9' } });
    expect(precise).toMatchObject({ category: 'unavailable', retryAfterMs: 250 });
    expect(classifyHttpResponse({ status: 400 }).retryAfterMs).toBeUndefined();
  });
});

describe('gRPC classifier', () => {
  it.each([
    [GrpcStatus.CANCELLED, 'cancelled'],
    [GrpcStatus.UNKNOWN, 'internal'],
    [GrpcStatus.INVALID_ARGUMENT, 'invalid_input'],
    [GrpcStatus.DEADLINE_EXCEEDED, 'timeout'],
    [GrpcStatus.NOT_FOUND, 'not_found'],
    [GrpcStatus.ALREADY_EXISTS, 'conflict'],
    [GrpcStatus.PERMISSION_DENIED, 'permission_denied'],
    [GrpcStatus.RESOURCE_EXHAUSTED, 'rate_limited'],
    [GrpcStatus.FAILED_PRECONDITION, 'invalid_input'],
    [GrpcStatus.ABORTED, 'conflict'],
    [GrpcStatus.OUT_OF_RANGE, 'invalid_input'],
    [GrpcStatus.UNIMPLEMENTED, 'protocol'],
    [GrpcStatus.INTERNAL, 'internal'],
    [GrpcStatus.UNAVAILABLE, 'unavailable'],
    [GrpcStatus.DATA_LOSS, 'internal'],
    [GrpcStatus.UNAUTHENTICATED, 'unauthenticated'],
  ] as const)('status %i -> %s', (code, category) => {
    expect(categoryFromGrpcStatus(code)).toBe(category);
  });

  it('classifies a grpc-js ServiceError by its numeric code', () => {
    const serviceError = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
      metadata: {},
    });
    expect(classifyError(serviceError)).toMatchObject({
      code: 'GRPC_UNAVAILABLE',
      category: 'unavailable',
      details: { grpcStatus: 14 },
    });
  });
});

describe('JSON-RPC / MCP classifier', () => {
  it.each([
    [JsonRpcErrorCode.PARSE_ERROR, 'protocol'],
    [JsonRpcErrorCode.INVALID_REQUEST, 'protocol'],
    [JsonRpcErrorCode.METHOD_NOT_FOUND, 'protocol'],
    [JsonRpcErrorCode.INVALID_PARAMS, 'invalid_input'],
    [JsonRpcErrorCode.INTERNAL_ERROR, 'internal'],
    [JsonRpcErrorCode.CONNECTION_CLOSED, 'unavailable'],
    [JsonRpcErrorCode.REQUEST_TIMEOUT, 'timeout'],
    [JsonRpcErrorCode.RESOURCE_NOT_FOUND, 'not_found'],
    [JsonRpcErrorCode.UNSUPPORTED_PROTOCOL_VERSION, 'protocol'],
    [JsonRpcErrorCode.URL_ELICITATION_REQUIRED, 'unauthenticated'],
    [JsonRpcErrorCode.REQUEST_CANCELLED, 'cancelled'],
    [-32050, 'internal'],
    [42, 'internal'],
  ] as const)('code %i -> %s', (code, category) => {
    expect(categoryFromJsonRpcCode(code)).toBe(category);
  });

  it('classifies an MCP ProtocolError-like error and an MCP SdkError-like error', () => {
    const protocolError = Object.assign(new Error('MCP error -32602: Unknown tool: nope'), {
      name: 'ProtocolError',
      code: -32602,
    });
    expect(classifyError(protocolError)).toMatchObject({ code: 'JSONRPC_INVALID_PARAMS', category: 'invalid_input' });
    const sdkTimeout = Object.assign(new Error('Request timed out'), { name: 'SdkError', code: 'REQUEST_TIMEOUT' });
    expect(classifyError(sdkTimeout)).toMatchObject({ code: 'REQUEST_TIMEOUT', category: 'timeout' });
    const sdkHttp = Object.assign(new Error('Server returned 401'), {
      name: 'SdkHttpError',
      code: 'CLIENT_HTTP_AUTHENTICATION',
      status: 401,
    });
    expect(classifyError(sdkHttp).category).toBe('unauthenticated');
  });
});

describe('Node network errors', () => {
  it.each([
    ['ECONNRESET', 'unavailable'],
    ['ECONNREFUSED', 'unavailable'],
    ['EPIPE', 'unavailable'],
    ['ETIMEDOUT', 'timeout'],
    ['EAI_AGAIN', 'unavailable'],
    ['ENOTFOUND', 'unavailable'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_SOCKET', 'unavailable'],
    ['UND_ERR_ABORTED', 'cancelled'],
    ['UND_ERR_SOMETHING_NEW', 'unavailable'],
  ] as const)('%s -> %s', (code, category) => {
    expect(classifyError(nodeError(code))).toMatchObject({ code, category });
  });

  it('finds the socket error under fetch\'s "fetch failed" TypeError', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: nodeError('ECONNREFUSED') });
    const error = classifyError(fetchFailed);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', category: 'unavailable' });
    expect(error.message).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(error.cause).toBe(fetchFailed);
  });

  it('finds a code inside an AggregateError (happy-eyeballs connect to several addresses)', () => {
    const aggregate = new AggregateError([nodeError('ECONNREFUSED'), nodeError('ECONNREFUSED')], 'connect failed');
    expect(classifyError(aggregate).category).toBe('unavailable');
  });

  it('classifies a real refused connection from fetch', async () => {
    // A port we just had and released: nothing listens there, so the kernel refuses at once.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const thrown = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(classifyError(thrown)).toMatchObject({ code: 'ECONNREFUSED', category: 'unavailable' });
  });
});

describe('abort and timeout DOMExceptions', () => {
  it('AbortError -> cancelled, TimeoutError -> timeout', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifyError(controller.signal.reason)).toMatchObject({ code: 'AbortError', category: 'cancelled' });
    const timeoutSignal = AbortSignal.timeout(1);
    await new Promise((resolve) => timeoutSignal.addEventListener('abort', resolve));
    expect(classifyError(timeoutSignal.reason)).toMatchObject({ code: 'TimeoutError', category: 'timeout' });
  });

  it('cockatiel errors: cancelled, circuit open, bulkhead full', () => {
    expect(getErrorCategory(new TaskCancelledError())).toBe('cancelled');
    expect(classifyError(new BrokenCircuitError())).toMatchObject({ code: 'CIRCUIT_OPEN', category: 'unavailable' });
    expect(classifyError(new BulkheadRejectedError(1, 0))).toMatchObject({
      code: 'BULKHEAD_REJECTED',
      category: 'unavailable',
    });
  });
});

describe('OpenAI SDK errors (duck-typed)', () => {
  // Shaped like openai-node's classes: APIError subclasses carry status + headers; connection errors have none.
  class APIError extends Error {
    constructor(
      readonly status: number | undefined,
      readonly headers: Record<string, string> | undefined,
      message: string,
    ) {
      super(message);
    }
  }
  class RateLimitError extends APIError {}
  class APIConnectionError extends APIError {
    constructor(message = 'Connection error.') {
      super(undefined, undefined, message);
    }
  }
  class APIConnectionTimeoutError extends APIConnectionError {}
  class APIUserAbortError extends APIError {
    constructor() {
      super(undefined, undefined, 'Request was aborted.');
    }
  }
  class AuthenticationError extends APIError {}

  it('uses status and Retry-After headers when present', () => {
    const error = classifyError(new RateLimitError(429, { 'retry-after-ms': '1200' }, '429 Rate limit reached'));
    expect(error).toMatchObject({ code: 'HTTP_429', category: 'rate_limited', retryAfterMs: 1200, isRetryable: true });
    expect(classifyError(new AuthenticationError(401, {}, 'bad key')).category).toBe('unauthenticated');
  });

  it('uses the class name for connection errors that carry no status', () => {
    expect(classifyError(new APIConnectionError())).toMatchObject({
      code: 'APIConnectionError',
      category: 'unavailable',
    });
    expect(classifyError(new APIConnectionTimeoutError('Request timed out.')).category).toBe('timeout');
    expect(classifyError(new APIUserAbortError()).category).toBe('cancelled');
  });

  it('uses the class name of a status error whose status was lost', () => {
    expect(classifyError(new RateLimitError(undefined, undefined, 'limited')).category).toBe('rate_limited');
  });
});

describe('anything else', () => {
  it('wraps strings, plain objects and unknown errors as internal/UNKNOWN, and passes ResilienceErrors through', () => {
    expect(classifyError('boom')).toMatchObject({ code: 'UNKNOWN', category: 'internal', message: 'boom' });
    expect(classifyError(undefined)).toMatchObject({ code: 'UNKNOWN', category: 'internal' });
    expect(classifyError(new RangeError('bad index'))).toMatchObject({ code: 'UNKNOWN', message: 'bad index' });
    const already = new ResilienceError({ code: 'X', category: 'conflict', message: 'm' });
    expect(classifyError(already)).toBe(already);
  });
});
