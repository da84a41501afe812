/** The members of a JSON-RPC request; the fast paths leave anything with more to the SDK. */
const REQUEST_KEYS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method', 'params']);

/** A JSON-RPC request with nothing else in it: the one shape the fast paths decide on themselves. */
export interface PlainRequest {
  readonly jsonrpc: '2.0';
  readonly id: string | number;
  readonly method: string;
  readonly params?: unknown;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON-RPC id the SDK accepts: a string or an integer (fractions and unsafe integers go to the SDK). */
export function isRequestId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
}

/**
 * `body` as a plain JSON-RPC request (`jsonrpc: "2.0"`, an id, a string method, optional params and
 * no other member), or `undefined`; the SDK's own schemas accept every such body as a request.
 */
export function asPlainRequest(body: unknown): PlainRequest | undefined {
  if (!isPlainObject(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string') return undefined;
  for (const key in body) if (!REQUEST_KEYS.has(key)) return undefined;
  return isRequestId(body.id) ? (body as unknown as PlainRequest) : undefined;
}
