// What every fuzzed request must hold to, and the pieces the fuzz tests build requests from.
// Properties: an answer within REQUEST_BOUND_MS (no hang), no 5xx for a client's mistake, every error
// is JSON carrying a code (JSON-RPC `error.code`, or an OAuth `error`; an HTML page where a browser
// asked), no error message longer than
// @mcs/resilience's MAX_ERROR_MESSAGE_BYTES and no error that echoes an outside value past that bound.
// A fuzzed setting (environment, users file, signing keys) gives INVALID_CONFIG, bounded.
import { MAX_ERROR_MESSAGE_BYTES } from '@mcs/resilience';
import fc from 'fast-check';
import { expect } from 'vitest';
import { HttpMcpServerError } from '../../src/http-mcp-server-error.js';
import { parseBody } from '../helpers/raw-mcp.js';

/** Longest a fuzzed request may take (a loaded 2-core machine; a healthy answer takes milliseconds). */
export const REQUEST_BOUND_MS = 10_000;

/** One seed for every property, so a failure replays; fast-check prints it (and the path) when one fails. */
export const FUZZ_SEED = Number(process.env.MCS_FUZZ_SEED ?? 20261207);

/** Runs per property: `MCS_FUZZ_RUNS` scales them all (default 1: the bounded run of the test command). */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * Number(process.env.MCS_FUZZ_RUNS_FACTOR ?? 1)));
}

/** Longest message a bad setting may get (it names every bad one, each bounded). */
export const MAX_CONFIG_MESSAGE_CHARS = 4_096;

/**
 * `error` is INVALID_CONFIG with a bounded message and no stack trace, never another error; returns the
 * message for the caller's own check that it quotes none of the secrets it was given.
 */
export function expectConfigError(error: unknown): string {
  expect(error, String(error).slice(0, 300)).toBeInstanceOf(HttpMcpServerError);
  const { code, message } = error as HttpMcpServerError;
  expect(code).toBe('INVALID_CONFIG');
  expect(message.length, message.slice(0, 300)).toBeLessThanOrEqual(MAX_CONFIG_MESSAGE_CHARS);
  expect(message).not.toMatch(/\n\s+at /);
  return message;
}

export interface FuzzRequest {
  method: string;
  /** Path with its query string, as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface FuzzAnswer {
  status: number;
  contentType: string;
  text: string;
  headers: Headers;
}

/**
 * Sends `request` to `origin` and reads the answer. A GET event stream (`GET /mcp`, `/sse`) is meant to
 * stay open: it is dropped once its headers are in.
 */
export async function send(origin: string, request: FuzzRequest): Promise<FuzzAnswer> {
  const signal = AbortSignal.timeout(REQUEST_BOUND_MS);
  const response = await fetch(`${origin}${request.path}`, {
    method: request.method,
    headers: request.headers,
    // fetch sends no body with GET or HEAD.
    ...(request.body === undefined || request.method === 'GET' || request.method === 'HEAD'
      ? {}
      : { body: request.body }),
    redirect: 'manual',
    signal,
  });
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('text/event-stream') && request.method === 'GET') {
    // An open stream: its headers are the answer (its events may come much later).
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status, contentType, text: '', headers: response.headers };
  }
  return { status: response.status, contentType, text: await response.text(), headers: response.headers };
}

/** Every string inside `value` (keys included), for the echo check. */
function stringsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      into.push(key);
      stringsOf(item, into);
    }
  }
  return into;
}

/** The outside values of a request: header values, query values, the body and every string in it. */
export function outsideValues(request: FuzzRequest): string[] {
  const values = Object.values(request.headers);
  const query = request.path.indexOf('?');
  if (query >= 0) {
    values.push(request.path.slice(query + 1));
    for (const [key, value] of new URLSearchParams(request.path.slice(query + 1))) values.push(key, value);
  }
  if (request.body !== undefined) {
    values.push(request.body);
    try {
      stringsOf(JSON.parse(request.body), values);
    } catch {
      for (const [key, value] of new URLSearchParams(request.body)) values.push(key, value);
    }
  }
  return values;
}

