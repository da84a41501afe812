import type { ErrorCategory } from './error-category-table.js';
import { ResilienceError } from './resilience-error.js';

/** Statuses whose category is not implied by their class (4xx -> invalid_input, 5xx -> internal). */
const HTTP_STATUS_CATEGORIES: Readonly<Record<number, ErrorCategory>> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  405: 'protocol', // method not allowed: we spoke the wrong protocol to this route
  406: 'protocol', // content negotiation failed (e.g. Streamable HTTP without text/event-stream)
  407: 'unauthenticated',
  408: 'timeout',
  409: 'conflict',
  410: 'not_found',
  412: 'conflict',
  413: 'invalid_input',
  415: 'protocol',
  422: 'invalid_input',
  425: 'unavailable', // too early: the server asks for a replay later
  429: 'rate_limited',
  499: 'cancelled', // nginx: client closed request
  500: 'internal',
  501: 'protocol',
  502: 'unavailable',
  503: 'unavailable',
  504: 'timeout',
  505: 'protocol',
};

/** The category of an HTTP error status. Statuses below 400 are unexpected answers, hence `protocol`. */
export function categoryFromHttpStatus(status: number): ErrorCategory {
  const known = HTTP_STATUS_CATEGORIES[status];
  if (known) return known;
  if (status >= 500 && status <= 599) return 'internal';
  if (status >= 400 && status <= 499) return 'invalid_input';
  return 'protocol';
}

/** Headers as they come: a fetch `Headers`, a Node `IncomingHttpHeaders`-like record, or a `Map`. */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

function readHeader(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null | undefined }).get(name);
    return value ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/**
 * Parses a `Retry-After` value (RFC 9110: delay in seconds, or an HTTP-date) into milliseconds from
 * `now`. Returns undefined for anything unparsable, so a bad header never blocks a retry.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait a response asks for: `retry-after-ms` (sent by OpenAI and Azure, more precise) wins over
 * `Retry-After`.
 */
export function retryAfterMsFromHeaders(
  headers: HeadersLike | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const precise = readHeader(headers, 'retry-after-ms');
  if (precise !== undefined && /^\d+(\.\d+)?$/.test(precise.trim())) return Math.round(Number(precise.trim()));
  return parseRetryAfter(readHeader(headers, 'retry-after'), now);
}

export interface HttpErrorInput {
  status: number;
  headers?: HeadersLike;
  message?: string;
  cause?: unknown;
}

/** A `ResilienceError` for an HTTP error response (`code: HTTP_<status>`), with `Retry-After` honoured. */
export function classifyHttpResponse(input: HttpErrorInput): ResilienceError {
  const retryAfterMs = retryAfterMsFromHeaders(input.headers);
  return new ResilienceError({
    code: `HTTP_${input.status}`,
    category: categoryFromHttpStatus(input.status),
    message: input.message ?? `The server answered with HTTP ${input.status}.`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    cause: input.cause,
    details: { httpStatus: input.status },
  });
}
