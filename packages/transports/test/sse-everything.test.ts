import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendConnection } from '../src/index.js';
import { type EverythingServer, startEverythingServer } from './everything-server.js';
import { fastSupervision, textOf } from './helpers.js';

describe('legacy HTTP+SSE backend: server-everything sse', () => {
  let server: EverythingServer;
  beforeAll(async () => {
    server = await startEverythingServer('sse');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists and calls tools with progress and parallel calls over one SSE session', async () => {
    await using everything = createBackendConnection(
      'everything-sse',
      { transport: 'sse', url: server.url, headers: { 'x-trace': 'sse-test' } },
      { supervision: fastSupervision },
    );
    await everything.connect();
    expect(everything.transport).toBe('sse');
    expect(everything.serverInfo?.name).toBe('mcp-servers/everything');
    expect((await everything.listTools()).map((tool) => tool.name)).toContain('echo');
    expect(textOf(await everything.callTool('echo', { message: 'over sse' }))).toBe('Echo: over sse');
    const [resource] = await everything.listResources();
    if (!resource) throw new Error('no resources');
    expect((await everything.readResource(resource.uri)).contents[0]?.uri).toBe(resource.uri);
    expect((await everything.getPrompt('args-prompt', { city: 'Oslo' })).messages.length).toBeGreaterThan(0);

    const progress: number[] = [];
    await everything.callTool(
      'trigger-long-running-operation',
      { duration: 0.4, steps: 2 },
      { onProgress: (update) => progress.push(update.progress) },
    );
    expect(progress[0]).toBe(1);

    const messages = Array.from({ length: 16 }, (_, index) => `sse-${index}`);
    const results = await Promise.all(messages.map((message) => everything.callTool('echo', { message })));
    expect(results.map(textOf)).toEqual(messages.map((message) => `Echo: ${message}`));
  });

  it('reconnects when the SSE stream drops because the server crashed', async () => {
    await using everything = createBackendConnection(
      'everything-sse',
      { transport: 'sse', url: server.url },
      { supervision: { ...fastSupervision, restart: { initialDelayMs: 100, maxDelayMs: 400 } } },
    );
    await everything.connect();
    const restart = new Promise<string>((resolve) => everything.on('restart', (event) => resolve(event.reason.code)));
    await server.crash();
    await server.start();
    expect(await restart).toMatch(/BACKEND_UNAVAILABLE|SESSION_EXPIRED/);
    // The call waits for the new session (bounded by its timeout) instead of failing.
    expect(textOf(await everything.callTool('echo', { message: 'again' }, { timeoutMs: 15_000 }))).toBe('Echo: again');
  });
});