/** The JSON-RPC error objects of an answer (JSON body, batch, or SSE `data:` lines). */
function jsonRpcErrorsOf(answer: FuzzAnswer): Array<{ code?: unknown; message?: unknown; data?: unknown }> {
  let messages: Array<Record<string, unknown>>;
  try {
    messages = parseBody(answer.contentType, answer.text);
  } catch {
    return [];
  }
  // An OAuth error (`{ error: "invalid_request" }`) carries a string there, a JSON-RPC error an object.
  return messages
    .filter((message) => message !== null && typeof message === 'object' && typeof message.error === 'object')
    .map((message) => message.error as { code?: unknown; message?: unknown; data?: unknown });
}

export interface CheckOptions {
  /** Errors may be an HTML page (browser-facing `/authorize`). */
  htmlErrors?: boolean;
}

/**
 * Throws when `answer` breaks a property. `elapsedMs` is the time the request took.
 */
export function checkAnswer(request: FuzzRequest, answer: FuzzAnswer, elapsedMs: number, options: CheckOptions = {}) {
  const where = `${request.method} ${request.path.slice(0, 200)} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  if (elapsedMs > REQUEST_BOUND_MS) throw new Error(`took ${Math.round(elapsedMs)} ms: ${where}`);
  if (answer.status >= 500) throw new Error(`5xx for a client's request: ${where}`);
  // A HEAD answer has no body by definition.
  if (request.method === 'HEAD') return;
  const errors = jsonRpcErrorsOf(answer);
  const errorTexts: string[] = [];
  if (answer.status >= 400) {
    if (options.htmlErrors && answer.contentType.includes('text/html')) {
      if (!answer.text.includes('class="error"')) throw new Error(`an HTML error page without its error: ${where}`);
      errorTexts.push(answer.text);
    } else {
      if (!answer.contentType.includes('application/json')) throw new Error(`a non-JSON error: ${where}`);
      let body: unknown;
      try {
        body = JSON.parse(answer.text);
      } catch {
        throw new Error(`an error body that is not JSON: ${where}`);
      }
      // A JSON-RPC error (`error.code`, a number) or an OAuth / RFC 6750 one (`error`, a string code).
      const oauthCode = (body as { error?: unknown } | null)?.error;
      const isOAuthError = typeof oauthCode === 'string' && oauthCode.length > 0;
      const isJsonRpcError = errors.length > 0 && errors.every((error) => typeof error.code === 'number');
      if (!isOAuthError && !isJsonRpcError) throw new Error(`an error without a code: ${where}`);
      if (isOAuthError) {
        const description = (body as { error_description?: unknown }).error_description;
        if (description !== undefined && typeof description !== 'string') {
          throw new Error(`an error_description that is not a string: ${where}`);
        }
        if (description !== undefined && Buffer.byteLength(description) > MAX_ERROR_MESSAGE_BYTES) {
          throw new Error(`an error_description of ${Buffer.byteLength(description)} bytes: ${where}`);
        }
        errorTexts.push(oauthCode, description ?? '');
      }
    }
  }
  for (const error of errors) {
    if (typeof error.message !== 'string') throw new Error(`a JSON-RPC error without a message: ${where}`);
    if (Buffer.byteLength(error.message, 'utf8') > MAX_ERROR_MESSAGE_BYTES) {
      throw new Error(`an error message of ${Buffer.byteLength(error.message)} bytes: ${where}`);
    }
    errorTexts.push(error.message, error.data === undefined ? '' : JSON.stringify(error.data));
  }
  // No error quotes an outside value past the bound (JSON-RPC ids are echoed by design and are not here).
  for (const value of outsideValues(request)) {
    if (value.length <= MAX_ERROR_MESSAGE_BYTES) continue;
    const head = value.slice(0, MAX_ERROR_MESSAGE_BYTES + 1);
    const tail = value.slice(-(MAX_ERROR_MESSAGE_BYTES + 1));
    for (const text of errorTexts) {
      if (text.includes(head) || text.includes(tail) || text.includes(JSON.stringify(head).slice(1, -1))) {
        throw new Error(`an error echoes ${value.length} characters of the request: ${where}`);
      }
    }
  }
}

