import { afterEach, describe, expect, it } from 'vitest';
import { currentTime } from '../src/tools/time.js';
import { type Connected, connectPacks, ERAS, firstText } from './packs-harness.js';

describe.each(ERAS)('default pack (%s era)', (era) => {
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
  });

  async function client() {
    connected = await connectPacks({ packs: ['default'], era });
    return connected.client;
  }

  it('lists echo, time, whoami, service, login and logout with input schemas', async () => {
    const { tools } = await (await client()).listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['echo', 'login', 'logout', 'service', 'time', 'whoami']);
    const echo = tools.find((tool) => tool.name === 'echo');
    expect(echo?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    });
    expect(echo?.outputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
  });

  it('echo returns the text as text and as structured content', async () => {
    const result = await (await client()).callTool({ name: 'echo', arguments: { text: 'héllo ✓' } });
    expect(result.isError).toBeFalsy();
    expect(firstText(result.content as never)).toBe('héllo ✓');
    expect(result.structuredContent).toEqual({ text: 'héllo ✓' });
  });

  it('echo with a wrong argument type is refused with a validation error', async () => {
    const c = await client();
    const outcome = await c.callTool({ name: 'echo', arguments: { text: 42 } }).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    // The SDK reports input validation failures as an isError tool result naming the field.
    const message = outcome.result ? firstText(outcome.result.content as never) : String(outcome.error);
    expect(outcome.result?.isError ?? true).toBe(true);
    expect(message).toMatch(/text/);
    expect(message).toMatch(/invalid|expected/i);
  });

  it('time answers in UTC by default and in a requested zone', async () => {
    const c = await client();
    const utc = await c.callTool({ name: 'time', arguments: {} });
    const utcResult = utc.structuredContent as { iso: string; timezone: string; local: string; epochMs: number };
    expect(utcResult.timezone).toBe('UTC');
    expect(utcResult.local.endsWith('+00:00')).toBe(true);
    expect(new Date(utcResult.iso).getTime()).toBe(utcResult.epochMs);

    const tokyo = await c.callTool({ name: 'time', arguments: { timezone: 'Asia/Tokyo' } });
    expect((tokyo.structuredContent as { local: string }).local).toMatch(/\+09:00$/);
  });

  it('time refuses an unknown time zone with a clear error', async () => {
    const result = await (await client()).callTool({ name: 'time', arguments: { timezone: 'Mars/Olympus' } });
    expect(result.isError).toBe(true);
    expect(firstText(result.content as never)).toMatch(/Unknown IANA time zone/);
  });

  it('whoami reports an anonymous caller when no token is present', async () => {
    const result = await (await client()).callTool({ name: 'whoami', arguments: {} });
    const body = result.structuredContent as Record<string, unknown>;
    expect(body.authenticated).toBe(false);
    expect(body.identity).toEqual({ subject: 'anonymous' });
    if (era === 'legacy') {
      expect(body.protocolVersion).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(body.client).toEqual({ name: 'packs-test-client', version: '1.0.0' });
    }
  });

  it('an unknown tool is an error, and the server keeps serving', async () => {
    const c = await client();
    const outcome = await c.callTool({ name: 'nope', arguments: {} }).then(
      (result) => result.isError === true,
      () => true,
    );
    expect(outcome).toBe(true);
    expect((await c.callTool({ name: 'echo', arguments: { text: 'still here' } })).structuredContent).toEqual({
      text: 'still here',
    });
  });
});

describe('currentTime', () => {
  it('formats the wall-clock time with the zone offset, including half-hour zones', () => {
    const instant = new Date('2026-01-15T12:00:00.000Z');
    expect(currentTime('Asia/Kolkata', instant).local).toBe('2026-01-15T17:30:00+05:30');
    expect(currentTime('America/New_York', instant).local).toBe('2026-01-15T07:00:00-05:00');
    expect(currentTime(undefined, instant)).toEqual({
      iso: '2026-01-15T12:00:00.000Z',
      epochMs: instant.getTime(),
      timezone: 'UTC',
      local: '2026-01-15T12:00:00+00:00',
    });
  });
});

describe('whoami with a validated token (2026-07-28 over HTTP)', () => {
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
  });

  const authInfo = { token: 'opaque', clientId: 'client-1', scopes: ['mcp:tools'], extra: { sub: 'user-42' } };

  it('reports the subject, client and scopes of the token', async () => {
    connected = await connectPacks({ packs: ['default'], era: 'modern', authInfo });
    const result = await connected.client.callTool({ name: 'whoami', arguments: {} });
    expect(result.structuredContent).toMatchObject({
      authenticated: true,
      identity: { subject: 'user-42', clientId: 'client-1', scopes: ['mcp:tools'] },
    });
    expect(JSON.stringify(result)).not.toContain('opaque');
  });

  it('uses the identity resolver of the PackContext when one is plugged in', async () => {
    connected = await connectPacks({
      packs: ['default'],
      era: 'modern',
      authInfo,
      context: { identity: (info) => ({ subject: `resolved:${info.clientId}`, tenant: 'acme' }) },
    });
    const result = await connected.client.callTool({ name: 'whoami', arguments: {} });
    expect((result.structuredContent as { identity: unknown }).identity).toEqual({
      subject: 'resolved:client-1',
      tenant: 'acme',
    });
  });
});
