// The client side of a 2025 Streamable HTTP session as the benches drive it (bench.mjs,
// ab-concurrent.mjs, session-memory.mjs): the same headers and handshake for our servers and the SDK's.

export const STREAMABLE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Runs the 2025 handshake (initialize, notifications/initialized); returns the headers of the session's later requests. */
export async function openSession(url) {
  const init = await fetch(url, {
    method: 'POST',
    headers: STREAMABLE,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } },
    }),
  });
  await init.text();
  const sessionId = init.headers.get('mcp-session-id');
  if (!sessionId) throw new Error(`no session from ${url}: ${init.status}`);
  const headers = { ...STREAMABLE, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  const initialized = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  const text = await initialized.text();
  if (initialized.status >= 300) throw new Error(`${url}: ${initialized.status} ${text.slice(0, 200)}`);
  return headers;
}