/**
 * Runs `property` with the fixed seed and `numRuns` runs; on failure throws a short report (seed, path,
 * the shrunk request's first characters and what broke) instead of fast-check's full counterexample,
 * which for a 20 000-character value floods the log.
 */
export async function checkProperty<T>(arbitrary: fc.Arbitrary<T>, numRuns: number, run: (value: T) => Promise<void>) {
  const details = await fc.check(fc.asyncProperty(arbitrary, run), { seed: FUZZ_SEED, numRuns: runs(numRuns) });
  if (!details.failed) return;
  const example = JSON.stringify(details.counterexample?.[0]) ?? '';
  const problem =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `property failed after ${details.numRuns} runs (replay: MCS_FUZZ_SEED=${details.seed}, path ${details.counterexamplePath})\n` +
      `problem: ${problem.slice(0, 1500)}\ncounterexample (${example.length} characters): ${example.slice(0, 1500)}`,
  );
}

/** Sends and checks one request; the property of every fuzz test. */
export async function sendAndCheck(origin: string, request: FuzzRequest, options: CheckOptions = {}) {
  const started = performance.now();
  let answer: FuzzAnswer;
  try {
    answer = await send(origin, request);
  } catch (error) {
    throw new Error(`no answer (${(error as Error).message}): ${request.method} ${request.path.slice(0, 200)}`, {
      cause: error,
    });
  }
  checkAnswer(request, answer, performance.now() - started, options);
  return answer;
}

// --- arbitraries ---------------------------------------------------------------------------------

/** Header values fetch can send (no CR/LF/NUL), sometimes long. */
export const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }).map((value) => value.replace(/[^\t\x20-\x7e]/g, '')) },
  { weight: 1, arbitrary: fc.integer({ min: 1025, max: 6000 }).map((length) => 'H'.repeat(length)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', 'null', '0', '-1', '*/*', 'utf-8', '%00', '..', '\u00e9') },
);

/** A long outside value, to check errors do not echo it unbounded. */
export const longText = fc
  .tuple(fc.integer({ min: 1025, max: 20_000 }), fc.constantFrom('x', 'ab', '\u00e9', '<', '"', '\\', '%'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

/** Any text: short strings, unicode, control characters, long values. */
export const anyText = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: longText },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '\n',
      '\u0000',
      '../../etc/passwd',
      '%ZZ',
      '{{',
      'https://127.0.0.1/x',
      'https://a.example/cb\n',
      '__proto__',
      'constructor',
      '\ud800',
    ),
  },
);

/** Arbitrary JSON values with the odd cases mixed in (deep nesting, `__proto__` keys, big numbers). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -0, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 0.1) },
  { weight: 1, arbitrary: fc.dictionary(anyText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  {
    weight: 1,
    arbitrary: fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 50, max: 2000 })
      .map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  },
);

/** JSON-RPC ids: valid ones and everything else. */
export const jsonRpcId: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(null, 1.5, true, {}, [], -0, 2 ** 60),
);

/** Methods an MCP server knows, and others. */
export const mcpMethod = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'initialize',
      'ping',
      'tools/list',
      'tools/call',
      'resources/list',
      'resources/read',
      'resources/templates/list',
      'resources/subscribe',
      'resources/unsubscribe',
      'prompts/list',
      'prompts/get',
      'logging/setLevel',
      'completion/complete',
      'subscriptions/listen',
      'server/discover',
      'notifications/initialized',
      'notifications/cancelled',
      'notifications/progress',
      'notifications/roots/list_changed',
    ),
  },
  { weight: 1, arbitrary: anyText },
);

