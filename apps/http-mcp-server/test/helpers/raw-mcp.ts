/** Plain-fetch helpers for the HTTP shapes the SDK client does not let a test choose freely. */

export const JSON_AND_SSE = 'application/json, text/event-stream';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** JSON-RPC messages of the body: the JSON body, or every `data:` line of an SSE body. */
  messages: Array<Record<string, unknown>>;
}

export function parseBody(contentType: string | null, text: string): Array<Record<string, unknown>> {
  if (text.trim() === '') return [];
  if (contentType?.includes('text/event-stream')) {
    return text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
      .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
  }
  try {
    const body = JSON.parse(text) as unknown;
    return (Array.isArray(body) ? body : [body]) as Array<Record<string, unknown>>;
  } catch {
    return [];
  }
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    messages: parseBody(response.headers.get('content-type'), text),
  };
}

export function initializeRequest(
  protocolVersion: string,
  id: number | string = 1,
  capabilities: Record<string, unknown> = {},
) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities, clientInfo: { name: 'raw-test-client', version: '1.0.0' } },
  };
}

/** Runs the 2025-era handshake with plain fetch; returns the session id. */
export async function initializeSession(mcpUrl: string, protocolVersion: string): Promise<string> {
  const response = await post(mcpUrl, initializeRequest(protocolVersion));
  const sessionId = response.headers.get('mcp-session-id');
  if (response.status !== 200 || !sessionId) throw new Error(`initialize failed: ${response.status} ${response.text}`);
  await post(
    mcpUrl,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    sessionHeaders(sessionId, protocolVersion),
  );
  return sessionId;
}

export function sessionHeaders(sessionId: string, protocolVersion: string): Record<string, string> {
  return { 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion };
}
