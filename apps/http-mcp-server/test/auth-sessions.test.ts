import { describe, expect, it } from 'vitest';
import { OTHER_USER, obtainTokens, startAuthServer, startCallbackServer } from './auth-harness.js';
import { initializeRequest, post, sessionHeaders } from './helpers/raw-mcp.js';

const VERSION = '2025-11-25';

describe('sessions belong to their user', () => {
  it("another user's token with alice's Mcp-Session-Id gets 404; alice keeps using it", async () => {
    await using server = await startAuthServer();
    await using callback = await startCallbackServer();
    const alice = await obtainTokens(server, callback.redirectUri);
    const bob = await obtainTokens(server, callback.redirectUri, { user: OTHER_USER });
    const asAlice = { authorization: `Bearer ${alice.accessToken}` };
    const asBob = { authorization: `Bearer ${bob.accessToken}` };

    const init = await post(server.resource, initializeRequest(VERSION), asAlice);
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id') as string;
    const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(
      (await post(server.resource, initialized, { ...sessionHeaders(sessionId, VERSION), ...asAlice })).status,
    ).toBe(202);

    const whoami = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    const stolen = await post(server.resource, whoami, { ...sessionHeaders(sessionId, VERSION), ...asBob });
    expect(stolen.status).toBe(404);
    expect(stolen.messages[0]).toMatchObject({ error: { code: -32001 } });

    const own = await post(server.resource, whoami, { ...sessionHeaders(sessionId, VERSION), ...asAlice });
    expect(own.status).toBe(200);
    expect(JSON.stringify(own.messages)).toContain('"subject":"alice"');
  });
});