/** Params of MCP requests: plausible shapes with fuzzed fields. */
export const mcpParams: fc.Arbitrary<unknown> = fc.oneof(
  anyJson,
  fc.record(
    {
      name: fc.oneof(fc.constantFrom('echo', 'time', 'whoami', 'service', 'login', 'logout'), anyText),
      arguments: fc.oneof(anyJson, fc.record({ text: anyText }), fc.record({ path: anyText, method: anyText })),
      uri: anyText,
      level: fc.oneof(fc.constantFrom('debug', 'info', 'emergency'), anyText),
      protocolVersion: fc.oneof(fc.constantFrom('2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'), anyText),
      capabilities: anyJson,
      clientInfo: anyJson,
      requestId: jsonRpcId,
      progressToken: jsonRpcId,
      cursor: anyText,
      ref: anyJson,
      argument: anyJson,
    },
    { requiredKeys: [] },
  ),
);

export const MODERN = '2026-07-28';

/** The 2026-07-28 per-request envelope, sometimes broken. */
export const modernMeta: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      'io.modelcontextprotocol/protocolVersion': fc.oneof(fc.constant(MODERN), anyText),
      'io.modelcontextprotocol/clientInfo': fc.oneof(
        fc.constant({ name: 'fuzz', version: '1.0.0' }),
        fc.record({ name: anyText, version: anyText }),
        anyJson,
      ),
      'io.modelcontextprotocol/clientCapabilities': fc.oneof(fc.constant({}), anyJson),
      'io.modelcontextprotocol/logLevel': anyText,
      progressToken: jsonRpcId,
    },
    { requiredKeys: [] },
  ),
  anyJson,
);

/** A JSON-RPC message, well-formed or not, with or without the 2026-07-28 envelope. */
export const jsonRpcMessage: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          jsonrpc: fc.oneof(fc.constant('2.0'), anyText),
          id: jsonRpcId,
          method: mcpMethod,
          params: mcpParams,
          meta: fc.option(modernMeta),
        },
        { requiredKeys: ['jsonrpc', 'method'] },
      )
      .map(({ meta, params, ...message }) => {
        if (meta === null || meta === undefined) return params === undefined ? message : { ...message, params };
        const base = params !== null && typeof params === 'object' && !Array.isArray(params) ? params : {};
        return { ...message, params: { ...base, _meta: meta } };
      }),
  },
  { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id: jsonRpcId, result: anyJson }) },
  { weight: 1, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id: jsonRpcId, error: anyJson }) },
  { weight: 1, arbitrary: anyJson },
);

/** A body as sent: JSON of a message or batch, or text that is not JSON at all. */
export const jsonRpcBody = fc.oneof(
  { weight: 6, arbitrary: jsonRpcMessage.map((message) => JSON.stringify(message)) },
  { weight: 1, arbitrary: fc.array(jsonRpcMessage, { maxLength: 4 }).map((batch) => JSON.stringify(batch)) },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '{"jsonrpc":"2.0","id":1,', 'null', '[]', '[[]]', '\ufeff{}') },
);

export const contentType = fc.oneof(
  { weight: 5, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      '',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

export const accept = fc.oneof(
  { weight: 5, arbitrary: fc.constant('application/json, text/event-stream') },
  { weight: 2, arbitrary: fc.constantFrom('application/json', 'text/event-stream', '*/*', '', 'text/html') },
  { weight: 1, arbitrary: headerValue },
);

export const protocolVersionHeader = fc.oneof(
  fc.constantFrom(MODERN, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'),
  headerValue,
);

/** A query string of fuzzed parameters (raw: malformed escapes included). */
export const queryString = fc.oneof(
  fc
    .dictionary(fc.string({ maxLength: 10 }), anyText, { maxKeys: 4 })
    .map((params) => new URLSearchParams(params).toString()),
  fc.constantFrom('%', '%ZZ', 'a=%E0%A4%A', '&&&=', '=', 'sessionId', 'sessionId=&sessionId=x', 'a[b]=1&a[c]=2'),
);
